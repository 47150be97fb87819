"""Fixtures for the production tests: throwaway databases and servers, seeded through the app's own code."""

from __future__ import annotations

import os
import shutil

import pytest
import requests
import sqlalchemy as sa

from harness import databases
from harness.databases import PG_ADMIN_URL
from harness.servers import BIN, PostgresCluster, postgres_bin
from tests.factories import CSRF_RE, make_app, require_or_skip

MIGRATIONS = databases.MIGRATIONS
PASSWORD = "correct horse"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/production/" in str(item.fspath):
            item.add_marker(pytest.mark.production)


@pytest.fixture(scope="session", autouse=True)
def _binaries():
    if not (BIN / "gunicorn").exists():
        require_or_skip("FORUM_REQUIRE_POSTGRES", "gunicorn is not installed in this environment")


def _reachable(admin_url: str) -> None:
    try:
        databases.admin_engine(admin_url).dispose()
    except sa.exc.OperationalError:
        require_or_skip("FORUM_REQUIRE_POSTGRES", f"PostgreSQL is not reachable at {admin_url}")


def create_database(admin_url: str) -> str:
    """A fresh, migrated database on the server at ``admin_url``; returns its URL."""
    _reachable(admin_url)
    return databases.create_database(admin_url, make_app)


def drop_database(admin_url: str, url: str) -> None:
    _reachable(admin_url)
    databases.drop_database(admin_url, url)


@pytest.fixture
def shared_pg_db():
    """A throwaway database on the machine's PostgreSQL server (the server itself is never stopped)."""
    url = create_database(PG_ADMIN_URL)
    yield url
    drop_database(PG_ADMIN_URL, url)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster of our own, which the fault tests may stop and start."""
    bindir = postgres_bin()
    if bindir is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        require_or_skip(
            "FORUM_REQUIRE_POSTGRES", "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        )
    cluster = PostgresCluster(bindir)
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def redis_binary():
    if not shutil.which("redis-server"):
        require_or_skip("FORUM_REQUIRE_REDIS", "redis-server is not installed")


TOPICS = [
    "the pause",
    "the pledges",
    "regulation",
    "open models",
    "military use",
    "the deadline",
    "safety teams",
    "competitors",
    "lawmakers",
    "the public",
    "investors",
    "researchers",
]


def seed(url: str, *, readers: int = 0, comments: int = 0, slug: str = "prod-story"):
    """A story with ``comments`` comments (each by its own author, each different, so moderation's
    near-duplicate check leaves them alone), and ``readers`` readers (fast password hashes)."""
    from forum.extensions import db
    from forum.models import Comment, Story, User
    from forum.sanitize import render_comment

    app = make_app(url)
    with app.app_context():
        story = Story(slug=slug, headline="A story under load", question="Agree?", lede="", body="")
        template = User(username="template", display_name="-")
        template.set_password(PASSWORD)
        db.session.add(story)
        db.session.flush()
        authors = [
            User(username=f"author{i:04d}", display_name=f"Author {i}", password_hash=template.password_hash)
            for i in range(comments)
        ]
        users = [
            User(username=f"reader{i:04d}", display_name=f"Reader {i}", password_hash=template.password_hash)
            for i in range(readers)
        ]
        db.session.add_all(authors + users)
        db.session.flush()
        for i, author in enumerate(authors):
            topic, other = TOPICS[i % len(TOPICS)], TOPICS[(i * 7 + 3) % len(TOPICS)]
            body = (
                f"Comment {i}: what matters most is {topic}, more than {other}; case number {i * 37 % 101}."
            )
            db.session.add(
                Comment(story_id=story.id, author_id=author.id, body=body, body_html=render_comment(body))
            )
        db.session.commit()
        ids = list(
            db.session.scalars(sa.select(Comment.id).where(Comment.story_id == story.id).order_by(Comment.id))
        )
        db.session.remove()
        db.engine.dispose()
    return ids


def sign_in(base: str, username: str) -> tuple[requests.Session, str]:
    """A requests session signed in through the JSON API; returns it with its CSRF token."""
    http = requests.Session()
    token = http.get(base + "/api/csrf-token", timeout=30).json()["csrf_token"]
    response = http.post(
        base + "/api/session",
        json={"username": username, "password": PASSWORD},
        headers={"X-CSRFToken": token},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return http, token


def form_token(http: requests.Session, url: str) -> str:
    match = CSRF_RE.search(http.get(url, timeout=30).text)
    assert match, f"no csrf_token on {url}"
    return match.group(1) or match.group(2)
