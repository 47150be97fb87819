"""Writing through the API: same rules as the pages, clear JSON errors, nothing stored on refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.extensions import db
from forum.models import Comment, CommentRevision, Vote
from tests.api.conftest import call, error_of
from tests.factories import login, make_comment, make_story, make_user

POST = "/api/stories/api-story/comments"


def _comments() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def _votes() -> int:
    return db.session.scalar(select(func.count()).select_from(Vote))


def test_post_comment(signed_in, story, reader, app):
    response = call(signed_in, "POST", POST, {"body": "  I **agree**.  ", "side": "agree"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["body"] == "I **agree**." and body["html"] == "<p>I <strong>agree</strong>.</p>"
    assert body["side"] == "agree" and body["author"]["id"] == reader.id and body["status"] == "published"
    stored = db.session.get(Comment, body["id"])
    assert stored.story_id == story.id and stored.body == "I **agree**."
    assert jobs.get_queue(app).jobs == [("embed_and_place", ([body["id"]],))]


def test_same_idempotency_key_posts_once(signed_in, story):
    first = call(signed_in, "POST", POST, {"body": "Once only", "idempotency_key": "k-1"})
    again = call(signed_in, "POST", POST, {"body": "Once only", "idempotency_key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"] and _comments() == 1


def test_reply_and_thread_fields(signed_in, story, their_comment):
    response = call(signed_in, "POST", f"/api/comments/{their_comment.id}/replies", {"body": "A reply"})
    reply = response.get_json()
    assert response.status_code == 201
    assert (reply["parent_id"], reply["root_id"], reply["depth"]) == (their_comment.id, their_comment.id, 1)
    via_parent = call(signed_in, "POST", POST, {"body": "Also a reply", "parent_id": reply["id"]}).get_json()
    assert (via_parent["parent_id"], via_parent["root_id"], via_parent["depth"]) == (
        reply["id"],
        their_comment.id,
        2,
    )


def test_reply_across_stories_refused(signed_in, story, other):
    elsewhere = make_comment(make_story(), other, "On another story")
    message = error_of(call(signed_in, "POST", POST, {"body": "x", "parent_id": elsewhere.id}), 422)
    assert "same story" in message and _comments() == 1


def test_anonymous_write_is_401(client, story, their_comment):
    assert "Sign in" in error_of(call(client, "POST", POST, {"body": "hello"}), 401)
    error_of(call(client, "PUT", f"/api/comments/{their_comment.id}/vote", {"vote": "agree"}), 401)
    error_of(call(client, "DELETE", f"/api/comments/{their_comment.id}"), 401)
    assert _comments() == 1 and _votes() == 0


def test_missing_csrf_token_is_400(signed_in, story):
    message = error_of(call(signed_in, "POST", POST, {"body": "hello"}, csrf=False), 400)
    assert "security token" in message and _comments() == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status", "words"),
    [
        ("{not json", "application/json", 400, "not valid JSON"),
        ('{"body": "x"', "application/json", 400, "not valid JSON"),
        ("body=hello", "application/x-www-form-urlencoded", 415, "Content-Type: application/json"),
        ("hello", "text/plain", 415, "Content-Type: application/json"),
        ("[1, 2]", "application/json", 422, "JSON object"),
        ("null", "application/json", 422, "JSON object"),
        ('{"body": 5}', "application/json", 422, "'body' must be a string"),
        ('{"body": true}', "application/json", 422, "'body' must be a string"),
        ('{"side": "agree"}', "application/json", 422, "'body' is required"),
        ('{"body": "x", "score": 1}', "application/json", 422, "Unknown field(s): score"),
        (
            '{"body": "x", "parent_id": "3"}',
            "application/json",
            422,
            "'parent_id' must be an integer or null",
        ),
        ('{"body": "x", "parent_id": 99999999999}', "application/json", 422, "positive id"),
        ('{"body": "x", "parent_id": 0}', "application/json", 422, "positive id"),
        ('{"body": "a\\u0000b"}', "application/json", 422, "NUL"),
        ('{"body": "\\ud800"}', "application/json", 422, "lone surrogate"),
        ('{"body": "   "}', "application/json", 422, "empty"),
        ('{"body": "x", "side": "maybe"}', "application/json", 422, "agree, disagree or unsure"),
        ('{"body": "x", "parent_id": 2147483647}', "application/json", 404, "no such comment"),
    ],
)
def test_bad_comment_bodies(signed_in, story, data, content_type, status, words):
    from tests.api.conftest import token

    response = signed_in.post(
        POST, data=data, content_type=content_type, headers={"X-CSRFToken": token(signed_in)}
    )
    assert words in error_of(response, status)
    assert _comments() == 0


def test_invalid_input_names_its_field(signed_in, story):
    error = call(signed_in, "POST", POST, {"body": "x" * 5001}).get_json()["error"]
    assert (
        error == {"status": 422, "message": error["message"], "field": "body"} and "5,000" in error["message"]
    )


def test_body_too_large_is_413(signed_in, story):
    response = call(signed_in, "POST", POST, {"body": "x" * (1024 * 1024 + 10)})
    error_of(response, 413)
    assert _comments() == 0


def test_edit_own_comment_keeps_history(signed_in, story, reader):
    mine = make_comment(story, reader, "First words", side="agree")
    response = call(signed_in, "PATCH", f"/api/comments/{mine.id}", {"body": "Better words"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["body"] == "Better words" and body["side"] == "agree" and body["edited_at"]
    revisions = db.session.scalars(select(CommentRevision).where(CommentRevision.comment_id == mine.id)).all()
    assert [r.body for r in revisions] == ["First words"]
    side_only = call(signed_in, "PATCH", f"/api/comments/{mine.id}", {"side": None}).get_json()
    assert side_only["body"] == "Better words" and side_only["side"] is None


def test_cannot_edit_or_delete_others_or_old_comments(signed_in, story, reader, their_comment):
    assert "your own" in error_of(
        call(signed_in, "PATCH", f"/api/comments/{their_comment.id}", {"body": "mine now"}), 403
    )
    error_of(call(signed_in, "DELETE", f"/api/comments/{their_comment.id}"), 403)
    old = make_comment(story, reader, "Old words", minutes_ago=60)
    assert "within 15 minutes" in error_of(
        call(signed_in, "PATCH", f"/api/comments/{old.id}", {"body": "new"}), 403
    )
    db.session.refresh(their_comment)
    db.session.refresh(old)
    assert their_comment.body == "Their opinion on it." and old.body == "Old words"
    assert their_comment.status == old.status == "published"


def test_delete_own_comment(signed_in, story, reader):
    mine = make_comment(story, reader, "Regrettable")
    response = call(signed_in, "DELETE", f"/api/comments/{mine.id}")
    assert response.status_code == 204 and response.data == b""
    db.session.refresh(mine)
    assert mine.status == "deleted"
    assert signed_in.get(f"/api/comments/{mine.id}").get_json()["body"] is None
    error_of(call(signed_in, "DELETE", f"/api/comments/{mine.id}"), 404)


def test_vote_and_change_vote(signed_in, their_comment):
    url = f"/api/comments/{their_comment.id}/vote"
    first = call(signed_in, "PUT", url, {"vote": "agree"})
    assert first.status_code == 200
    assert first.get_json() == {
        "comment": their_comment.id,
        "vote": "agree",
        "counts": {"agree": 1, "disagree": 0, "pass": 0},
    }
    second = call(signed_in, "PUT", url, {"vote": "pass"}).get_json()
    assert second["counts"] == {"agree": 0, "disagree": 0, "pass": 1} and _votes() == 1


@pytest.mark.parametrize("value", ["", "yes", "AGREE", None, 1])
def test_bad_vote_refused(signed_in, their_comment, value):
    response = call(signed_in, "PUT", f"/api/comments/{their_comment.id}/vote", {"vote": value})
    error_of(response, 422)
    assert _votes() == 0


def test_cannot_vote_on_own_or_hidden_comment(signed_in, story, reader, other):
    mine = make_comment(story, reader, "Mine")
    assert "own comment" in error_of(
        call(signed_in, "PUT", f"/api/comments/{mine.id}/vote", {"vote": "agree"}), 403
    )
    held = make_comment(story, other, "Held", status="pending")
    error_of(call(signed_in, "PUT", f"/api/comments/{held.id}/vote", {"vote": "agree"}), 404)
    assert _votes() == 0


def test_suspended_reader_and_closed_story_refused(client, story, their_comment):
    make_user("sleepy", status="suspended")
    login(client, "sleepy")
    assert "cannot post" in error_of(call(client, "POST", POST, {"body": "hi"}), 403)
    client2 = client.application.test_client()
    make_user("awake")
    login(client2, "awake")
    closed = make_story(slug="closed", status="closed")
    assert "closed" in error_of(call(client2, "POST", "/api/stories/closed/comments", {"body": "hi"}), 403)
    assert closed.id and _comments() == 1


def test_rate_limit_is_json_429(signed_in, story, app, monkeypatch):
    monkeypatch.setitem(app.config, "FORUM_LIMIT_POST", "2 per minute")
    statuses = [call(signed_in, "POST", POST, {"body": f"n{i}"}).status_code for i in range(3)]
    assert statuses[:2] == [201, 201]
    response = call(signed_in, "POST", POST, {"body": "n3"})
    assert "Too many requests" in error_of(response, 429) and _comments() == 2


def test_votes_and_edits_are_rate_limited_too(signed_in, story, their_comment, app, monkeypatch):
    monkeypatch.setitem(app.config, "FORUM_LIMIT_VOTE", "2 per minute")
    path = f"/api/comments/{their_comment.id}/vote"
    statuses = [call(signed_in, "PUT", path, {"vote": v}).status_code for v in ("agree", "disagree", "pass")]
    assert statuses == [200, 200, 429]
    db.session.expire_all()
    counts = (their_comment.disagree_count, their_comment.pass_count)
    assert counts == (1, 0), "the refused vote changed nothing"
    monkeypatch.setitem(app.config, "FORUM_LIMIT_POST", "1 per minute")
    own = call(signed_in, "POST", POST, {"body": "mine"}).get_json()["id"]
    assert call(signed_in, "PATCH", f"/api/comments/{own}", {"body": "edited"}).status_code == 200
    response = call(signed_in, "PATCH", f"/api/comments/{own}", {"body": "edited again"})
    assert "Too many requests" in error_of(response, 429)
    db.session.expire_all()
    assert db.session.get(Comment, own).body == "edited"


def test_session_sign_in_me_and_sign_out(client, reader):
    error_of(client.get("/api/me"), 401)
    assert "Wrong username" in error_of(
        call(client, "POST", "/api/session", {"username": "reader1", "password": "nope"}), 401
    )
    response = call(client, "POST", "/api/session", {"username": "reader1", "password": "correct horse"})
    assert response.status_code == 200 and response.get_json()["username"] == "reader1"
    me = client.get("/api/me").get_json()
    assert (me["id"], me["role"], me["status"]) == (reader.id, "reader", "active")
    assert call(client, "DELETE", "/api/session").status_code == 204
    error_of(client.get("/api/me"), 401)


def test_banned_reader_cannot_sign_in(client):
    make_user("banned1", status="banned")
    error_of(call(client, "POST", "/api/session", {"username": "banned1", "password": "correct horse"}), 401)


def test_edit_window_boundary_uses_created_at(signed_in, story, reader):
    fresh = make_comment(story, reader, "Fresh")
    fresh.created_at = datetime.now(UTC) - timedelta(minutes=14)
    db.session.commit()
    assert call(signed_in, "PATCH", f"/api/comments/{fresh.id}", {"body": "Still fresh"}).status_code == 200
