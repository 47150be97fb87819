"""Editors create, edit, open and close stories, with their question and moderation mode."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Story
from tests.factories import make_story, post_form

GOOD = {
    "headline": "Should the city ban cars from the centre?",
    "question": "Would you support a car-free centre?",
    "lede": "The council votes next week.",
    "body": "Paragraph one.\n\nParagraph two.",
    "source_url": "https://news.example/cars",
    "source_name": "News Example",
    "moderation_mode": "links",
}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Story))


def test_editor_creates_a_story_readers_can_open(as_editor, editor, client):
    assert "Moderation of new comments" in as_editor.get("/editor/stories/new").get_data(as_text=True)
    response = post_form(as_editor, "/editor/stories/new", GOOD)
    assert response.status_code == 303
    story = db.session.scalar(select(Story).where(Story.headline == GOOD["headline"]))
    assert story.slug == "should-the-city-ban-cars-from-the-centre"
    assert (story.question, story.moderation_mode, story.status) == (GOOD["question"], "links", "open")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "story.created"))
    assert entry.actor_id == editor.id and entry.story_id == story.id
    html = as_editor.application.test_client().get(f"/stories/{story.slug}").get_data(as_text=True)
    assert GOOD["question"] in html and "Paragraph two." in html
    # The same headline again gets a fresh slug.
    post_form(as_editor, "/editor/stories/new", GOOD)
    assert db.session.scalar(select(Story.slug).order_by(Story.id.desc())).endswith("-2")


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"headline": "  "}, 400, "needs a headline"),
        ({"question": ""}, 400, "Write the question"),
        ({"headline": "x" * 301}, 400, "at most 300 characters"),
        ({"moderation_mode": "sometimes"}, 400, "Choose a moderation mode"),
        ({"source_url": "javascript:alert(1)"}, 400, "http or https"),
        ({"slug": "Not A Slug!"}, 400, "lower-case letters"),
        ({"slug": "taken-slug"}, 409, "has that slug already"),
    ],
)
def test_bad_story_input_is_refused_and_nothing_stored(as_editor, change, status, message):
    make_story(slug="taken-slug")
    before = _count()
    response = post_form(as_editor, "/editor/stories/new", GOOD | change)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and 'name="headline"' in html  # the form comes back with the message
    assert _count() == before


def test_editor_edits_the_question_and_mode_and_the_change_is_audited(as_editor):
    story = make_story(question="Old question?")
    form = as_editor.get(f"/editor/stories/{story.id}/edit").get_data(as_text=True)
    assert "Old question?" in form
    data = {
        "headline": story.headline,
        "question": "New question?",
        "slug": story.slug,
        "moderation_mode": "all",
    }
    assert post_form(as_editor, f"/editor/stories/{story.id}/edit", data).status_code == 303
    db.session.expire_all()
    assert (story.question, story.moderation_mode) == ("New question?", "all")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "story.edited"))
    assert entry.details["changed"]["question"] == ["Old question?", "New question?"]
    response = post_form(as_editor, f"/editor/stories/{story.id}/edit", data | {"question": ""})
    assert response.status_code == 400
    db.session.expire_all()
    assert story.question == "New question?"
    assert as_editor.get("/editor/stories/999999/edit").status_code == 404


def test_close_and_reopen_a_story(as_editor, logged_in):
    story = make_story()
    assert post_form(as_editor, f"/editor/stories/{story.id}/status", {"status": "closed"}).status_code == 303
    db.session.expire_all()
    assert story.status == "closed"
    response = post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "Too late?"})
    assert response.status_code == 403
    again = post_form(as_editor, f"/editor/stories/{story.id}/status", {"status": "closed"})
    assert again.status_code == 409 and "closed already" in again.get_data(as_text=True)
    assert post_form(as_editor, f"/editor/stories/{story.id}/status", {"status": "maybe"}).status_code == 400
    assert post_form(as_editor, f"/editor/stories/{story.id}/status", {"status": "open"}).status_code == 303
    db.session.expire_all()
    assert story.status == "open"
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["story.closed", "story.opened"]


def test_dashboard_and_story_list_show_counts(as_editor, reader):
    from tests.factories import make_comment

    story = make_story(headline="Counted story")
    make_comment(story, reader, "Waiting.", status="pending")
    html = as_editor.get("/editor/").get_data(as_text=True)
    assert "Counted story" in html and "1</strong> held for moderation" in html
    assert "Counted story" in as_editor.get("/editor/stories").get_data(as_text=True)


def test_cli_sets_roles_and_banned_words(app, session, reader):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "set-role", reader.username, "admin"])
    assert result.exit_code == 0 and "now admin" in result.output
    db.session.expire_all()
    assert reader.role == "admin"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.changed"))
    assert entry.actor_id is None and entry.details == {"from": "reader", "to": "admin"}
    assert runner.invoke(args=["forum", "set-role", "nobody_here", "editor"]).exit_code != 0
    result = runner.invoke(args=["forum", "banned-word", "Scam", "spam link"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["forum", "banned-word", "--list"]).output
    assert "scam\tevery story" in listing and "spam link" in listing
    assert runner.invoke(args=["forum", "banned-word", "scam"]).exit_code != 0
