"""Fixtures for the widget tests: a registered publisher site and helpers to call the frame and the API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Site, SiteStory, SiteUser, Story, UsedSsoToken, User
from forum.services import sites as site_service
from forum.services import widget_auth

PUBLISHER = "https://news.example"
FORUM = "http://localhost"  # the test client's own origin


@pytest.fixture
def site(session):
    site = site_service.create_site("news", "News Example", [PUBLISHER])
    db.session.commit()
    return site


@pytest.fixture
def auto_site(session):
    site = site_service.create_site(
        "auto", "Auto Daily", ["https://auto.example", "http://127.0.0.1:8001"], True
    )
    db.session.commit()
    return site


def frame(client, referer: str | None = PUBLISHER + "/article", **params):
    headers = {"Referer": referer} if referer else {}
    return client.get("/widget/frame", query_string=params, headers=headers)


def api_post(client, path: str, json: dict, token: str | None = None, origin: str | None = FORUM, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if origin:
        headers["Origin"] = origin
    return client.post(path, json=json, headers=headers)


def widget_token(user, site) -> str:
    return widget_auth.issue_widget_token(user, site)


def counts() -> dict[str, int]:
    """How many rows the widget could create, to check that refused requests created nothing."""
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Story, SiteStory, User, SiteUser, UsedSsoToken, Site)
    }
