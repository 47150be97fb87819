"""Holding comments, the moderation queue, bulk decisions, readers' flags and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.extensions import db
from forum.models import (
    AuditEntry,
    Comment,
    CommentEmbedding,
    CommentFlag,
    CommentModeration,
    ViewpointMember,
)
from forum.services import moderation
from tests.factories import login, make_comment, make_story, make_user, post_form


def _post(client, story, body, **extra):
    return post_form(client, f"/stories/{story.slug}/comments", {"body": body, **extra})


def _latest(story) -> Comment:
    return db.session.scalar(select(Comment).where(Comment.story_id == story.id).order_by(Comment.id.desc()))


def _audit(action: str, comment_id: int | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action)
    if comment_id is not None:
        query = query.where(AuditEntry.comment_id == comment_id)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


@pytest.mark.parametrize(
    ("mode", "body", "held", "reason"),
    [
        ("post", "Plain words, no links.", False, None),
        ("post", "See https://example.org for more.", False, None),
        ("all", "Plain words, no links.", True, "all"),
        ("links", "See https://example.org for more.", True, "links"),
        ("links", "A [link](http://example.org/x) in markdown.", True, "links"),
        ("links", "Or www.example.org bare.", True, "links"),
        ("links", "Plain words, no links.", False, None),
        ("first", "My first comment here.", True, "first"),
    ],
)
def test_moderation_modes_decide_the_initial_status(logged_in, mode, body, held, reason):
    story = make_story(moderation_mode=mode)
    assert _post(logged_in, story, body).status_code == 303
    comment = _latest(story)
    assert comment.status == ("pending" if held else "published")
    state = db.session.get(CommentModeration, comment.id)
    assert (state.hold_reason if state else None) == reason
    entries = _audit("comment.held", comment.id)
    assert len(entries) == (1 if held else 0)
    if held:
        assert entries[0].actor_id is None and entries[0].comment_text == body
    public = logged_in.application.test_client().get(f"/stories/{story.slug}").get_data(as_text=True)
    assert (f'id="c{comment.id}"' in public) is not held


def test_first_comment_mode_holds_only_readers_without_a_published_comment(logged_in, reader):
    story = make_story(moderation_mode="first")
    other = make_story()
    make_comment(other, reader, "An earlier approved comment elsewhere.")
    _post(logged_in, story, "Not my first comment on the site.")
    assert _latest(story).status == "published"
    newcomer = make_user("newcomer")
    make_comment(story, newcomer, "Still pending.", status="pending")
    client = logged_in.application.test_client()
    login(client, "newcomer")
    _post(client, story, "Second try while the first waits.")
    assert _latest(story).status == "pending"


def test_banned_words_hold_whole_words_in_any_case_on_every_story(logged_in, editor):
    story = make_story()
    moderation.add_banned_word("Badword", editor)
    moderation.add_banned_word("rude phrase", editor, story=story)
    db.session.commit()
    for body, held in [
        ("This has a BADWORD in it.", True),
        ("badword.", True),
        ("Badwords are not whole words.", False),
        ("abadword neither.", False),
        ("A RUDE   phrase? No: a rude phrase!", True),
    ]:
        _post(logged_in, story, body)
        comment = _latest(story)
        assert comment.status == ("pending" if held else "published"), body
    state = db.session.get(CommentModeration, comment.id)
    assert state.hold_reason == "banned-word" and state.hold_detail == "rude phrase"
    other = make_story()
    _post(logged_in, other, "A rude phrase on another story.")
    assert _latest(other).status == "published"


def test_editor_keeps_the_banned_words_list(as_editor):
    assert post_form(as_editor, "/editor/banned-words", {"word": "  Spam  Link "}).status_code == 303
    html = as_editor.get("/editor/banned-words").get_data(as_text=True)
    assert "spam link" in html
    response = post_form(as_editor, "/editor/banned-words", {"word": "spam link"})
    assert response.status_code == 409 and "on the list already" in response.get_data(as_text=True)
    assert post_form(as_editor, "/editor/banned-words", {"word": "  "}).status_code == 400
    assert (
        post_form(as_editor, "/editor/banned-words", {"word": "x", "story_id": "999999"}).status_code == 404
    )
    word_id = moderation.list_banned_words()[0].id
    assert post_form(as_editor, f"/editor/banned-words/{word_id}/delete").status_code == 303
    assert moderation.list_banned_words() == []
    assert post_form(as_editor, f"/editor/banned-words/{word_id}/delete").status_code == 404
    assert [e.details["word"] for e in _audit("banned_word.added")] == ["spam link"]
    assert len(_audit("banned_word.removed")) == 1


def test_queue_lists_held_comments_with_filters(as_editor, reader):
    s1, s2 = make_story(headline="First story"), make_story(headline="Second story")
    make_comment(s1, reader, "Held one about pauses.", status="pending")
    make_comment(s2, reader, "Held two about labs.", status="pending")
    make_comment(s1, reader, "Published and fine.")
    make_comment(s1, reader, "Rejected long ago.", status="rejected")
    html = as_editor.get("/editor/moderation").get_data(as_text=True)
    assert "Held one about pauses." in html and "Held two about labs." in html
    assert "Published and fine." not in html and "Rejected long ago." not in html
    html = as_editor.get(f"/editor/moderation?story_id={s2.id}").get_data(as_text=True)
    assert "Held two" in html and "Held one" not in html
    html = as_editor.get("/editor/moderation?q=PAUSES").get_data(as_text=True)
    assert "Held one" in html and "Held two" not in html
    html = as_editor.get("/editor/moderation?state=rejected").get_data(as_text=True)
    assert "Rejected long ago." in html and "Held one" not in html
    assert as_editor.get("/editor/moderation?state=nonsense").status_code == 400
    assert as_editor.get("/editor/moderation?story_id=abc").status_code == 400
    assert as_editor.get("/editor/moderation?reason=nonsense").status_code == 400


def test_bulk_approve_and_reject_with_reason_are_audited(as_editor, editor, reader):
    story = make_story()
    a = make_comment(story, reader, "Held A.", status="pending")
    b = make_comment(story, reader, "Held B.", status="pending")
    c = make_comment(story, reader, "Held C.", status="pending")
    response = post_form(as_editor, "/editor/moderation", {"ids": [a.id, b.id], "action": "approve"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (a.status, b.status, c.status) == ("published", "published", "pending")
    response = post_form(
        as_editor, "/editor/moderation", {"ids": [c.id], "action": "reject", "reason": "Personal attack"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert c.status == "rejected"
    entry = _audit("comment.rejected", c.id)[0]
    assert (entry.actor_id, entry.reason, entry.comment_text) == (editor.id, "Personal attack", "Held C.")
    assert entry.target_user_id == reader.id and entry.details["from"] == "pending"
    assert {e.comment_id for e in _audit("comment.approved")} == {a.id, b.id}
    state = db.session.get(CommentModeration, c.id)
    assert (state.decision, state.decided_by_id, state.decision_reason) == (
        "rejected",
        editor.id,
        "Personal attack",
    )
    html = as_editor.get("/editor/audit?action=comment.").get_data(as_text=True)
    assert "Personal attack" in html and "Held C." in html


def test_a_row_button_decides_one_comment(as_editor, reader):
    story = make_story()
    a = make_comment(story, reader, "Held A.", status="pending")
    b = make_comment(story, reader, "Held B.", status="pending")
    assert (
        post_form(as_editor, "/editor/moderation", {"row": f"approve:{a.id}", "ids": [b.id]}).status_code
        == 303
    )
    db.session.expire_all()
    assert (a.status, b.status) == ("published", "pending")


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"action": "reject", "preset": "other", "reason": "  "}, 400, "You chose “Other”"),
        ({"action": "reject", "preset": "rude"}, 400, "Choose a reason: Off topic"),
        ({"action": "reject", "reason": "x" * 501}, 400, "at most 500 characters"),
        ({"action": "delete", "reason": "x"}, 400, "Choose approve or reject"),
        ({"action": "approve", "extra_ids": ["999999"]}, 404, "There is no comment 999999"),
        ({"action": "approve", "extra_ids": ["abc"]}, 404, "There is no comment"),
        ({"action": "approve", "only_extra": True}, 400, "Select at least one comment"),
    ],
)
def test_bad_decisions_change_nothing(as_editor, reader, data, status, message):
    story = make_story()
    held = make_comment(story, reader, "Held.", status="pending")
    payload = {k: v for k, v in data.items() if k not in ("extra_ids", "only_extra")}
    payload["ids"] = ([] if data.get("only_extra") else [held.id]) + data.get("extra_ids", [])
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = post_form(as_editor, "/editor/moderation", payload)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html
    # Not a dead end: the queue is shown again with the message, the held comment still in it.
    assert "<h1>Moderation queue</h1>" in html and f'id="q{held.id}"' in html
    db.session.expire_all()
    assert held.status == "pending"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_forged_csrf_is_refused_and_changes_nothing(as_editor, reader):
    story = make_story()
    held = make_comment(story, reader, "Held.", status="pending")
    for token in (None, "forged-token"):
        data = {"ids": [held.id], "action": "approve"} | ({"csrf_token": token} if token else {})
        response = as_editor.post("/editor/moderation", data=data)
        assert response.status_code == 400
        assert "security token" in response.get_data(as_text=True)
    db.session.expire_all()
    assert held.status == "pending" and not _audit("comment.approved")


def test_deleted_comments_cannot_be_moderated(as_editor, reader):
    story = make_story()
    gone = make_comment(story, reader, "Deleted by its author.", status="deleted")
    response = post_form(
        as_editor, "/editor/moderation", {"ids": [gone.id], "action": "reject", "reason": "r"}
    )
    assert response.status_code == 400 and "deleted by its author" in response.get_data(as_text=True)


def test_readers_flag_comments_and_editors_see_them(logged_in, reader, as_editor):
    story = make_story()
    author = make_user("author")
    target = make_comment(story, author, "A comment someone dislikes.")
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert f'action="/comments/{target.id}/flag"' in html
    response = post_form(logged_in, f"/comments/{target.id}/flag", {"reason": "Off topic and rude"})
    assert response.status_code == 303
    flag = db.session.scalar(select(CommentFlag))
    assert (flag.user_id, flag.reason, flag.resolved_at) == (reader.id, "Off topic and rude", None)
    assert _audit("comment.flagged", target.id)[0].comment_text == "A comment someone dislikes."
    again = post_form(logged_in, f"/comments/{target.id}/flag", {"reason": "again"})
    assert again.status_code == 409
    assert post_form(logged_in, f"/comments/{target.id}/flag", {"reason": " "}).status_code == 400
    assert post_form(logged_in, "/comments/999999/flag", {"reason": "x"}).status_code == 404
    html = as_editor.get("/editor/moderation?state=flagged").get_data(as_text=True)
    assert "A comment someone dislikes." in html and "Off topic and rude" in html
    # Keeping it dismisses the flag; the comment stays public.
    assert post_form(as_editor, "/editor/moderation", {"row": f"approve:{target.id}"}).status_code == 303
    db.session.expire_all()
    assert target.status == "published" and flag.resolved_at is not None
    assert "A comment someone dislikes." not in as_editor.get("/editor/moderation?state=flagged").get_data(
        as_text=True
    )


def test_own_and_anonymous_flags_are_refused(app, logged_in, reader):
    story = make_story()
    mine = make_comment(story, reader, "Mine.")
    assert post_form(logged_in, f"/comments/{mine.id}/flag", {"reason": "x"}).status_code == 403
    response = post_form(app.test_client(), f"/comments/{mine.id}/flag", {"reason": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(CommentFlag)) == 0


def test_several_flags_hold_a_comment(app, session):
    story = make_story()
    author = make_user("author")
    target = make_comment(story, author, "Contested.")
    for n in range(moderation.FLAGS_TO_HOLD):
        moderation.flag_comment(target, make_user(f"flagger{n}"), "Abusive")
    db.session.commit()
    assert target.status == "pending"
    assert db.session.get(CommentModeration, target.id).hold_reason == "flags"


def test_approving_puts_a_held_comment_on_the_map_and_rejecting_takes_it_off(app, as_editor, reader):
    story = make_story()
    for n in range(8):
        make_comment(story, make_user(f"voice{n}"), f"Labs should pause training runs, reason number {n}.")
    from forum.services import mapping

    mapping.recompute_map(story, jobs.get_embedder())
    db.session.commit()
    held = make_comment(story, reader, "Labs should pause training runs, reason number 9.", status="pending")
    assert db.session.get(ViewpointMember, held.id) is None
    post_form(as_editor, "/editor/moderation", {"ids": [held.id], "action": "approve"})
    jobs.drain(app)
    assert db.session.get(CommentEmbedding, held.id) is not None
    assert db.session.get(ViewpointMember, held.id) is not None
    post_form(as_editor, "/editor/moderation", {"ids": [held.id], "action": "reject", "reason": "Spam"})
    jobs.drain(app)
    db.session.expire_all()
    assert db.session.get(ViewpointMember, held.id) is None


def test_comment_page_shows_history_and_snapshot_text(as_editor, reader, editor):
    story = make_story(moderation_mode="all")
    client = as_editor.application.test_client()
    login(client, reader.username)
    _post(client, story, "Original words.")
    comment = _latest(story)
    moderation.moderate([comment], "reject", editor, "Too harsh")
    comment.body = "Changed words."
    db.session.commit()
    html = as_editor.get(f"/editor/comments/{comment.id}").get_data(as_text=True)
    assert "Original words." in html and "Too harsh" in html and "Comment held for moderation" in html
    assert "comment.held" not in html
    assert as_editor.get("/editor/comments/999999").status_code == 404
