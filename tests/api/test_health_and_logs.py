"""/healthz, the 503 page when the database is gone, request ids and JSON logs."""

from __future__ import annotations

import json
import logging

import pytest

from forum import jobs
from forum import logging as forum_logging
from tests.factories import make_app

DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok" and body["failed"] == []
    assert body["checks"]["database"]["ok"] and body["checks"]["queue"] == {"ok": True, "kind": "manual"}


@pytest.fixture
def dead_db_app(tmp_path):
    app = make_app(DEAD_PG)
    yield app


def test_healthz_names_the_database_when_it_is_down(dead_db_app):
    response = dead_db_app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["database"] and "did not answer" in body["checks"]["database"]["error"]


def test_healthz_names_the_queue_when_redis_is_down(app):
    broken = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"], FORUM_WORKER="rq", FORUM_REDIS_URL="redis://127.0.0.1:1/0"
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["queue"] and "Redis did not answer" in body["checks"]["queue"]["error"]
    assert body["checks"]["database"]["ok"]
    with broken.app_context():
        from forum.extensions import db

        db.engine.dispose()


def test_inprocess_worker_thread_reported(app):
    inproc = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"], FORUM_WORKER="inprocess", FORUM_SWEEP_SECONDS=3600
    )
    body = inproc.test_client().get("/healthz").get_json()
    assert body["checks"]["queue"] == {"ok": True, "kind": "inprocess"}
    # let the thread's first sweep finish before another test swaps the global session
    assert jobs.get_queue(inproc).idle.wait(timeout=30)
    with inproc.app_context():
        from forum.extensions import db

        db.engine.dispose()


def test_database_down_gives_a_clear_503_page_and_json(dead_db_app):
    client = dead_db_app.test_client()
    page = client.get("/stories/anything")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    html = page.get_data(as_text=True)
    assert "Temporarily unavailable" in html and "database is not answering" in html
    api = client.get("/api/stories")
    assert api.status_code == 503 and "temporarily unavailable" in api.get_json()["error"]["message"]


def test_request_id_is_echoed_or_made(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "lb-abc.123"}).headers["X-Request-ID"] == "lb-abc.123"
    )
    # anything that is not a short token is replaced, so logs cannot be forged through the header
    assert client.get("/healthz", headers={"X-Request-ID": "a b;c"}).headers["X-Request-ID"] != "a b;c"


def test_json_log_lines_carry_the_request_id(app):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep()
    keep.addFilter(forum_logging.RequestIdFilter())
    request_log = logging.getLogger("forum.request")
    request_log.addHandler(keep)
    old_level, old_disabled = request_log.level, request_log.disabled
    request_log.setLevel(logging.INFO)
    request_log.disabled = False  # alembic's fileConfig (the migrations in the app fixture) disables loggers
    try:
        app.test_client().get("/healthz", headers={"X-Request-ID": "req-42"})
    finally:
        request_log.removeHandler(keep)
        request_log.setLevel(old_level)
        request_log.disabled = old_disabled
    (record,) = [r for r in records if getattr(r, "path", None) == "/healthz"]
    line = json.loads(forum_logging.JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["status"] == 200 and line["method"] == "GET"
    assert line["logger"] == "forum.request" and line["level"] == "INFO" and line["duration_ms"] >= 0


def test_json_handler_installed_once(app):
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        for _ in range(2):
            make_app(app.config["SQLALCHEMY_DATABASE_URI"], FORUM_LOG_JSON=True)
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1 and isinstance(added[0].formatter, forum_logging.JsonFormatter)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)
