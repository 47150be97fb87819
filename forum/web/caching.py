"""Short-lived page caching for anonymous readers.

A story's discussion and its debate map are what most visitors read, without an account. For them the
rendered page is kept for ``FORUM_PAGE_CACHE_SECONDS`` (5 by default; 0 switches caching off) in each web
process, keyed by path and query string, with the headers the view set (a widget frame's own
``frame-ancestors``, say). Signed-in readers, pages carrying a flash message, and responses
that set a cookie are never cached, so nobody sees anyone else's page; anonymous readers may see vote counts
a few seconds old.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, request, session
from flask_login import current_user

from forum.extensions import cache

_PER_RESPONSE = {"content-length", "set-cookie", "x-request-id"}


def cached_for_anonymous(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        timeout = current_app.config["FORUM_PAGE_CACHE_SECONDS"]
        if timeout <= 0 or current_user.is_authenticated or session.get("_flashes"):
            return view(*args, **kwargs)
        key = f"anon:{request.full_path}"
        hit = cache.get(key)
        if hit is not None:
            body, headers = hit
            return current_app.response_class(body, status=200, headers=headers)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and "Set-Cookie" not in response.headers:
            headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _PER_RESPONSE]
            cache.set(key, (response.get_data(), headers), timeout=timeout)
        return response

    return wrapper
