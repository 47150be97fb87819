"""Admins register publisher sites; editors read the snippet. Role checks on every page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Site
from tests.factories import login, make_user, post_form


def _sites() -> int:
    return db.session.scalar(select(func.count()).select_from(Site))


@pytest.fixture
def admin(client, session):
    make_user("admin1", role="admin")
    login(client, "admin1")
    return client


def test_admin_registers_edits_and_rotates_a_site(admin):
    response = post_form(
        admin,
        "/admin/sites/",
        {
            "key": "daily",
            "name": "The Daily",
            "origins": "https://daily.example\nhttps://WWW.daily.example:443/",
        },
    )
    assert response.status_code == 303
    site = db.session.scalar(select(Site).where(Site.key == "daily"))
    assert site.allowed_origins == ["https://daily.example", "https://www.daily.example"]
    assert site.auto_create is False and site.active and len(site.sso_secret) >= 43
    page = admin.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert site.sso_secret in page and "The Daily" in page
    assert "The Daily" in admin.get("/admin/sites/").get_data(as_text=True)
    edited = post_form(
        admin,
        f"/admin/sites/{site.id}",
        {"name": "Daily", "origins": "https://daily.example", "auto_create": "y"},
    )
    assert edited.status_code == 303
    assert site.name == "Daily" and site.auto_create and not site.active
    old = site.sso_secret
    assert post_form(admin, f"/admin/sites/{site.id}/secret").status_code == 303
    assert site.sso_secret != old


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"key": "x", "name": "N", "origins": "https://a.example"}, 400, "site key is 2-40"),
        ({"key": "ok-key", "name": "", "origins": "https://a.example"}, 400, "name of 1-120"),
        ({"key": "ok-key", "name": "N", "origins": ""}, 400, "at least one allowed origin"),
        ({"key": "ok-key", "name": "N", "origins": "https://a.example/path"}, 400, "no path"),
        ({"key": "ok-key", "name": "N", "origins": "ftp://a.example"}, 400, "http:// or https://"),
        ({"key": "taken", "name": "N", "origins": "https://a.example"}, 409, "is taken"),
    ],
)
def test_bad_site_input_stores_nothing(admin, data, status, message):
    from forum.services.sites import create_site

    create_site("taken", "Taken", "https://t.example")
    db.session.commit()
    before = _sites()
    response = post_form(admin, "/admin/sites/", data)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert _sites() == before


def test_a_refused_edit_shows_the_site_as_stored_and_changes_nothing(admin):
    from forum.services.sites import create_site

    site = create_site("kept", "Kept Name", "https://kept.example")
    db.session.commit()
    response = post_form(admin, f"/admin/sites/{site.id}", {"name": "New Name", "origins": "ftp://x.example"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "http:// or https://" in page
    assert "<h1>Kept Name" in page and "<h1>New Name" not in page, "the heading is the stored name"
    db.session.expire(site)
    assert site.name == "Kept Name" and site.allowed_origins == ["https://kept.example"]


def test_editor_sees_the_snippet_but_not_the_admin_pages(client, site):
    from tests.factories import make_story

    make_user("editor1", role="editor")
    login(client, "editor1")
    assert client.get("/admin/sites/").status_code == 403
    assert client.get(f"/admin/sites/{site.id}").status_code == 403
    story = make_story(headline="Snippet story")
    html = client.get(f"/editor/sites/{site.id}/snippet?story={story.id}").get_data(as_text=True)
    assert f'data-site="news" data-story="{story.id}"' in html.replace("&#34;", '"').replace("&quot;", '"')
    assert "http://localhost/embed.js" in html and site.sso_secret not in html
    assert "news" in client.get("/editor/sites/").get_data(as_text=True).lower()
    assert client.get("/editor/sites/999999/snippet").status_code == 404


def test_readers_and_visitors_are_kept_out(client, site):
    assert client.get("/admin/sites/").status_code == 302  # to the login page
    assert client.get(f"/editor/sites/{site.id}/snippet").status_code == 302
    make_user("plain1")
    login(client, "plain1")
    assert client.get("/admin/sites/").status_code == 403
    assert client.get(f"/editor/sites/{site.id}/snippet").status_code == 403
    assert (
        post_form(
            client, "/admin/sites/", {"key": "zz", "name": "Z", "origins": "https://z.example"}
        ).status_code
        == 403
    )
