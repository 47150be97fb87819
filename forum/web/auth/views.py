"""Registering, logging in and out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum.services import accounts, reader_accounts
from forum.services.errors import InvalidInput, ServiceError
from forum.web import limits
from forum.web.auth.forms import LoginForm, RegisterForm
from forum.web.forms import require_valid
from forum.web.navigation import safe_next
from forum.web.readers.forms import ActionForm

bp = Blueprint("auth", __name__)


def _after_login(form_next: str | None):
    return redirect(safe_next(form_next) or url_for("readers.home"), code=303)


@bp.route("/register", methods=["GET", "POST"])
@limits.register
def register():
    form = RegisterForm(next=request.args.get("next"))
    error = None
    if request.method == "POST":
        user, error = register_from_form(form)
        if user is not None:
            flash(f"Welcome, {user.display_name}! You can now comment and vote.", "success")
            return _after_login(form.next.data)
    return render_template("auth/register.html", form=form, error=error), (error.status if error else 200)


def register_from_form(form: RegisterForm):
    """Create the account a posted registration form describes and log it in: ``(user, None)``, or
    ``(None, error)`` (the caller's error answer rolls back what was written; the register page and the
    widget's popup both use it)."""
    require_valid(form)
    try:
        if form.password.data != form.confirm.data:
            raise InvalidInput("The two passwords differ.", field="confirm")
        user = accounts.register_user(form.username.data, form.password.data, form.display_name.data)
        reader_accounts.set_email(user, form.email.data)
    except ServiceError as exc:
        return None, exc
    login_user(user)
    return user, None


def log_in_from_form(form: LoginForm) -> str | None:
    """Check a posted login form and log the user in; the error to show otherwise (the same message for
    every failure, so nobody learns which accounts exist)."""
    require_valid(form)
    user = accounts.authenticate(form.username.data, form.password.data)
    if user is None:
        return "Wrong username or password."
    login_user(user)
    return None


@bp.route("/login", methods=["GET", "POST"])
@limits.login
def login():
    form = LoginForm(next=request.args.get("next"))
    error = None
    if request.method == "POST":
        error = log_in_from_form(form)
        if error is None:
            flash(f"Logged in as {current_user.display_name}.", "success")
            return _after_login(form.next.data)
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


def sign_out_everywhere() -> None:
    """End every session of the signed-in user on the server (a copied cookie stops working too), then
    this one's cookie."""
    if current_user.is_authenticated:
        accounts.end_all_sessions(current_user._get_current_object())
    logout_user()


@bp.post("/logout")
@login_required
def logout():
    require_valid(ActionForm())
    sign_out_everywhere()
    flash("You are logged out.", "info")
    return redirect(url_for("readers.home"), code=303)


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html", form=ActionForm())


@bp.post("/account/sign-out-everywhere")
@login_required
def logout_everywhere():
    require_valid(ActionForm())
    sign_out_everywhere()
    flash("You are signed out on every device and browser.", "info")
    return redirect(url_for("auth.login"), code=303)
