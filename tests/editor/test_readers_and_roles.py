"""Suspending and banning readers, and admins granting and revoking roles in the web interface."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.models import AuditEntry
from forum.services import signals
from tests.factories import login, make_comment, make_story, make_user, post_form


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_suspended_readers_cannot_post_vote_or_flag(app, as_editor, logged_in, reader, editor):
    story = make_story()
    other = make_comment(story, make_user("other"), "Someone else's comment.")
    response = post_form(
        as_editor, f"/editor/readers/{reader.id}/status", {"action": "suspend", "reason": "Cool off"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert reader.status == "suspended"
    entry = _entries("reader.suspend")[0]
    assert (entry.actor_id, entry.target_user_id, entry.reason) == (editor.id, reader.id, "Cool off")
    # A status change ends the reader's sessions; signed in again, a suspended reader cannot take part.
    assert post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "Hello"}).status_code == 302
    login(logged_in, reader.username)
    assert post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "Hello"}).status_code == 403
    assert post_form(logged_in, f"/comments/{other.id}/vote", {"vote": "agree"}).status_code == 403
    assert post_form(logged_in, f"/comments/{other.id}/flag", {"reason": "x"}).status_code == 403
    assert (
        post_form(as_editor, f"/editor/readers/{reader.id}/status", {"action": "reinstate"}).status_code
        == 303
    )
    db.session.expire_all()
    assert reader.status == "active"
    login(logged_in, reader.username)
    assert post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "Back again"}).status_code == 303


def test_ban_blocks_login_and_invalidates_their_opinions(app, as_editor, reader):
    story = make_story()
    own = make_comment(story, reader, "My opinion.")
    other = make_comment(story, make_user("other"), "Their opinion.")
    from forum.services import votes

    votes.cast_vote(other, reader, "agree")
    db.session.commit()
    jobs.get_queue(app).jobs.clear()
    seen = []

    def listener(sender, **kw):
        seen.append((getattr(sender, "id", sender), kw.get("action", "vote")))

    signals.comment_changed.connect(listener)
    signals.vote_cast.connect(listener)
    try:
        response = post_form(
            as_editor, f"/editor/readers/{reader.id}/status", {"action": "ban", "reason": "Spam"}
        )
    finally:
        signals.comment_changed.disconnect(listener)
        signals.vote_cast.disconnect(listener)
    assert response.status_code == 303
    db.session.expire_all()
    assert reader.status == "banned"
    assert (own.id, "moderated") in seen and (other.id, "vote") in seen
    assert any(name == "embed_and_place" and own.id in args[0] for name, args in jobs.get_queue(app).jobs)
    client = app.test_client()
    response = post_form(client, "/login", {"username": reader.username, "password": "correct horse"})
    assert response.status_code != 303


@pytest.mark.parametrize(
    ("target", "data", "status", "message"),
    [
        ("reader", {"action": "ban", "reason": " "}, 400, "Give a reason to ban"),
        ("reader", {"action": "explode", "reason": "x"}, 400, "Choose suspend, ban or reinstate"),
        ("reader", {"action": "reinstate"}, 409, "active already"),
        ("self", {"action": "suspend", "reason": "x"}, 403, "your own account"),
        ("staff", {"action": "ban", "reason": "x"}, 403, "Only an admin"),
    ],
)
def test_bad_status_changes_change_nothing(as_editor, editor, reader, target, data, status, message):
    user = {"reader": reader, "self": editor, "staff": make_user("editor2", role="editor")}[target]
    response = post_form(as_editor, f"/editor/readers/{user.id}/status", data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.status == "active" and not _entries("reader." + data["action"])


def test_unknown_reader_is_404(as_editor):
    assert as_editor.get("/editor/readers/999999").status_code == 404
    assert (
        post_form(as_editor, "/editor/readers/999999/status", {"action": "ban", "reason": "x"}).status_code
        == 404
    )


def test_reader_pages_list_and_filter(as_editor, reader):
    make_user("someone_banned", status="banned")
    html = as_editor.get("/editor/readers?status=banned").get_data(as_text=True)
    assert "someone_banned" in html and "reader1" not in html
    assert "reader1" in as_editor.get("/editor/readers?q=READER").get_data(as_text=True)
    assert as_editor.get("/editor/readers?status=odd").status_code == 400
    story = make_story()
    make_comment(story, reader, "Something I wrote.")
    assert "Something I wrote." in as_editor.get(f"/editor/readers/{reader.id}").get_data(as_text=True)


def test_admin_grants_and_revokes_roles(app, as_admin, admin, reader):
    html = as_admin.get("/admin/").get_data(as_text=True)
    assert "reader1" in html and f'action="/admin/users/{reader.id}/role"' in html
    response = post_form(as_admin, f"/admin/users/{reader.id}/role", {"role": "editor", "reason": "New hire"})
    assert response.status_code == 303
    db.session.expire_all()
    assert reader.role == "editor"
    client = app.test_client()
    login(client, reader.username)
    assert client.get("/editor/moderation").status_code == 200
    assert client.get("/admin/").status_code == 403
    assert post_form(as_admin, f"/admin/users/{reader.id}/role", {"role": "reader"}).status_code == 303
    db.session.expire_all()
    assert reader.role == "reader"
    assert client.get("/editor/moderation").status_code == 302  # the role change ended the session
    login(client, reader.username)
    assert client.get("/editor/moderation").status_code == 403
    changes = [(e.details["from"], e.details["to"], e.reason) for e in _entries("role.changed")]
    assert changes == [("reader", "editor", "New hire"), ("editor", "reader", "")]


@pytest.mark.parametrize(
    ("who", "role", "status", "message"),
    [
        ("self", "reader", 403, "your own role"),
        ("reader", "superuser", 400, "Choose one of"),
        ("reader", "reader", 409, "already"),
    ],
)
def test_bad_role_changes_change_nothing(as_admin, admin, reader, who, role, status, message):
    user = admin if who == "self" else reader
    before = user.role
    response = post_form(as_admin, f"/admin/users/{user.id}/role", {"role": role})
    assert response.status_code == status and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.role == before and not _entries("role.changed")


def test_editors_cannot_change_roles(as_editor, reader):
    assert post_form(as_editor, f"/admin/users/{reader.id}/role", {"role": "admin"}).status_code == 403
    db.session.expire_all()
    assert reader.role == "reader"
