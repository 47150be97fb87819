"""Signing in from the widget: the popup on the forum's origin, and the publisher's signed tokens."""

from __future__ import annotations

import re
import time

import jwt
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import SiteUser, UsedSsoToken, User
from forum.services import widget_auth
from tests.factories import csrf_token, make_user
from tests.widget.conftest import api_post, counts

TOKEN_RE = re.compile(r'data-token="([^"]+)"')


def _sso(client, site_key: str, token, origin="http://localhost"):
    return api_post(client, "/widget/api/sso", {"site": site_key, "token": token}, origin=origin)


def test_publisher_token_creates_and_links_a_reader(client, site):
    before = counts()
    response = _sso(client, "news", widget_auth.sign_sso_token(site.sso_secret, "u-42", "Ada  Lovelace "))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["user"] == {"name": "Ada Lovelace"}
    user, token_site = widget_auth.read_widget_token(body["token"])
    assert token_site.id == site.id and user.display_name == "Ada Lovelace" and user.password_hash is None
    link = db.session.scalar(select(SiteUser).where(SiteUser.external_id == "u-42"))
    assert link.user_id == user.id and link.site_id == site.id
    assert counts()["User"] == before["User"] + 1
    # The same reader later, with a new token and a new name: the same account, renamed.
    again = _sso(client, "news", widget_auth.sign_sso_token(site.sso_secret, "u-42", "Ada L."))
    assert widget_auth.read_widget_token(again.get_json()["token"])[0].id == user.id
    assert user.display_name == "Ada L." and counts()["User"] == before["User"] + 1


def _claims(**overrides):
    now = int(time.time())
    claims = {"sub": "u-1", "name": "Reader", "exp": now + 300, "jti": "jti-1"}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s: jwt.encode(_claims(), "not the secret " * 4, algorithm="HS256"), "signature is not valid"),
        (lambda s: jwt.encode(_claims(exp=int(time.time()) - 120), s, algorithm="HS256"), "has expired"),
        (lambda s: jwt.encode(_claims(jti=None), s, algorithm="HS256"), "lacks the 'jti' claim"),
        (lambda s: jwt.encode(_claims(sub=None), s, algorithm="HS256"), "lacks the 'sub' claim"),
        (lambda s: jwt.encode(_claims(exp=None), s, algorithm="HS256"), "lacks the 'exp' claim"),
        (lambda s: jwt.encode(_claims(exp=int(time.time()) + 86400), s, algorithm="HS256"), "lives too long"),
        (lambda s: jwt.encode(_claims(sub=42), s, algorithm="HS256"), "malformed"),
        (lambda s: jwt.encode(_claims(name=""), s, algorithm="HS256"), "'name' claim must be"),
        (lambda s: jwt.encode(_claims(), None, algorithm="none"), "malformed"),
        (lambda s: jwt.encode(_claims(), s, algorithm="HS512"), "malformed"),
        (lambda s: "not.a.token", "malformed"),
        (lambda s: "", "missing or malformed"),
        (lambda s: 12345, "missing or malformed"),
    ],
)
def test_bad_publisher_tokens_are_refused_and_create_nothing(client, site, make, message):
    before = counts()
    response = _sso(client, "news", make(site.sso_secret))
    assert response.status_code == 401
    assert message in response.get_json()["error"]["message"]
    assert counts() == before


def test_a_token_works_once(client, site):
    token = widget_auth.sign_sso_token(site.sso_secret, "u-7", "Once", jti="unique-1")
    assert _sso(client, "news", token).status_code == 200
    before = counts()
    replay = _sso(client, "news", token)
    assert replay.status_code == 401 and "used already" in replay.get_json()["error"]["message"]
    assert counts() == before
    stored = db.session.scalar(select(UsedSsoToken).where(UsedSsoToken.jti == "unique-1"))
    assert stored.site_id == site.id


def test_used_token_ids_are_forgotten_after_they_expire(client, site):
    from datetime import UTC, datetime, timedelta

    db.session.add(
        UsedSsoToken(site_id=site.id, jti="old", expires_at=datetime.now(UTC) - timedelta(hours=1))
    )
    db.session.commit()
    assert _sso(client, "news", widget_auth.sign_sso_token(site.sso_secret, "u", "U")).status_code == 200
    assert db.session.scalar(select(UsedSsoToken).where(UsedSsoToken.jti == "old")) is None


def test_token_of_one_site_does_not_work_for_another(client, site, auto_site):
    token = widget_auth.sign_sso_token(site.sso_secret, "u-1", "Reader")
    response = _sso(client, "auto", token)
    assert response.status_code == 401 and "signature is not valid" in response.get_json()["error"]["message"]


def test_sso_needs_the_forums_origin_and_a_known_site(client, site):
    token = widget_auth.sign_sso_token(site.sso_secret, "u-1", "Reader")
    assert _sso(client, "news", token, origin="https://news.example").status_code == 403
    assert _sso(client, "news", token, origin=None).status_code == 403
    assert _sso(client, "nope", token).status_code == 404
    assert api_post(client, "/widget/api/sso", "not an object").status_code == 400


def test_banned_sso_reader_cannot_sign_in(client, site):
    _sso(client, "news", widget_auth.sign_sso_token(site.sso_secret, "u-9", "Bad"))
    user = db.session.scalar(select(SiteUser).where(SiteUser.external_id == "u-9")).user
    user.status = "banned"
    db.session.commit()
    response = _sso(client, "news", widget_auth.sign_sso_token(site.sso_secret, "u-9", "Bad"))
    assert response.status_code == 403


def test_popup_signs_in_on_the_forum_and_hands_over_a_token(client, site):
    reader = make_user("popup1")
    page = client.get("/widget/signin?site=news")
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    assert page.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"  # keeps window.opener
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    token = csrf_token(client, "/widget/signin?site=news")
    wrong = client.post(
        "/widget/signin?site=news", data={"csrf_token": token, "username": "popup1", "password": "x"}
    )
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.get_data(as_text=True)
    assert not TOKEN_RE.search(wrong.get_data(as_text=True))
    no_csrf = client.post(
        "/widget/signin?site=news", data={"username": "popup1", "password": "correct horse"}
    )
    assert no_csrf.status_code == 400
    done = client.post(
        "/widget/signin?site=news",
        data={"csrf_token": token, "username": "popup1", "password": "correct horse"},
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Signed in as popup1" in html
    user, token_site = widget_auth.read_widget_token(TOKEN_RE.search(html).group(1))
    assert user.id == reader.id and token_site.id == site.id
    # Already signed in on the forum: the popup hands a token over at once.
    again = client.get("/widget/signin?site=news")
    assert TOKEN_RE.search(again.get_data(as_text=True))


def test_popup_for_unknown_site(client, session):
    response = client.get("/widget/signin?site=nope")
    assert response.status_code == 404 and "Unknown site" in response.get_data(as_text=True)


def test_widget_tokens_expire_and_cannot_be_forged(client, site, monkeypatch):
    user = make_user("tok1")
    token = widget_auth.issue_widget_token(user, site)
    with pytest.raises(widget_auth.Unauthorized, match="not valid"):
        widget_auth.read_widget_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(widget_auth.Unauthorized, match="no widget token"):
        widget_auth.read_widget_token("")
    monkeypatch.setattr(widget_auth, "WIDGET_TOKEN_SECONDS", -1)
    with pytest.raises(widget_auth.Unauthorized, match="expired"):
        widget_auth.read_widget_token(token)


def test_user_model_untouched_by_failed_sso(client, site):
    assert db.session.scalar(select(User).where(User.username.like("sso.%"))) is None
