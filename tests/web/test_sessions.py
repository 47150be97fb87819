"""Ending sessions on the server: a session cookie captured before signing out (or before a password, role or
status change) stops working, for every role; readers can sign out everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment
from forum.services import accounts, widget_auth
from forum.services import sites as site_service
from tests.api.conftest import call
from tests.factories import csrf_token, login, make_story, make_user, post_form


def _cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie: str):
    """A fresh client that sends only the captured cookie, as an attacker who copied it would."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _me(client) -> int:
    return client.get("/api/me").status_code


@pytest.mark.parametrize("role", ["reader", "editor", "admin"])
def test_logout_ends_the_captured_cookie(app, client, session, role):
    user = make_user(f"who-{role}", role=role)
    login(client, user.username)
    stolen = _cookie(client)
    assert _me(_replay(app, stolen)) == 200
    page = "/admin/" if role == "admin" else "/editor/" if role == "editor" else "/api/me"
    assert _replay(app, stolen).get(page).status_code == 200

    assert post_form(client, "/logout").status_code == 303
    replayed = _replay(app, stolen)
    assert _me(replayed) == 401
    assert replayed.get(page).status_code in (302, 401)
    # and it cannot write: the API refuses an anonymous caller before anything else
    assert call(replayed, "POST", "/api/stories/nope/comments", {"body": "x"}).status_code == 401


def test_logout_form_then_cookie_cannot_post_a_comment(app, client, reader):
    story = make_story(slug="s1")
    login(client, reader.username)
    stolen = _cookie(client)
    post_form(client, "/logout")
    attacker = _replay(app, stolen)
    response = post_form(attacker, f"/stories/{story.slug}/comments", {"body": "Posted with a stolen cookie"})
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).where(Comment.story_id == story.id)) == 0


def test_api_sign_out_ends_the_captured_cookie(app, client, reader):
    response = call(
        client, "POST", "/api/session", {"username": reader.username, "password": "correct horse"}
    )
    assert response.status_code == 200
    stolen = _cookie(client)
    assert _me(_replay(app, stolen)) == 200
    assert call(client, "DELETE", "/api/session").status_code == 204
    assert _me(client) == 401
    assert _me(_replay(app, stolen)) == 401


def test_sign_out_everywhere_ends_other_browsers(app, client, reader):
    laptop, phone = client, app.test_client()
    login(laptop, reader.username)
    login(phone, reader.username)
    page = laptop.get("/account")
    assert page.status_code == 200 and "Sign out everywhere" in page.get_data(as_text=True)
    token = csrf_token(laptop, "/account")
    response = laptop.post("/account/sign-out-everywhere", data={"csrf_token": token})
    assert response.status_code == 303
    assert _me(laptop) == 401 and _me(phone) == 401
    # signing in again works, with a new cookie
    login(phone, reader.username)
    assert _me(phone) == 200


def test_api_sign_out_everywhere(app, client, reader):
    other_browser = app.test_client()
    login(client, reader.username)
    login(other_browser, reader.username)
    assert call(client, "DELETE", "/api/sessions", csrf=False).status_code == 400  # CSRF still needed
    assert call(client, "DELETE", "/api/sessions").status_code == 204
    assert _me(client) == 401 and _me(other_browser) == 401
    assert call(app.test_client(), "DELETE", "/api/sessions").status_code == 401


def test_ban_and_suspension_end_the_readers_sessions(app, client, session):
    editor = make_user("mod", role="editor")
    for action in ("suspend", "ban"):
        victim = make_user(f"victim-{action}")
        login(client, victim.username)
        stolen = _cookie(client)
        accounts.set_reader_status(victim, action, editor, "Rude")
        db.session.commit()
        assert _me(_replay(app, stolen)) == 401, action
        assert _me(client) == 401, action


def test_role_change_ends_sessions(app, client, session):
    admin = make_user("boss", role="admin")
    editor = make_user("soon-reader", role="editor")
    login(client, editor.username)
    stolen = _cookie(client)
    assert _replay(app, stolen).get("/editor/").status_code == 200
    accounts.set_role(editor, "reader", admin, "Left the newsroom")
    db.session.commit()
    assert _replay(app, stolen).get("/editor/").status_code == 302
    assert _me(_replay(app, stolen)) == 401


def test_password_change_ends_sessions(app, client, reader):
    login(client, reader.username)
    stolen = _cookie(client)
    reader.set_password("a brand new password")
    db.session.commit()
    assert _me(_replay(app, stolen)) == 401
    login(client, reader.username, "a brand new password")
    assert _me(client) == 200


def test_end_all_sessions_is_the_public_service(app, client, reader):
    login(client, reader.username)
    before = reader.session_version
    accounts.end_all_sessions(reader)
    db.session.commit()
    assert reader.session_version == before + 1
    assert _me(client) == 401


def test_unchanged_role_or_status_keeps_the_session(app, client, reader):
    login(client, reader.username)
    reader.role = "reader"
    reader.status = "active"
    reader.display_name = "Renamed"
    db.session.commit()
    assert _me(client) == 200


def test_old_style_and_forged_session_ids_load_nobody(app, client, reader):
    for forged in (str(reader.id), f"{reader.id}.", f"{reader.id}.x", "9" * 40 + ".0", "..", ""):
        with client.session_transaction() as sess:
            sess["_user_id"] = forged
            sess["_fresh"] = True
        assert _me(client) == 401, forged


def test_widget_token_dies_with_the_sessions(app, client, reader):
    site = site_service.create_site("paper", "Paper", "https://paper.example")
    db.session.commit()
    token = widget_auth.issue_widget_token(reader, site)
    assert widget_auth.read_widget_token(token)[0].id == reader.id
    accounts.end_all_sessions(reader)
    db.session.commit()
    with pytest.raises(widget_auth.Unauthorized):
        widget_auth.read_widget_token(token)
