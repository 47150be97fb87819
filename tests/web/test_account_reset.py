"""Password reset by email, against a real SMTP server (aiosmtpd) the tests start on a loopback port."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from forum.extensions import db
from forum.models import User
from forum.services import reader_accounts
from tests.factories import csrf_token, login, make_user, post_form
from tests.mailbox import smtp_server, text_of

LINK_RE = re.compile(r"http://[^\s]+/password/reset/[A-Za-z0-9._-]+")


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as running:
        yield running


@pytest.fixture
def inbox(app, smtp, monkeypatch):
    port, box = smtp
    box.messages.clear()
    monkeypatch.setitem(app.config, "FORUM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "FORUM_SMTP_PORT", port)
    monkeypatch.setitem(app.config, "FORUM_SMTP_FROM", "noreply@forum.example")
    monkeypatch.setitem(app.config, "FORUM_SITE_NAME", "The Daily Debate")
    return box


def _ask(client, address: str):
    return post_form(client, "/password/forgot", {"email": address})


def _link_from(message) -> str:
    match = LINK_RE.search(text_of(message))
    assert match, message
    return match.group(0)


def _reset(client, link: str, password: str, confirm: str | None = None):
    path = link.split("localhost", 1)[1]
    data = {"csrf_token": csrf_token(client, path), "password": password, "confirm": confirm or password}
    return client.post(path, data=data)


def test_a_reader_resets_a_forgotten_password_by_email(client, inbox):
    make_user("forgetful", email="forgetful@example.org")
    response = _ask(client, "  Forgetful@Example.org ")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    (sender, rcpts, message), *_ = inbox.wait()
    assert rcpts == ["forgetful@example.org"] and sender == "noreply@forum.example"
    assert message["Subject"] == "Reset your password on The Daily Debate"
    assert "The Daily Debate" in message["From"]

    link = _link_from(message)
    assert _reset(client, link, "a brand new password").status_code == 303
    login(client, "forgetful", "a brand new password")
    assert post_form(client, "/logout").status_code == 303
    old = post_form(client, "/login", {"username": "forgetful", "password": "correct horse"})
    assert old.status_code == 401

    # One use: the same link again is refused, and changes nothing.
    again = client.get(link.split("localhost", 1)[1])
    assert again.status_code == 403 and "used already" in again.get_data(as_text=True)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, inbox):
    make_user("known", email="known@example.org")
    answers = []
    for address in ("known@example.org", "nobody@example.org"):
        response = _ask(client, address)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, re.findall(r'class="flash info" role="status">([^<]+)<', page)))
    assert answers[0] == answers[1] and answers[0][0] == 303 and len(answers[0][1]) == 1, answers
    messages = inbox.wait(count=2, timeout=1.5)
    assert [m[1] for m in messages] == [["known@example.org"]]  # no message for the unknown address


def test_a_password_change_ends_every_session_of_the_account(app, client, inbox):
    make_user("twice", email="twice@example.org")
    elsewhere = app.test_client()
    login(elsewhere, "twice")
    assert "Signed in as" in elsewhere.get("/").get_data(as_text=True)
    _ask(client, "twice@example.org")
    (_, _, message), *_ = inbox.wait()
    assert _reset(client, _link_from(message), "another long password").status_code == 303
    assert "Signed in as" not in elsewhere.get("/").get_data(as_text=True)


def test_forged_expired_and_mismatched_passwords_are_refused(app, client, inbox, monkeypatch):
    user = make_user("careful", email="careful@example.org")
    forged = URLSafeTimedSerializer("not the key", salt=reader_accounts.RESET_SALT).dumps(
        {"u": user.id, "f": "x"}
    )
    page = client.get(f"/password/reset/{forged}")
    assert page.status_code == 403 and "not valid" in page.get_data(as_text=True)

    token = reader_accounts.make_reset_token(user)
    mismatch = _reset(
        client, f"http://localhost/password/reset/{token}", "long enough one", "long enough two"
    )
    assert mismatch.status_code == 400 and "The two passwords differ." in mismatch.get_data(as_text=True)
    short = _reset(client, f"http://localhost/password/reset/{token}", "short")
    assert short.status_code == 400
    assert db.session.get(User, user.id).check_password("correct horse")  # nothing changed

    with monkeypatch.context() as m:  # a link made three hours ago (they last two)
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3 * 3600)
        old = reader_accounts.make_reset_token(user)
    expired = client.get(f"/password/reset/{old}")
    assert expired.status_code == 403 and "expired" in expired.get_data(as_text=True)


def test_without_smtp_the_page_says_no_mail_is_sent(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "FORUM_SMTP_HOST", None)
    page = client.get("/password/forgot")
    assert page.status_code == 200 and "sends no email" in page.get_data(as_text=True)
    assert 'name="email"' not in page.get_data(as_text=True)
    assert _ask(client, "someone@example.org").status_code == 503


def test_the_login_page_links_to_the_reset(client, session):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
