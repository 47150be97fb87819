"""A reader's own account: forgotten password (a reset link by email), their email address, a copy of their
data and deleting the account. Also gives every template the site's name."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from forum.extensions import limiter
from forum.services import mail, reader_accounts
from forum.services.errors import ServiceError
from forum.web.account.forms import DeleteForm, EmailForm, ForgotForm, ResetForm
from forum.web.forms import require_valid

bp = Blueprint("account", __name__)
reset_limit = limiter.limit(
    lambda: current_app.config["FORUM_LIMIT_RESET"], methods=["POST"], key_func=get_remote_address
)


@bp.app_context_processor
def _site_name() -> dict:
    return {"site_name": current_app.config.get("FORUM_SITE_NAME") or "Forum"}


def _external(endpoint: str, **values) -> str:
    """An absolute link for an email: under ``FORUM_SITE_URL`` when set, else this request's host."""
    base = current_app.config.get("FORUM_SITE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _reset_mail(user, token: str) -> tuple[str, str]:
    site = current_app.config.get("FORUM_SITE_NAME") or "the forum"
    hours = reader_accounts.reset_hours()
    body = (
        f"Hello {user.display_name},\n\n"
        f"someone (we hope you) asked to reset the password of the account {user.username!r} on {site}.\n"
        f"Choose a new password here; the link works once, for {hours} hours:\n\n"
        f"{_external('account.reset', token=token)}\n\n"
        "If you did not ask, ignore this message: your password stays as it is.\n"
    )
    return f"Reset your password on {site}", body


@bp.route("/password/forgot", methods=["GET", "POST"])
@reset_limit
def forgot():
    form = ForgotForm()
    if not mail.mail_configured():  # the site sends no mail: say so rather than promise a message
        html = render_template("account/forgot.html", form=form, error=None, can_mail=False)
        return html, (503 if request.method == "POST" else 200)
    error = None
    if request.method == "POST":
        require_valid(form)
        try:
            found = reader_accounts.request_reset(form.email.data)
        except ServiceError as exc:
            error = exc
        else:
            if found is not None:
                user, token = found
                mail.send_in_background(user.email, *_reset_mail(user, token))
            flash(
                "If an account has that address, a link to choose a new password is on its way: it works "
                f"once, for {reader_accounts.reset_hours()} hours. Check your spam folder if it does not "
                "arrive.",
                "info",
            )
            return redirect(url_for("auth.login"), code=303)
    html = render_template("account/forgot.html", form=form, error=error, can_mail=True)
    return html, (error.status if error else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@reset_limit
def reset(token: str):
    form = ResetForm()
    error = None
    user = None
    try:
        user = reader_accounts.read_reset_token(token)
        if request.method == "POST":
            require_valid(form)
            reader_accounts.reset_password(token, form.password.data, form.confirm.data)
            logout_user()
            flash(
                "Your password is changed and you are signed out everywhere: log in with the new one.",
                "success",
            )
            return redirect(url_for("auth.login"), code=303)
    except ServiceError as exc:
        error = exc
    html = render_template("account/reset.html", form=form, error=error, user=user, token=token)
    return html, (error.status if error else 200)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def email():
    form = EmailForm(email=current_user.email)
    error = None
    if request.method == "POST":
        require_valid(form)
        try:
            reader_accounts.set_email(current_user._get_current_object(), form.email.data)
        except ServiceError as exc:
            error = exc
        else:
            flash(
                "Your email address is saved." if current_user.email else "Your email address is removed.",
                "success",
            )
            return redirect(url_for("auth.account"), code=303)
    return render_template("account/email.html", form=form, error=error), (error.status if error else 200)


@bp.get("/account/data")
@login_required
def data():
    """The reader's data as a JSON file (profile, comments with their versions, votes, sides, flags)."""
    payload = reader_accounts.export_data(current_user._get_current_object())
    response = current_app.response_class(
        json.dumps(payload, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="forum-data-{current_user.username}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete():
    user = current_user._get_current_object()
    form = DeleteForm()
    error = None
    if request.method == "POST":
        require_valid(form)
        try:
            reader_accounts.delete_account(user, form.password.data)
        except ServiceError as exc:
            error = exc
        else:
            logout_user()
            flash("Your account is deleted. Thank you for taking part.", "info")
            return redirect(url_for("readers.home"), code=303)
    html = render_template(
        "account/delete.html", form=form, error=error, stories=reader_accounts.stories_commented_on(user)
    )
    return html, (error.status if error else 200)
