"""Helpers for the JSON API tests: requests with the CSRF token in the X-CSRFToken header."""

from __future__ import annotations

import pytest

from tests.factories import login, make_comment, make_story, make_user


def token(client) -> str:
    response = client.get("/api/csrf-token")
    assert response.status_code == 200
    return response.get_json()["csrf_token"]


def call(client, method: str, path: str, json=None, *, csrf: bool = True, **kwargs):
    """A JSON API request as a browser script sends it (session cookie + X-CSRFToken header)."""
    headers = dict(kwargs.pop("headers", {}))
    if csrf:
        headers["X-CSRFToken"] = token(client)
    return client.open(path, method=method, json=json, headers=headers, **kwargs)


def error_of(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]
    return error["message"]


@pytest.fixture
def story(session):
    return make_story(slug="api-story", headline="A headline", question="Agree?")


@pytest.fixture
def other(session):
    return make_user("other")


@pytest.fixture
def their_comment(story, other):
    return make_comment(story, other, "Their opinion on it.")


@pytest.fixture
def signed_in(client, reader):
    login(client, reader.username)
    return client
