"""Configuration from ``FORUM_*`` environment variables, read when the app is built (never at import)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "EDIT_WINDOW_MINUTES": 15,
    "MAX_COMMENT_LENGTH": 5000,
    "COMMENTS_PER_PAGE": 20,
    "EMBEDDER": "minilm",
    "WORKER": "inprocess",
    "REDIS_URL": None,
    "TRUSTED_PROXIES": 0,
    "RATE_LIMITS": True,
    "LOG_JSON": False,
    "SWEEP_SECONDS": 30,
    "MAP_MIN_SECONDS": 20,
    "PAGE_CACHE_SECONDS": 5,
    "LABELLER_URL": None,
    "LABELLER_MODEL": None,
    "LABELLER_API_KEY": "",
    "LIMIT_LOGIN": "10 per minute; 60 per hour",
    "LIMIT_REGISTER": "5 per minute; 30 per hour",
    "LIMIT_POST": "6 per minute; 100 per hour",
    "LIMIT_VOTE": "120 per minute",
    # stories the widget creates on its own, per publisher site (see forum.web.limits.allow_auto_create)
    "LIMIT_AUTO_CREATE": "20 per hour; 100 per day",
    "LIMIT_RESET": "3 per minute; 20 per hour",
    # The site's name (header, page titles, emails) and the address links in emails point to.
    "SITE_NAME": "Deliberation forum",
    "SITE_URL": None,
    # Outgoing mail (password resets). Without a host no mail is sent and resets are refused with a message.
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_FROM": None,
    "SMTP_TLS": "off",
    "RESET_TOKEN_HOURS": 2,
}

_INT_KEYS = {
    "EDIT_WINDOW_MINUTES",
    "MAX_COMMENT_LENGTH",
    "COMMENTS_PER_PAGE",
    "TRUSTED_PROXIES",
    "SWEEP_SECONDS",
    "MAP_MIN_SECONDS",
    "SMTP_PORT",
    "RESET_TOKEN_HOURS",
}
_BOOL_KEYS = {"RATE_LIMITS", "LOG_JSON"}


def _coerce(key: str, value: str) -> Any:
    if key in _INT_KEYS:
        return int(value)
    if key in _BOOL_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def _secret_key(instance_path: Path) -> str:
    """The secret key kept in ``instance/secret_key``, generated on first use."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def build_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the Flask config for this process: defaults, overridden by ``FORUM_*`` variables."""
    env = os.environ if environ is None else environ
    inst = Path(instance_path)
    forum = dict(DEFAULTS)
    for key in list(forum):
        if f"FORUM_{key}" in env:
            forum[key] = _coerce(key, env[f"FORUM_{key}"])
    db_url = env.get("FORUM_DATABASE_URL") or f"sqlite:///{inst / 'forum.db'}"
    if db_url.startswith("postgres://"):
        db_url = "postgresql://" + db_url[len("postgres://") :]
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://") :]
    config: dict[str, Any] = {f"FORUM_{k}": v for k, v in forum.items()}
    config.update(
        SQLALCHEMY_DATABASE_URI=db_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SECRET_KEY=env.get("FORUM_SECRET_KEY") or None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_ENABLED=forum["RATE_LIMITS"],
        RATELIMIT_STORAGE_URI=env.get("FORUM_RATELIMIT_STORAGE_URL") or forum["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
        # Pages anonymous readers see are cached for a few seconds in each web process (see web/caching.py).
        CACHE_TYPE="SimpleCache",
        CACHE_DEFAULT_TIMEOUT=forum["PAGE_CACHE_SECONDS"],
        CACHE_THRESHOLD=2000,
    )
    return config


def ensure_secret_key(config: dict[str, Any], instance_path: str) -> None:
    """Fill ``SECRET_KEY`` from ``instance/secret_key`` when no variable set it."""
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(Path(instance_path))
