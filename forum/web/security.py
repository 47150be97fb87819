"""Security headers and the session cookie's Secure flag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, abort, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface

CSP_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def content_security_policy(overrides: Mapping[str, Sequence[str]] | None = None) -> str:
    """The ``Content-Security-Policy`` value: :data:`CSP_DIRECTIVES`, with ``overrides`` (a directive's
    name to its sources) in place of the defaults of the directives they name, and added otherwise."""
    directives = {**CSP_DIRECTIVES, **(overrides or {})}
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


CSP = content_security_policy()


def add_security_headers(response: Response) -> Response:
    """The usual headers on every response; a view may set its own CSP first (the widget does)."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
        # A view that lets others frame it sets its own frame-ancestors; everything else refuses framing.
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin-allow-popups")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def refuse_nul_bytes() -> None:
    """NUL characters have no place in a URL or a form, and PostgreSQL cannot store them: refuse with 400."""
    if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
        abort(400, "The request contains a NUL character, which is not allowed.")
    is_form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if is_form and any("\x00" in v for v in request.form.values()):
        abort(400, "The form contains a NUL character, which is not allowed.")


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS (or the config says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply to parse (``[[[[...``, thousands of nested
    objects) is malformed JSON, a ValueError, like any other: ``request.get_json()`` then answers 400
    (or None when ``silent``) instead of letting the RecursionError become a 500. Every endpoint that reads
    a JSON body (the API, the widget API) goes through this."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None
