from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentRevision
from tests.factories import login, make_comment, make_story, make_user, post_form


def _count_comments():
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_home_lists_open_stories_only(client, session):
    make_story(headline="An open story")
    make_story(headline="A closed story", status="closed")
    html = client.get("/").get_data(as_text=True)
    assert "An open story" in html and "A closed story" not in html


def test_story_page_shows_story_and_question_without_account(client, session):
    story = make_story(headline="Big news", lede="What happened.", question="Is it good?")
    html = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    for text in ("Big news", "What happened.", "Is it good?", "https://news.example/story", "Log in</a> or"):
        assert text in html
    assert client.get("/stories/no-such-story").status_code == 404


def test_post_comment_with_side_and_formatting(logged_in, reader):
    story = make_story()
    response = post_form(
        logged_in,
        f"/stories/{story.slug}/comments",
        {"body": "I *disagree*. See [this](https://example.org/x)", "side": "disagree"},
    )
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment).where(Comment.story_id == story.id))
    assert comment.side == "disagree" and comment.author_id == reader.id
    assert "<em>disagree</em>" in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "<em>disagree</em>" in html and "Says no" in html and "Disagrees" not in html


def test_hostile_html_never_reaches_the_page(logged_in):
    story = make_story()
    body = (
        '<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) <a onclick="y">z</a>'
    )
    assert post_form(logged_in, f"/stories/{story.slug}/comments", {"body": body}).status_code == 303
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img" not in html and "javascript:" not in html
    assert "<a onclick" not in html and "onerror=alert(2)&gt;" in html


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"body": "   "}, 400, "the comment is empty"),
        ({"body": "x" * 5001}, 400, "at most 5,000 characters"),
        ({"body": "ok", "side": "maybe"}, 400, "Pick agree, disagree or unsure"),
        ({"body": "ok", "parent_id": "999999"}, 404, "There is no such comment."),
        ({"body": "ok", "parent_id": "abc"}, 404, "There is no such comment."),
    ],
)
def test_bad_comments_are_refused_and_nothing_stored(logged_in, data, status, message):
    story = make_story()
    before = _count_comments()
    response = post_form(logged_in, f"/stories/{story.slug}/comments", data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _count_comments() == before


def test_exactly_5000_characters_is_accepted(logged_in):
    story = make_story()
    assert post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "y" * 5000}).status_code == 303


def test_reply_to_comment_of_another_story_is_refused(logged_in, reader):
    story, other = make_story(), make_story()
    foreign = make_comment(other, make_user("someone"))
    before = _count_comments()
    response = post_form(
        logged_in, f"/stories/{story.slug}/comments", {"body": "hi", "parent_id": foreign.id}
    )
    assert response.status_code == 400
    assert "same story" in response.get_data(as_text=True)
    assert _count_comments() == before


def test_closed_story_refuses_comments(logged_in):
    story = make_story(status="closed")
    response = post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "late"})
    assert response.status_code == 403 and "closed" in response.get_data(as_text=True)
    assert _count_comments() == 0


def test_unknown_story_refuses_comments(logged_in):
    assert post_form(logged_in, "/stories/nope/comments", {"body": "hello"}).status_code == 404


def test_posting_needs_login(client, session):
    story = make_story()
    response = post_form(client, f"/stories/{story.slug}/comments", {"body": "anon"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _count_comments() == 0


def test_missing_or_forged_csrf_token_is_refused(logged_in):
    story = make_story()
    missing = logged_in.post(f"/stories/{story.slug}/comments", data={"body": "no token"})
    forged = logged_in.post(
        f"/stories/{story.slug}/comments", data={"body": "bad", "csrf_token": "forged.token"}
    )
    assert missing.status_code == forged.status_code == 400
    assert "security token" in forged.get_data(as_text=True)
    assert _count_comments() == 0


def test_threaded_replies_two_levels(logged_in, reader):
    story = make_story()
    other = make_user("other")
    top = make_comment(story, other, "Top level")
    post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "First reply", "parent_id": top.id})
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == top.id))
    post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "Reply to reply", "parent_id": reply.id})
    deeper = db.session.scalar(select(Comment).where(Comment.parent_id == reply.id))
    assert (reply.depth, deeper.depth, deeper.root_id) == (1, 2, top.id)
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert html.index("Top level") < html.index("First reply") < html.index("Reply to reply")
    assert 'class="comment level-2"' in html


def test_double_submitted_form_creates_one_comment(logged_in):
    story = make_story()
    data = {"body": "Only once please", "idempotency_key": "k-123"}
    post_form(logged_in, f"/stories/{story.slug}/comments", data)
    post_form(logged_in, f"/stories/{story.slug}/comments", data)
    assert _count_comments() == 1


