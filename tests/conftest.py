"""Shared fixtures: the app on each database backend, a rolled-back session per test, and login helpers.

Every test that takes ``app`` (or ``client``, ``session``) runs twice: on SQLite and on the real PostgreSQL
(``FORUM_TEST_POSTGRES_URL``, by default the server on 127.0.0.1:5432). Set ``FORUM_TEST_BACKENDS=sqlite``
to run SQLite alone while developing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.services import accounts  # noqa: E402

PG_ADMIN_URL = os.environ.get("FORUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("FORUM_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def require_or_skip(flag: str, reason: str) -> None:
    """Skip with ``reason``, or fail where the environment (CI) says the dependency must be there."""
    if os.environ.get(flag) == "1":
        pytest.fail(f"{reason} ({flag}=1, so this is an error)")
    pytest.skip(reason)


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


class IsolatedClient(FlaskClient):
    """A test client whose requests do not share ``g`` with the test's app context (Flask reuses a pushed
    app context for requests, which would leak the CSRF token and the logged-in user between clients)."""

    def open(self, *args, **kwargs):
        saved = dict(g.__dict__) if has_app_context() else None
        if saved is not None:
            g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            if saved is not None:
                g.__dict__.clear()
                g.__dict__.update(saved)


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        # The limiter stays on (its switch is global to the process); tests get limits they never reach.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        **{
            f"FORUM_LIMIT_{name}": "100000 per minute"
            for name in ("LOGIN", "REGISTER", "POST", "VOTE", "RESET", "AUTO_CREATE")
        },
        "FORUM_WORKER": "manual",
        "FORUM_EMBEDDER": "fake",
        "FORUM_PASSWORD_HASH": "pbkdf2:sha256:1000",  # fast for tests; production uses scrypt
        "FORUM_PAGE_CACHE_SECONDS": 0,  # tests/web/test_page_cache.py switches it on
        "FORUM_MAP_MIN_SECONDS": 0,  # tests/maps/test_mapping.py checks the spacing
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application


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


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of this client's session, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


def post_form(client, path: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token, as a browser would."""
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=payload, **kwargs)


def make_user(username: str = "reader1", password: str = "correct horse", role: str = "reader", **extra):
    user = accounts.register_user(username, password, role=role)
    for key, value in extra.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def login(client, username: str, password: str = "correct horse"):
    response = post_form(client, "/login", {"username": username, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


@pytest.fixture
def reader(session):
    return make_user("reader1")


@pytest.fixture
def logged_in(client, reader):
    login(client, reader.username)
    return client


# A story with three planted arguments (used by the map, review and opinion tests).
ARGUMENTS = {
    "regulate": (
        "disagree",
        [
            "Regulation must force every lab to keep its safety pledges.",
            "Only binding regulation can stop labs dropping safety pledges.",
            "Lawmakers should regulate labs so safety pledges are binding.",
            "We need regulation that makes safety pledges legally binding for labs.",
            "Regulators must make these safety pledges binding on every lab.",
            "Binding regulation of AI labs is the only answer to dropped safety pledges.",
        ],
    ),
    "pointless": (
        "agree",
        [
            "A unilateral pause is pointless while competitors keep racing.",
            "Pausing alone is pointless when competitors race ahead anyway.",
            "One lab pausing unilaterally is pointless, competitors just keep racing.",
            "Unilateral pauses are pointless if the competitors never pause.",
            "It is pointless for one lab to pause while its competitors keep racing.",
            "A pause by one company is pointless, competitors will keep racing.",
        ],
    ),
    "military": (
        "disagree",
        [
            "The Pentagon deadline and military use of models worry me most.",
            "Military use of these models for the Pentagon is the real worry.",
            "I worry about the Pentagon deadline pushing military use of models.",
            "Military use and the Pentagon deadline worry me more than the pledge.",
            "The real worry is military use of models under a Pentagon deadline.",
        ],
    ),
}


@pytest.fixture
def debate(session):
    from forum.services import comments as comment_service
    from tests.factories import make_story

    """A story with three planted arguments from distinct readers, committed (jobs not yet run)."""
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
