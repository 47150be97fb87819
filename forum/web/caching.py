"""Short-lived page caching for anonymous readers.

A story's discussion and its debate map are what most visitors read, without an account. For them the
rendered page is kept for ``FORUM_PAGE_CACHE_SECONDS`` (5 by default; 0 switches caching off) in each web
process, keyed by path and query string, with the headers the view set (a widget frame's own
``frame-ancestors``, say). Signed-in readers, pages carrying a flash message, and responses
that set a cookie are never cached, so nobody sees anyone else's page; anonymous readers may see vote counts
a few seconds old. The caching is Flask-Caching's own ``cache.cached``; the headers added after the view
(a request id, the default security headers) are added afresh to every response, cached or not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, request, session
from flask_caching import CachedResponse
from flask_login import current_user

from forum.extensions import cache


def _timeout() -> int:
    return current_app.config["FORUM_PAGE_CACHE_SECONDS"]


def _bypass() -> bool:
    """Caching is off, or the page is someone's own: a signed-in reader's, or one with a flash message."""
    return _timeout() <= 0 or current_user.is_authenticated or bool(session.get("_flashes"))


def _key() -> str:
    return f"anon:{request.full_path}"


def _cacheable(response) -> bool:
    return response.status_code == 200 and "Set-Cookie" not in response.headers


def cached_for_anonymous(view: Callable) -> Callable:
    """Cache ``view``'s page for anonymous readers (see the module docstring)."""

    @cache.cached(key_prefix=_key, unless=_bypass, response_filter=_cacheable)
    @wraps(view)
    def cached_view(*args, **kwargs):
        # The timeout is the configuration's at the time of the request, not at import.
        return CachedResponse(current_app.make_response(view(*args, **kwargs)), _timeout())

    return cached_view
