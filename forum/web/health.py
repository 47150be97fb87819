"""``GET /healthz`` for load balancers and process managers, and the "temporarily unavailable" answer when
the database does not respond.

The health check answers 200 when the database answers ``SELECT 1`` and the job queue answers (Redis
``PING`` when ``FORUM_REDIS_URL`` is set; otherwise the in-process worker thread is alive), and 503 naming
the part that failed otherwise. It is exempt from rate limits and never touches the reader's session.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify
from flask_login import AnonymousUserMixin
from sqlalchemy import text
from sqlalchemy.exc import DataError, InterfaceError, OperationalError

from forum import jobs
from forum.extensions import csrf, db, limiter
from forum.web.errors import error_response

bp = Blueprint("health", __name__)
log = logging.getLogger("forum.health")

UNAVAILABLE = (
    "The forum is temporarily unavailable: its database is not answering. "
    "Nothing you sent was half-saved; please try again in a minute."
)


def check_database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not answering"
        _rollback_quietly()
        return {"ok": False, "error": f"the database did not answer: {type(exc).__name__}"}
    return {"ok": True, "backend": db.engine.dialect.name}


def check_queue() -> dict[str, Any]:
    """The queue's own answer: Redis ``PING``, the in-process worker thread (in this process, or, with
    several processes on one SQLite file, in another)."""
    return jobs.get_queue().health()


@bp.get("/healthz")
@limiter.exempt
def healthz():
    checks = {"database": check_database(), "queue": check_queue()}
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "unavailable" if failed else "ok", "checks": checks, "failed": failed}
    if failed:
        log.warning("health check failed: %s", ", ".join(failed), extra={"checks": checks})
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it (pool_pre_ping)
        log.debug("rollback after a database error failed", exc_info=True)


def _database_unavailable(exc: Exception):
    """OperationalError / InterfaceError: the database went away. Roll back (nothing half-written) and say
    so with 503; the pool reconnects by itself once the database is back (``pool_pre_ping``)."""
    _rollback_quietly()
    # The error page must not touch the database again: show it as to a visitor who is not signed in.
    g._login_user = AnonymousUserMixin()
    current_app.logger.warning("database unavailable: %s", type(exc).__name__, exc_info=True)
    response = error_response(UNAVAILABLE, 503)
    response = current_app.make_response(response)
    response.headers["Retry-After"] = "30"
    return response


def _value_refused(exc: DataError):
    """A value the database cannot store (out-of-range number, invalid text): the request was bad."""
    _rollback_quietly()
    return error_response("The request contains a value that is out of range or not valid text.", 400)


def register(app: Flask) -> None:
    """Add ``/healthz`` and the database-unavailable error handling to ``app``."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(DataError, _value_refused)
