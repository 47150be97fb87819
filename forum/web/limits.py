"""Rate limits for the routes that write, read from config so operators can tune them."""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

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


def allow_auto_create(site_key: str) -> bool:
    """Count one automatic story creation for the site against ``FORUM_LIMIT_AUTO_CREATE`` (the widget
    creates a story on a page's first load): False once the site is over the limit. Counted per site, not
    per address, since anyone can send the requests; only creations count, so frames of existing stories
    keep loading."""
    if not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    items = parse_many(current_app.config["FORUM_LIMIT_AUTO_CREATE"])
    try:
        strategy = limiter.limiter
        if not all(strategy.test(item, "auto-create", site_key) for item in items):
            return False
        return all([strategy.hit(item, "auto-create", site_key) for item in items])
    except Exception:  # the counters' store is down: allow, as the other limits do (RATELIMIT_SWALLOW_ERRORS)
        current_app.logger.warning("rate-limit storage unavailable for the widget's story creation")
        return True
