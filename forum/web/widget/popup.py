"""Registering from the widget: the sign-in popup's second form, on the forum's own origin. A new reader
creates an account there and goes back to the widget signed in (the popup hands the frame a widget token,
as after signing in)."""

from __future__ import annotations

from flask import current_app, render_template, request

from forum.services import sites as site_service
from forum.services import widget_auth
from forum.services.errors import ServiceError
from forum.web import limits
from forum.web.auth.forms import RegisterForm
from forum.web.auth.views import register_from_form
from forum.web.widget.headers import popup_page
from forum.web.widget.views import bp


@bp.route("/widget/register", methods=["GET", "POST"])
@limits.register
def register():
    try:
        site = site_service.get_site(request.args.get("site"))
    except ServiceError as exc:
        html = render_template("widget/error.html", message=exc.message)
        return popup_page(current_app.make_response((html, exc.status)))
    form = RegisterForm()
    error = None
    if request.method == "POST":
        user, error = register_from_form(form)
        if user is not None:
            token = widget_auth.issue_widget_token(user, site)
            html = render_template("widget/signin_done.html", site=site, token=token, user=user)
            return popup_page(current_app.make_response(html))
    html = render_template("widget/register.html", site=site, form=form, error=error)
    return popup_page(current_app.make_response((html, error.status if error else 200)))
