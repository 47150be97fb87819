"""A reader's own account: an optional email at registration, a copy of their data, deleting the account as
each story's policy says; the site's name and icon."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Comment, CommentRevision, User, Vote
from forum.services import audit, reader_accounts
from forum.services import comments as comment_service
from forum.services import votes as vote_service
from tests.factories import login, make_story, make_user, post_form


def _register(client, username, email=""):
    data = {"username": username, "password": "s3cret-pass", "confirm": "s3cret-pass", "email": email}
    return post_form(client, "/register", data)


def test_email_is_optional_at_registration_and_unique_when_given(client, session):
    assert _register(client, "noemail").status_code == 303
    assert db.session.scalar(select(User.email).where(User.username == "noemail")) is None
    client.post("/logout")
    fresh = client.application.test_client()
    assert _register(fresh, "withemail", " Me@Example.ORG ").status_code == 303
    assert db.session.scalar(select(User.email).where(User.username == "withemail")) == "me@example.org"

    other = client.application.test_client()
    clash = _register(other, "copycat", "me@example.org")
    assert clash.status_code == 409 and "Another account uses that email address." in clash.get_data(
        as_text=True
    )
    bad = _register(other, "typo", "not-an-address")
    assert bad.status_code == 400 and "does not look like an email address" in bad.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count()).select_from(User).where(User.username.in_(["copycat", "typo"]))
        )
        == 0
    )


def test_a_reader_adds_changes_and_removes_their_email(logged_in, reader):
    assert post_form(logged_in, "/account/email", {"email": "r1@example.org"}).status_code == 303
    assert db.session.get(User, reader.id).email == "r1@example.org"
    assert "r1@example.org" in logged_in.get("/account").get_data(as_text=True)
    assert post_form(logged_in, "/account/email", {"email": ""}).status_code == 303
    assert db.session.get(User, reader.id).email is None


def _activity(reader):
    story = make_story(slug="kept", question="Keep it?")
    other_author = make_user("other")
    mine = comment_service.post_comment(story, reader, "My first view, later edited.", side="agree")
    db.session.commit()
    comment_service.edit_comment(mine, reader, "My view, edited.", side="disagree")
    theirs = comment_service.post_comment(story, other_author, "Someone else's view.")
    reply = comment_service.post_comment(story, other_author, "A reply to the reader.", parent_id=mine.id)
    db.session.commit()
    vote_service.cast_vote(theirs, reader, "agree")
    db.session.commit()
    return story, mine, theirs, reply


def test_a_reader_downloads_their_data_as_json(logged_in, reader):
    reader_accounts.set_email(reader, "r1@example.org")
    db.session.commit()
    story, mine, theirs, _ = _activity(reader)
    response = logged_in.get("/account/data")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["username"] == reader.username and data["profile"]["email"] == "r1@example.org"
    [comment] = data["comments"]
    assert comment["id"] == mine.id and comment["body"] == "My view, edited." and comment["story"] == "kept"
    assert [v["body"] for v in comment["versions"]] == ["My first view, later edited."]
    assert data["votes"] == [{**data["votes"][0], "comment_id": theirs.id, "story": "kept", "vote": "agree"}]
    assert data["sides"] == {"kept": "disagree"}


def test_the_data_and_delete_pages_need_a_signed_in_reader(client, session):
    assert client.get("/account/data").status_code == 302
    assert client.get("/account/delete").status_code == 302


def test_deleting_an_account_anonymises_comments_by_default_and_removes_votes(logged_in, reader):
    story, mine, theirs, reply = _activity(reader)
    page = logged_in.get("/account/delete").get_data(as_text=True)
    assert "shown as by “deleted reader”" in page

    wrong = post_form(logged_in, "/account/delete", {"password": "not it"})
    assert wrong.status_code == 403 and "not your password" in wrong.get_data(as_text=True)
    assert db.session.get(User, reader.id) is not None

    assert post_form(logged_in, "/account/delete", {"password": "correct horse"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, reader.id) is None
    kept = db.session.get(Comment, mine.id)
    assert kept.body == "My view, edited." and kept.status == "published"
    assert (
        kept.author.display_name == "deleted reader"
        and kept.author.username == reader_accounts.DELETED_USERNAME
    )
    assert db.session.get(Comment, reply.id).parent_id == mine.id  # the thread stays whole
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.comment_id == theirs.id)) == 0
    assert db.session.get(Comment, theirs.id).agree_count == 0
    assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "account.deleted")) == {
        "anonymised": 1,
        "removed": 0,
        "votes": 1,
    }
    story_page = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "deleted reader" in story_page and "Signed in as" not in story_page
    # The account is gone: its name and password no longer log in, and the placeholder cannot either.
    assert (
        post_form(logged_in, "/login", {"username": reader.username, "password": "correct horse"}).status_code
        == 401
    )
    placeholder = reader_accounts.DELETED_USERNAME
    assert post_form(logged_in, "/login", {"username": placeholder, "password": ""}).status_code in (400, 401)


def test_a_story_whose_policy_is_remove_loses_the_text_and_its_versions(logged_in, reader):
    story, mine, _, reply = _activity(reader)
    story.deleted_comments = "remove"
    db.session.commit()
    assert "will be removed" in logged_in.get("/account/delete").get_data(as_text=True)
    audit.record("comment.held", None, comment=mine)  # the audit log keeps a copy of the text
    db.session.commit()
    assert post_form(logged_in, "/account/delete", {"password": "correct horse"}).status_code == 303
    db.session.expire_all()
    gone = db.session.get(Comment, mine.id)
    assert gone.status == "deleted" and gone.body == "" and gone.body_html == "" and gone.side is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(CommentRevision).where(CommentRevision.comment_id == mine.id)
        )
        == 0
    )
    assert db.session.get(Comment, reply.id).parent_id == mine.id
    copies = db.session.scalars(select(AuditEntry.comment_text).where(AuditEntry.comment_id == mine.id)).all()
    assert copies and all(text is None for text in copies)
    assert "My view, edited." not in logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)


def test_two_deleted_readers_share_the_placeholder(client, session):
    story = make_story()
    for name in ("gone1", "gone2"):
        user = make_user(name)
        comment_service.post_comment(story, user, f"Comment by {name}.", idempotency_key="same-key")
        db.session.commit()
        reader_accounts.delete_account(user, "correct horse")
        db.session.commit()
    authors = db.session.scalars(select(Comment.author_id).where(Comment.story_id == story.id)).all()
    assert len(authors) == 2 and len(set(authors)) == 1


def test_staff_cannot_delete_themselves(client, session):
    make_user("editor1", role="editor")
    login(client, "editor1")
    response = post_form(client, "/account/delete", {"password": "correct horse"})
    assert response.status_code == 403 and "ask an admin" in response.get_data(as_text=True)


def test_the_site_name_and_icon(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "FORUM_SITE_NAME", "The Daily Debate")
    page = client.get("/login").get_data(as_text=True)
    assert "<title>Log in · The Daily Debate</title>" in page
    assert '<a class="brand" href="/">The Daily Debate</a>' in page
    assert 'rel="icon" href="/static/favicon.svg"' in page
    story = make_story()
    oembed = client.get("/oembed", query_string={"url": f"http://localhost/stories/{story.slug}"})
    assert oembed.get_json()["provider_name"] == "The Daily Debate"
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_editors_choose_a_storys_policy_and_the_story_list_shows_ids(client, session):
    story = make_story(headline="Policy story")
    make_user("editor2", role="editor")
    login(client, "editor2")
    form = client.get(f"/editor/stories/{story.id}/edit").get_data(as_text=True)
    assert 'name="deleted_comments" value="anonymise" checked' in form
    fields = {"headline": story.headline, "question": story.question, "moderation_mode": "post"}
    bad = post_form(client, f"/editor/stories/{story.id}/edit", {**fields, "deleted_comments": "shred"})
    assert bad.status_code == 400 and "anonymise or remove" in bad.get_data(as_text=True)
    saved = post_form(client, f"/editor/stories/{story.id}/edit", {**fields, "deleted_comments": "remove"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(story), story.id).deleted_comments == "remove"
    listing = client.get("/editor/stories").get_data(as_text=True)
    assert f"id {story.id} · /stories/{story.slug}" in listing
