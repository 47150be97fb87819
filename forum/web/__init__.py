"""The web layer: blueprints, security headers, error pages, login wiring."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, request
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from forum.extensions import db, login_manager
from forum.ids import parse_id
from forum.models import User
from forum.sanitize import plain_text, render_comment
from forum.services import moderation
from forum.web import errors, health, security, transactions, vocabulary


class IdConverter(IntegerConverter):
    """Werkzeug's ``int`` converter for row ids: ASCII digits only, and a number no id column can hold
    (:data:`forum.ids.MAX_ID`; past 2**63 - 1 SQLite cannot even compare with it) becomes 0, an id no row
    has, so the view answers its usual 404. Refusing it in the converter instead would make Werkzeug answer
    405 where another rule has the same path with other methods."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        return 0 if number is None else number


def register_web(app: Flask) -> None:
    from forum.web.account import bp as account_bp
    from forum.web.admin import bp as admin_bp
    from forum.web.api import register as register_api
    from forum.web.auth import bp as auth_bp
    from forum.web.editor import bp as editor_bp
    from forum.web.editor import flags_bp
    from forum.web.maps import bp as maps_bp
    from forum.web.opinions import bp as opinions_bp
    from forum.web.readers import bp as readers_bp
    from forum.web.review import bp as review_bp
    from forum.web.sites import admin_bp as sites_admin_bp
    from forum.web.sites import editor_bp as sites_editor_bp
    from forum.web.widget import api_bp as widget_api_bp
    from forum.web.widget import bp as widget_bp

    # Before any route: every <int:...> in a URL rule is an id an id column can hold (a larger one 404s).
    app.url_map.converters["int"] = IdConverter
    app.json = security.BoundedJSONProvider(app)
    proxies = app.config["FORUM_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.session_interface = security.SecureWhenHttpsSessionInterface()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to take part: reading needs no account, posting and voting do."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.register_blueprint(readers_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(maps_bp)
    app.register_blueprint(review_bp)
    register_api(app)
    health.register(app)
    app.register_blueprint(widget_bp)
    app.register_blueprint(widget_api_bp)
    app.register_blueprint(sites_admin_bp)
    app.register_blueprint(sites_editor_bp)
    app.register_blueprint(opinions_bp)
    app.register_blueprint(editor_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(flags_bp)
    app.before_request(security.refuse_nul_bytes)
    app.after_request(security.add_security_headers)
    transactions.register(app)  # last: it runs first, before the security headers
    errors.register(app)

    app.add_template_filter(_markdown_filter, "markdown")
    app.add_template_filter(plain_text, "plain_text")
    vocabulary.register(app)
    app.add_template_global(moderation.moderation_state, "moderation_state")

    @app.context_processor
    def _globals() -> dict:
        return {"request_path": request.path}


@lru_cache(maxsize=512)
def _markdown_filter(text: str | None) -> Markup:
    """Editors' Markdown (story bodies) as safe HTML; rendered once per distinct text."""
    return Markup(render_comment(text or ""))


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The user a session cookie stands for, unless the session was ended since (``User.get_id`` holds the
    id and the session version; signing out, or a password, role or status change, bumps the version)."""
    user_id, _, version = (session_id or "").partition(".")
    number = parse_id(user_id)
    if number is None or not (version.isascii() and version.isdigit() and len(version) < 19):
        return None
    user = db.session.get(User, number)
    if user is None or user.session_version != int(version):
        return None
    return user
