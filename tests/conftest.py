"""Shared fixtures: the app on each database backend, a rolled-back session per test, a signed-in client.

Every test that takes ``app`` (or ``client``, ``session``) runs twice: on SQLite and on the real PostgreSQL
(``FORUM_TEST_POSTGRES_URL``, by default the server on 127.0.0.1:5432). Set ``FORUM_TEST_BACKENDS=sqlite``
to run SQLite alone while developing. The helpers tests import (``make_app``, ``make_user``, ``login``,
``post_form``...) are in :mod:`tests.factories`; this file holds only fixtures and what they need.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from forum.extensions import db  # noqa: E402
from harness.databases import PG_ADMIN_URL  # noqa: E402
from tests.factories import (  # noqa: E402
    ARGUMENTS,
    login,
    make_app,
    make_story,
    make_user,
    require_or_skip,
)

BACKENDS = [b for b in os.environ.get("FORUM_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def _pg_admin(statement: str) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(statement))
    admin.dispose()


def _pg_url(worker: str) -> str:
    """Create a database for this test process on the PostgreSQL server and return its URL. The name holds
    the process id, so test runs side by side (two checkouts, CI and a developer) never share one."""
    name = f"forum_test_{worker}_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        admin.connect().close()
    except sa.exc.OperationalError:
        require_or_skip("FORUM_REQUIRE_POSTGRES", f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


class _ConnectionBoundSession(FlaskSession):
    """A session that always uses the test's connection (Flask-SQLAlchemy would pick the engine)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    """The app with a migrated database, one per backend for the whole session."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'forum.db'}"
    else:
        url = _pg_url(worker)
    application = make_app(url)
    with application.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    yield application
    with application.app_context():
        db.engine.dispose()
    if request.param != "sqlite":
        _pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture
def session(app):
    """A database session whose work is rolled back after the test (commits become savepoints)."""
    with app.app_context():
        from forum.jobs import get_queue

        get_queue(app).jobs.clear()
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _ConnectionBoundSession,
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def reader(session):
    return make_user("reader1")


@pytest.fixture
def logged_in(client, reader):
    login(client, reader.username)
    return client


@pytest.fixture
def debate(session):
    """A story with three planted arguments from distinct readers, committed (jobs not yet run)."""
    from forum.services import comments as comment_service

    story = make_story(slug="debate", question="Should labs drop pledges?")
    authors = {}
    posted = {}
    for key, (side, texts) in ARGUMENTS.items():
        for i, text in enumerate(texts):
            name = f"{key}{i}"
            authors[name] = make_user(name)
            posted.setdefault(key, []).append(
                comment_service.post_comment(story, authors[name], text, side=side)
            )
    db.session.commit()
    return story, posted
