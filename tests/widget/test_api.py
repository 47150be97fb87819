"""The JSON API the frame calls: posting and voting through the existing services, with Origin, bearer
token or session + CSRF checks, and the forum's rate limits."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, SiteStory, Vote
from tests.factories import login, make_comment, make_story, make_user
from tests.widget.conftest import FORUM, api_post, frame, widget_token


def _comments() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_post_with_token_then_it_shows_on_the_forum(client, site):
    story = make_story()
    reader = make_user("wid1")
    token = widget_token(reader, site)
    response = api_post(
        client,
        f"/widget/api/stories/{story.id}/comments",
        {"body": "From the *widget*.", "side": "agree", "idempotency_key": "k1"},
        token,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    comment = db.session.get(Comment, body["id"])
    assert comment.author_id == reader.id and comment.side == "agree" and comment.story_id == story.id
    assert body["status"] == "published" and "From the <em>widget</em>." in body["html"]
    assert 'class="fw-comment"' in body["html"]
    assert "From the <em>widget</em>." in client.get(f"/stories/{story.slug}").get_data(as_text=True)
    # The same submission again (a retry) does not post twice.
    again = api_post(
        client, f"/widget/api/stories/{story.id}/comments", {"body": "x", "idempotency_key": "k1"}, token
    )
    assert again.get_json()["id"] == comment.id and _comments() == 1


@pytest.mark.parametrize(
    ("origin", "auth", "payload", "status", "message"),
    [
        (None, "token", {"body": "Hi"}, 403, "forum's own widget frame"),
        ("https://news.example", "token", {"body": "Hi"}, 403, "forum's own widget frame"),
        (FORUM, None, {"body": "Hi"}, 401, "Sign in to take part"),
        (FORUM, "forged", {"body": "Hi"}, 401, "not valid"),
        (FORUM, "token", {"body": "   "}, 400, "comment is empty"),
        (FORUM, "token", {"body": "Hi", "side": "maybe"}, 400, "Pick agree, disagree or unsure"),
        (FORUM, "token", {"body": 5}, 400, "comment is empty"),
        (FORUM, "token", ["not", "an", "object"], 400, "Send a JSON object"),
    ],
)
def test_bad_posts_are_refused_and_store_nothing(client, site, origin, auth, payload, status, message):
    story = make_story()
    token = {"token": widget_token(make_user("wid2"), site), "forged": "abc.def", None: None}[auth]
    response = api_post(client, f"/widget/api/stories/{story.id}/comments", payload, token, origin=origin)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
    assert _comments() == 0


def test_token_for_one_site_cannot_post_on_another_sites_story(client, site, auto_site):
    theirs = make_story()
    db.session.add(SiteStory(site_id=auto_site.id, story_id=theirs.id, url="https://auto.example/x"))
    db.session.commit()
    token = widget_token(make_user("wid3"), site)
    response = api_post(client, f"/widget/api/stories/{theirs.id}/comments", {"body": "Hi"}, token)
    assert response.status_code == 403 and "another site" in response.get_json()["error"]["message"]
    assert _comments() == 0


def test_closed_story_and_banned_reader(client, site):
    closed = make_story(status="closed")
    token = widget_token(make_user("wid4"), site)
    response = api_post(client, f"/widget/api/stories/{closed.id}/comments", {"body": "Hi"}, token)
    assert response.status_code == 403 and "closed" in response.get_json()["error"]["message"]
    banned = make_user("wid5", status="banned")
    story = make_story()
    response = api_post(
        client, f"/widget/api/stories/{story.id}/comments", {"body": "Hi"}, widget_token(banned, site)
    )
    assert response.status_code == 403 and _comments() == 0


def test_vote_with_token(client, site):
    story = make_story()
    author, voter = make_user("wid6"), make_user("wid7")
    comment = make_comment(story, author)
    token = widget_token(voter, site)
    response = api_post(client, f"/widget/api/comments/{comment.id}/vote", {"vote": "agree"}, token)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["counts"] == {"agree": 1, "disagree": 0, "pass": 0}
    changed = api_post(client, f"/widget/api/comments/{comment.id}/vote", {"vote": "disagree"}, token)
    assert changed.get_json()["counts"] == {"agree": 0, "disagree": 1, "pass": 0}
    assert db.session.scalar(select(Vote.value).where(Vote.user_id == voter.id)) == -1
    me = client.get(f"/widget/api/stories/{story.id}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json() == {"user": {"name": "wid7"}, "votes": {str(comment.id): -1}}
    own = api_post(
        client, f"/widget/api/comments/{comment.id}/vote", {"vote": "agree"}, widget_token(author, site)
    )
    assert own.status_code == 403 and "your own comment" in own.get_json()["error"]["message"]
    bad = api_post(client, f"/widget/api/comments/{comment.id}/vote", {"vote": "love"}, token)
    assert bad.status_code == 400
    assert api_post(client, "/widget/api/comments/999999/vote", {"vote": "agree"}, token).status_code == 404
    no_origin = api_post(
        client, f"/widget/api/comments/{comment.id}/vote", {"vote": "pass"}, token, origin=None
    )
    assert no_origin.status_code == 403
    assert client.get(f"/widget/api/stories/{story.id}/me").status_code == 401


def test_session_reader_needs_the_csrf_header(client, site):
    story = make_story()
    make_user("wid8")
    login(client, "wid8")
    path = f"/widget/api/stories/{story.id}/comments"
    refused = api_post(client, path, {"site": "news", "body": "Hi"})
    assert refused.status_code == 403 and "security token" in refused.get_json()["error"]["message"]
    html = frame(client, site="news", story=story.id).get_data(as_text=True)
    csrf = re.search(r'data-csrf="([^"]+)"', html).group(1)
    ok = api_post(client, path, {"site": "news", "body": "Same-site embed."}, **{"X-CSRFToken": csrf})
    assert ok.status_code == 201 and _comments() == 1
    assert api_post(client, path, {"body": "No site named."}, **{"X-CSRFToken": csrf}).status_code == 404


def test_rate_limits_apply_as_on_the_forum(app, client, site, monkeypatch):
    from forum.extensions import limiter

    limiter.reset()
    monkeypatch.setitem(app.config, "FORUM_LIMIT_POST", "2 per minute")
    story = make_story()
    token = widget_token(make_user("wid9"), site)
    path = f"/widget/api/stories/{story.id}/comments"
    codes = [api_post(client, path, {"body": f"Comment {i}"}, token).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    refused = api_post(client, path, {"body": "x"}, token)
    assert refused.status_code == 429 and "Too many requests" in refused.get_json()["error"]["message"]
    assert _comments() == 2
