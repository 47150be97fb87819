"""Fixtures for the editor's workspace: staff accounts and a logged-in client per role."""

from __future__ import annotations

import pytest

from tests.factories import login, make_user


@pytest.fixture
def editor(session):
    return make_user("editor1", role="editor")


@pytest.fixture
def admin(session):
    return make_user("admin1", role="admin")


@pytest.fixture
def as_editor(app, editor):
    client = app.test_client()
    login(client, editor.username)
    return client


@pytest.fixture
def as_admin(app, admin):
    client = app.test_client()
    login(client, admin.username)
    return client


@pytest.fixture
def as_reader(app, reader):
    client = app.test_client()
    login(client, reader.username)
    return client
