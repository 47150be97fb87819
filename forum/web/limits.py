"""Rate limits for the routes that write, read from config so operators can tune them."""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from forum.extensions import limiter


def _reader_or_address() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _configured(name: str):
    return lambda: current_app.config[f"FORUM_LIMIT_{name}"]


login = limiter.limit(_configured("LOGIN"), methods=["POST"], key_func=get_remote_address)
register = limiter.limit(_configured("REGISTER"), methods=["POST"], key_func=get_remote_address)
# posting and editing (PATCH in the JSON API); voting (PUT in the JSON API)
post = limiter.limit(_configured("POST"), methods=["POST", "PATCH"], key_func=_reader_or_address)
vote = limiter.limit(_configured("VOTE"), methods=["POST", "PUT"], key_func=_reader_or_address)