def test_edit_keeps_history_and_respects_window(logged_in, reader):
    story = make_story()
    comment = make_comment(story, reader, "Original text")
    response = post_form(logged_in, f"/comments/{comment.id}/edit", {"body": "Better text", "side": "agree"})
    assert response.status_code == 303
    db.session.refresh(comment)
    assert comment.body == "Better text" and comment.side == "agree" and comment.edited_at is not None
    assert [r.body for r in comment.revisions] == ["Original text"]
    old = make_comment(story, reader, "Too old", minutes_ago=16)
    late = post_form(logged_in, f"/comments/{old.id}/edit", {"body": "changed"})
    assert late.status_code == 403 and "within 15 minutes" in late.get_data(as_text=True)
    db.session.refresh(old)
    assert old.body == "Too old"


def test_cannot_edit_or_delete_someone_elses_comment(logged_in):
    story = make_story()
    theirs = make_comment(story, make_user("owner"), "Theirs")
    assert post_form(logged_in, f"/comments/{theirs.id}/edit", {"body": "mine now"}).status_code == 403
    assert post_form(logged_in, f"/comments/{theirs.id}/delete").status_code == 403
    db.session.refresh(theirs)
    assert theirs.body == "Theirs" and theirs.status == "published"


def test_edit_with_empty_body_changes_nothing(logged_in, reader):
    comment = make_comment(make_story(), reader, "Keep me")
    assert post_form(logged_in, f"/comments/{comment.id}/edit", {"body": ""}).status_code == 400
    db.session.refresh(comment)
    assert comment.body == "Keep me" and comment.revisions == []


def test_delete_own_comment_keeps_thread_and_history(logged_in, reader):
    story = make_story()
    mine = make_comment(story, reader, "Regrettable")
    make_comment(story, make_user("replier"), "A reply", parent=mine)
    assert post_form(logged_in, f"/comments/{mine.id}/delete").status_code == 303
    db.session.refresh(mine)
    assert mine.status == "deleted"
    assert (
        db.session.scalar(select(CommentRevision.body).where(CommentRevision.comment_id == mine.id))
        == "Regrettable"
    )
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Regrettable" not in html and "deleted by its author" in html and "A reply" in html


def test_sorting_and_paging(client, session, app):
    story = make_story()
    author = make_user("author")
    now = datetime.now(UTC)
    specs = {"calm": (5, 0), "split": (4, 4), "hated": (0, 6), "fresh": (1, 1)}
    for i, (body, (agree, disagree)) in enumerate(specs.items()):
        c = make_comment(story, author, body, agree_count=agree, disagree_count=disagree)
        c.created_at = now - timedelta(minutes=10 - i)
    db.session.flush()

    def order(sort):
        html = client.get(f"/stories/{story.slug}?sort={sort}").get_data(as_text=True)
        return sorted(specs, key=lambda body: html.index(f"<p>{body}</p>"))

    assert order("newest") == ["fresh", "hated", "split", "calm"]
    assert order("oldest") == ["calm", "split", "hated", "fresh"]
    assert order("agreed")[0] == "calm"
    assert order("divisive")[0] == "split"
    assert client.get(f"/stories/{story.slug}?sort=random").status_code == 400
    app.config["FORUM_COMMENTS_PER_PAGE"] = 3
    try:
        page2 = client.get(f"/stories/{story.slug}?sort=oldest&page=2").get_data(as_text=True)
        assert "<p>fresh</p>" in page2 and "<p>calm</p>" not in page2 and "Page 2 of 2" in page2
        # The pager's words follow the sort: oldest first runs earlier -> later, never "Newer".
        assert "← Earlier comments" in page2 and "Newer" not in page2
        page1 = client.get(f"/stories/{story.slug}?sort=oldest").get_data(as_text=True)
        assert "Later comments →" in page1 and "Older" not in page1
        newest = client.get(f"/stories/{story.slug}?sort=newest").get_data(as_text=True)
        assert "Older comments →" in newest
        agreed = client.get(f"/stories/{story.slug}?sort=agreed&page=2").get_data(as_text=True)
        assert "← Previous page" in agreed and "Newer" not in agreed
        assert client.get(f"/stories/{story.slug}?page=9").status_code == 404
        assert client.get(f"/stories/{story.slug}?page=x").status_code == 400
    finally:
        app.config["FORUM_COMMENTS_PER_PAGE"] = 20


def test_suspended_reader_cannot_post(client, session):
    make_user("quiet", status="suspended")
    login(client, "quiet")
    story = make_story()
    assert post_form(client, f"/stories/{story.slug}/comments", {"body": "hi"}).status_code == 403
    assert _count_comments() == 0


