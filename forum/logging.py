"""Structured logs and request ids.

Every request gets an id: the ``X-Request-ID`` header a proxy sent (when it is a short token) or a new one.
The id comes back in the response's ``X-Request-ID`` header and is attached to every log record written while
the request runs, so one request can be followed across the proxy, gunicorn and the app.

With ``FORUM_LOG_JSON=1`` the process logs one JSON object per line to stderr (what log shippers expect),
including one ``request`` record per request with method, path, status and duration. Without it, logging is
left as Python configures it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

request_log = logging.getLogger("forum.request")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extras and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _JsonHandler(logging.StreamHandler):
    """Marker class so that building the app twice replaces the handler instead of adding a second one."""


def _install_json_handler() -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
        root.removeHandler(handler)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def _start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex  # an earlier hook may have answered first
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    if started is not None and request_log.isEnabledFor(logging.INFO):
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(1000 * (time.perf_counter() - started), 1),
                "remote_addr": request.remote_addr,
            },
        )
    return response


def configure(app: Flask) -> None:
    """Give every request an id, and log JSON lines when ``FORUM_LOG_JSON`` is on."""
    if app.config.get("FORUM_LOG_JSON"):
        _install_json_handler()
    app.before_request(_start_request)
    app.after_request(_finish_request)
