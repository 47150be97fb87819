"""Stories from the API (POST /api/stories, PATCH /api/stories/<id>, editors only) and from the command line
(flask forum create-story): the same validation as the editor's form, nothing stored when refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Story
from tests.api.conftest import call, error_of
from tests.editor.test_stories_admin import GOOD
from tests.factories import make_story


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Story))


def test_editor_creates_and_changes_a_story_through_the_api(as_editor, editor):
    response = call(as_editor, "POST", "/api/stories", GOOD)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    story = db.session.get(Story, body["id"])
    assert body["slug"] == story.slug == "should-the-city-ban-cars-from-the-centre"
    assert (story.question, story.moderation_mode, story.status) == (GOOD["question"], "links", "open")
    assert (
        db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "story.created"))
        == editor.id
    )

    response = call(as_editor, "PATCH", f"/api/stories/{story.id}", {"question": "Car-free, yes or no?"})
    assert response.status_code == 200 and response.get_json()["question"] == "Car-free, yes or no?"
    db.session.refresh(story)
    # Fields not sent keep their values; null keeps them too.
    assert story.headline == GOOD["headline"] and story.moderation_mode == "links"
    assert call(as_editor, "PATCH", f"/api/stories/{story.id}", {"moderation_mode": None}).status_code == 200
    db.session.refresh(story)
    assert story.moderation_mode == "links"
    assert (
        call(as_editor, "GET", f"/api/stories/{story.slug}").get_json()["question"] == "Car-free, yes or no?"
    )


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"headline": "  "}, 422, "needs a headline"),
        ({"question": ""}, 422, "Write the question"),
        ({"headline": "x" * 301}, 422, "at most 300 characters"),
        ({"moderation_mode": "sometimes"}, 422, "Choose a moderation mode"),
        ({"source_url": "javascript:alert(1)"}, 422, "http or https"),
        ({"slug": "Not A Slug!"}, 422, "lower-case letters"),
        ({"slug": "taken-slug"}, 409, "has that slug already"),
        ({"colour": "red"}, 422, "Unknown field"),
        ({"headline": 7}, 422, "must be a string"),
    ],
)
def test_bad_story_input_through_the_api_is_refused_and_nothing_stored(as_editor, change, status, message):
    make_story(slug="taken-slug")
    before = _count()
    assert message in error_of(call(as_editor, "POST", "/api/stories", GOOD | change), status)
    assert _count() == before
    target = make_story(slug="target", headline="Unchanged")
    if "colour" not in change:
        assert message in error_of(call(as_editor, "PATCH", f"/api/stories/{target.id}", change), status)
    db.session.refresh(target)
    assert (target.headline, target.slug) == ("Unchanged", "target")


def test_readers_and_anonymous_callers_cannot_create_or_change_stories(app, as_reader):
    story = make_story(headline="Theirs")
    before = _count()
    assert "Only editors" in error_of(call(as_reader, "POST", "/api/stories", GOOD), 403)
    assert "Only editors" in error_of(
        call(as_reader, "PATCH", f"/api/stories/{story.id}", {"headline": "X"}), 403
    )
    anonymous = app.test_client()
    error_of(call(anonymous, "POST", "/api/stories", GOOD), 401)
    assert _count() == before
    db.session.refresh(story)
    assert story.headline == "Theirs"


def test_patch_of_an_unknown_story_is_404(as_editor):
    error_of(call(as_editor, "PATCH", "/api/stories/999999", {"headline": "X"}), 404)


def test_openapi_describes_the_story_writes(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/stories"] and "patch" in paths["/api/stories/{story}"]
    assert set(paths["/api/stories"]["post"]["responses"]) >= {"201", "403", "409", "422"}


def test_create_story_command(app, session, editor):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "forum",
            "create-story",
            "--headline",
            "Trams for the old town?",
            "--question",
            "Should the old town get trams?",
            "--moderation",
            "first",
            "--editor",
            editor.username,
        ]
    )
    assert result.exit_code == 0, result.output
    story = db.session.scalar(select(Story).where(Story.headline == "Trams for the old town?"))
    assert story.slug == "trams-for-the-old-town" and story.moderation_mode == "first"
    assert f"id {story.id}" in result.output and story.slug in result.output
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "story.created"))
    assert entry.actor_id == editor.id
    before = _count()
    bad = runner.invoke(args=["forum", "create-story", "--headline", "No question", "--question", " "])
    assert bad.exit_code != 0 and "Write the question" in bad.output
    clash = runner.invoke(
        args=["forum", "create-story", "--headline", "Again", "--question", "Q?", "--slug", story.slug]
    )
    assert clash.exit_code != 0 and "has that slug already" in clash.output
    assert _count() == before
