"""The widget's popup registers new readers, and the frame shows readers their own comments."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from forum.services import widget_auth
from tests.factories import csrf_token, make_comment, make_story, make_user
from tests.widget.conftest import api_post, frame, widget_token

TOKEN_RE = re.compile(r'data-token="([^"]+)"')


def _register(client, **fields):
    data = {"username": "popup-new", "password": "long enough pw", "confirm": "long enough pw", **fields}
    data["csrf_token"] = csrf_token(client, "/widget/register?site=news")
    return client.post("/widget/register?site=news", data=data)


def test_the_signin_popup_offers_registration_in_the_popup(client, site):
    page = client.get("/widget/signin?site=news").get_data(as_text=True)
    assert 'href="/widget/register?site=news"' in page and "then sign in here" not in page


def test_a_new_reader_registers_in_the_popup_and_gets_a_widget_token(client, site):
    form = client.get("/widget/register?site=news")
    assert form.status_code == 200 and 'name="confirm"' in form.get_data(as_text=True)
    assert form.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"
    done = _register(client, display_name="Popup Newcomer", email="new@example.org")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Signed in as Popup Newcomer" in html
    user, token_site = widget_auth.read_widget_token(TOKEN_RE.search(html).group(1))
    assert user.username == "popup-new" and user.email == "new@example.org" and token_site.id == site.id
    # Signed in on the forum too (first-party, in the popup's window).
    assert "Signed in as" in client.get("/").get_data(as_text=True)


def test_a_refused_registration_says_why_and_creates_nothing(client, site):
    make_user("popup-new")
    taken = _register(client)
    assert taken.status_code == 409 and "That username is taken." in taken.get_data(as_text=True)
    assert not TOKEN_RE.search(taken.get_data(as_text=True))
    differ = _register(client, username="other-new", confirm="something else")
    assert differ.status_code == 400 and "The two passwords differ." in differ.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "other-new")) is None
    assert client.get("/widget/register?site=nope").status_code == 404


def test_the_frame_has_a_place_for_the_readers_own_comments(client, site):
    story = make_story()
    html = frame(client, story=story.id, site="news").get_data(as_text=True)
    assert 'id="fw-mine-box"' in html and f'data-mine-url="/widget/api/stories/{story.id}/mine"' in html


def test_a_reader_sees_their_own_comments_including_held_ones(client, site):
    story = make_story(moderation_mode="all")
    reader, other = make_user("mine1"), make_user("mine2")
    make_comment(story, other, "Someone else's comment.")
    token = widget_token(reader, site)
    posted = api_post(
        client, f"/widget/api/stories/{story.id}/comments", {"body": "Held one.", "site": "news"}, token
    )
    assert posted.status_code == 201 and posted.get_json()["status"] == "pending"
    assert "Awaiting moderation" in posted.get_json()["html"]
    mine = client.get(f"/widget/api/stories/{story.id}/mine", headers={"Authorization": f"Bearer {token}"})
    [comment] = mine.get_json()["comments"]
    assert comment["status"] == "pending" and "Held one." in comment["html"]
    assert "Awaiting moderation" in comment["html"] and 'class="fw-vote ' not in comment["html"]
    # Nobody else sees it, and signed-out readers get no list.
    theirs = client.get(
        f"/widget/api/stories/{story.id}/mine",
        headers={"Authorization": f"Bearer {widget_token(other, site)}"},
    )
    assert [c["status"] for c in theirs.get_json()["comments"]] == ["published"]
    assert client.get(f"/widget/api/stories/{story.id}/mine").status_code == 401
