"""Test helpers: the test app, factories for test data (committed as savepoints of the test's session,
rolled back with it), users and signing in, forms with their CSRF token, the planted debate's arguments."""

from __future__ import annotations

import itertools
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import Comment, Story, Viewpoint
from forum.sanitize import render_comment
from forum.services import accounts

SHARED_DATA = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)  # ../shared beside the checkout
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_seq = itertools.count(1)


def require_or_skip(flag: str, reason: str) -> None:
    """Skip with ``reason``, or fail where the environment (CI) says the dependency must be there."""
    if os.environ.get(flag) == "1":
        pytest.fail(f"{reason} ({flag}=1, so this is an error)")
    pytest.skip(reason)


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
    """The app as tests run it (on ``database_url``: fast password hashing, the manual job queue, no page
    cache, limits never reached), with ``overrides`` on top of that configuration."""
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


def make_story(**fields) -> Story:
    n = next(_seq)
    values = {
        "slug": f"story-{n}",
        "headline": f"Headline {n}",
        "lede": "A short lede.",
        "body": "First paragraph.\n\nSecond paragraph.",
        "source_url": "https://news.example/story",
        "question": "Should we?",
    }
    values.update(fields)
    story = Story(**values)
    db.session.add(story)
    db.session.commit()
    return story


def make_comment(
    story: Story,
    author,
    body: str = "A considered opinion.",
    *,
    parent: Comment | None = None,
    minutes_ago: int = 0,
    **fields,
) -> Comment:
    comment = Comment(
        story_id=story.id,
        author_id=author.id,
        **Comment.thread_position(parent),
        body=body,
        body_html=render_comment(body),
        created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        **fields,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def active_viewpoints(story: Story) -> list[Viewpoint]:
    """The story's live viewpoints (not "other comments"), in map order."""
    return list(
        db.session.scalars(
            select(Viewpoint)
            .where(Viewpoint.story_id == story.id, Viewpoint.active, Viewpoint.is_other.is_(False))
            .order_by(Viewpoint.position)
        )
    )
