"""The web layer: blueprints, security headers, error pages, login wiring."""

from __future__ import annotations

from flask import Flask, request
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from forum.extensions import db, login_manager
from forum.models import User
from forum.sanitize import render_comment
from forum.web import errors, security


def register_web(app: Flask) -> None:
    from forum.web.auth import bp as auth_bp
    from forum.web.maps import bp as maps_bp
    from forum.web.readers import bp as readers_bp

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
    app.register_blueprint(maps_bp)
    app.before_request(security.refuse_nul_bytes)
    app.after_request(security.add_security_headers)
    errors.register(app)

    app.add_template_filter(lambda text: Markup(render_comment(text or "")), "markdown")

    @app.context_processor
    def _globals() -> dict:
        return {"request_path": request.path}


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
