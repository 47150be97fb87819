"""Fixtures for the map review tests: a story with its map computed, and a signed-in editor."""

from __future__ import annotations

import pytest

from forum import jobs
from forum.extensions import db
from tests.factories import login, make_user


@pytest.fixture
def mapped(app, debate):
    story, posted = debate
    jobs.drain(app)
    db.session.refresh(story)
    return story, posted


@pytest.fixture
def editor(client, session):
    make_user("editor1", role="editor")
    login(client, "editor1")
    return client