def test_author_sees_own_held_comment_others_do_not(client, session):
    from tests.factories import make_comment

    story = make_story()
    author = make_user("heldauthor")
    held = make_comment(story, author, "Waiting for an editor", status="pending")
    anon_html = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Waiting for an editor" not in anon_html
    login(client, "heldauthor")
    html = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Waiting for an editor" in html and "Awaiting moderation" in html
    assert held.status == "pending"


def test_odd_story_and_comment_refs_are_404(client, session):
    for ref in ("²", "99999999999999999999", "0", "-1"):
        assert client.get(f"/stories/{ref}").status_code == 404
    assert client.get("/comments/99999999999999999999").status_code == 404


def test_with_the_job_queue_down_a_post_is_stored_and_the_map_said_to_wait(app, logged_in, monkeypatch):
    from forum import jobs
    from forum.web.readers.views import MAP_DELAYED

    story = make_story()

    def down(*args):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(jobs.get_queue(app), "enqueue", down)
    url = f"/stories/{story.slug}/comments"
    assert post_form(logged_in, url, {"body": "Posted while Redis is down."}).status_code == 303
    assert db.session.scalar(select(Comment.body).where(Comment.story_id == story.id)) == (
        "Posted while Redis is down."
    )
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Your comment is posted." in html and MAP_DELAYED in html
    monkeypatch.undo()  # the queue answers again: no such note
    post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "Posted with the queue back."})
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Your comment is posted." in html and MAP_DELAYED not in html


def test_edit_page_shows_the_time_left(logged_in, reader):
    story = make_story()
    fresh = make_comment(story, reader, "Just posted")
    html = logged_in.get(f"/comments/{fresh.id}/edit").get_data(as_text=True)
    assert "You can change this comment for 15 more minutes" in html
    older = make_comment(story, reader, "Posted a while ago", minutes_ago=13)
    html = logged_in.get(f"/comments/{older.id}/edit").get_data(as_text=True)
    assert "for 2 more minutes (until" in html


def _reject(editor_client, comment, **data):
    payload = {"row": f"reject:{comment.id}", **data}
    return post_form(editor_client, "/editor/moderation", payload)


def test_rejected_reader_sees_why_edits_and_resubmits(app, logged_in, reader):
    from forum.models import CommentModeration

    make_user("mod", role="editor")
    editor = app.test_client()
    login(editor, "mod")
    story = make_story()
    comment = make_comment(story, reader, "Buy cheap watches here", minutes_ago=60)
    # An empty reason box is no dead end: the default preset reason is used.
    assert _reject(editor, comment).status_code == 303
    db.session.expire_all()
    assert comment.status == "rejected"
    assert db.session.get(CommentModeration, comment.id).decision_reason == "Off topic"
    comment.status = "pending"  # held again: this time the editor picks a preset and adds words
    db.session.commit()
    assert _reject(editor, comment, preset="spam", reason="watch adverts").status_code == 303
    db.session.expire_all()
    reason = db.session.get(CommentModeration, comment.id).decision_reason
    assert reason == "Spam or advertising: watch adverts"

    # The author sees the reason on their own comment; other readers and anonymous readers do not see it.
    html = logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Buy cheap watches here" in html and "Spam or advertising: watch adverts" in html
    assert "Edit it and resubmit it for moderation" in html
    anonymous = app.test_client().get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Buy cheap watches here" not in anonymous

    # Editing it (long after the 15 minutes) sends it back to the queue, held, not published.
    page = logged_in.get(f"/comments/{comment.id}/edit").get_data(as_text=True)
    assert "Save and resubmit" in page and "Spam or advertising" in page
    response = post_form(logged_in, f"/comments/{comment.id}/edit", {"body": "Watches aside, I think no."})
    assert response.status_code == 303
    db.session.expire_all()
    assert comment.status == "pending" and comment.body == "Watches aside, I think no."
    assert db.session.get(CommentModeration, comment.id).hold_reason == "resubmitted"
    queue = editor.get("/editor/moderation").get_data(as_text=True)
    assert "Watches aside, I think no." in queue and "Edited by its author after a rejection" in queue

    # On a closed story there is no resubmitting.
    comment.status = "rejected"
    story.status = "closed"
    db.session.commit()
    assert "Edit it and resubmit" not in logged_in.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert post_form(logged_in, f"/comments/{comment.id}/edit", {"body": "again"}).status_code == 403


def test_sides_never_read_like_the_vote_buttons():
    """One vocabulary for a reader's side (Says yes / Says no / Unsure) in every template: the words of the
    Agree / Disagree vote buttons are not used for sides anywhere."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        f"{path.relative_to(templates)}: {word}"
        for path in templates.rglob("*.html")
        for word in ("Agrees", "Disagrees", "Argues yes", "Argues no", "argues yes", "argues no")
        if word in path.read_text()
    ]
    assert not offenders
