"""A map that changed under the editor's page: the edit is reapplied while what it names still exists, and
refused, saying what changed, only when it does not. Auto-publish off with nothing published."""

from __future__ import annotations

from sqlalchemy import select

from forum.analysis.embedders import HashingEmbedder
from forum.extensions import db
from forum.models import PublishedMap, ViewpointMember
from forum.services import mapping
from tests.factories import active_viewpoints, post_form


def _post(client, story, action, seen, **data):
    return post_form(client, f"/editor/stories/{story.slug}/map/{action}", {"map_version": seen, **data})


def _recompute(story):
    mapping.recompute_map(story, HashingEmbedder(), trigger="test")
    db.session.commit()
    db.session.refresh(story)


def test_edits_on_a_page_older_than_a_recomputation_are_reapplied(editor, mapped):
    story, _ = mapped
    seen = story.map_version
    a, b, *_ = active_viewpoints(story)
    _recompute(story)  # a background job finished after the editor's page loaded
    assert story.map_version == seen + 1 and a.active and b.active
    response = _post(editor, story, "rename", seen, viewpoint_id=a.id, headline="Binding rules for labs")
    assert response.status_code == 303
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Headline saved." in page and "your change was applied to the current map" in page
    assert "the map was recomputed at" in page
    db.session.refresh(a)
    assert a.editor_headline == "Binding rules for labs"
    # Several edits from the same old page all go through while their viewpoints are there.
    assert _post(editor, story, "summary", seen, viewpoint_id=a.id, summary="Why.").status_code == 303
    assert _post(editor, story, "hide", seen, viewpoint_id=b.id, enabled="1").status_code == 303
    assert _post(editor, story, "merge", seen, viewpoint_id=b.id, target_id=a.id).status_code == 303
    db.session.refresh(b)
    assert not b.active and b.hidden


def test_an_edit_naming_a_viewpoint_that_is_gone_is_refused_saying_what_changed(editor, mapped):
    story, _ = mapped
    seen = story.map_version
    a, b, *_ = active_viewpoints(story)
    # Another editor merged b into a after this editor's page loaded.
    assert _post(editor, story, "merge", seen, viewpoint_id=b.id, target_id=a.id).status_code == 303
    db.session.refresh(story)
    response = _post(editor, story, "rename", seen, viewpoint_id=b.id, headline="Gone already")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "is no longer on the map" in html and "viewpoints merged by" in html
    assert "Back to the map review" in html
    db.session.refresh(b)
    assert b.editor_headline is None
    # Moving a comment into the vanished viewpoint is refused the same way.
    member = db.session.scalar(select(ViewpointMember.comment_id).where(ViewpointMember.viewpoint_id == a.id))
    response = _post(editor, story, "move", seen, comment_id=member, target_id=b.id)
    assert response.status_code == 409 and "is no longer on the map" in response.get_data(as_text=True)
    assert db.session.get(ViewpointMember, member).viewpoint_id == a.id


def test_a_recomputation_that_dropped_the_viewpoint_is_named(editor, mapped):
    story, _ = mapped
    seen = story.map_version
    gone = active_viewpoints(story)[0]
    _recompute(story)
    gone.active = False  # as if the recomputation had found no such argument any more
    db.session.commit()
    response = _post(editor, story, "hide", seen, viewpoint_id=gone.id, enabled="1")
    assert response.status_code == 409
    assert "the map was recomputed at" in response.get_data(as_text=True)


def test_publishing_a_map_that_changed_is_refused_saying_what_changed(editor, mapped):
    story, _ = mapped
    seen = story.map_version
    _recompute(story)
    response = _post(editor, story, "publish", seen)
    assert response.status_code == 409
    assert "Not published" in response.get_data(as_text=True)
    assert "recomputed" in response.get_data(as_text=True)
    assert db.session.scalar(select(PublishedMap).where(PublishedMap.story_id == story.id)) is None
    assert _post(editor, story, "publish", story.map_version).status_code == 303


def test_auto_publish_off_with_nothing_published_publishes_first(editor, client, mapped):
    story, _ = mapped
    story.map_auto_publish = True
    db.session.commit()
    title = active_viewpoints(story)[0].title
    reader_url = f"/stories/{story.slug}/map"
    assert title in client.get(reader_url).get_data(as_text=True)
    response = _post(editor, story, "auto-publish", story.map_version, enabled="0")
    assert response.status_code == 303
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing had been published yet, so the current map was published first" in page
    db.session.refresh(story)
    assert not story.map_auto_publish
    assert db.session.scalar(select(PublishedMap).where(PublishedMap.story_id == story.id)) is not None
    html = client.get(reader_url).get_data(as_text=True)
    assert title in html and "have not published" not in html
    # With a publication already there, switching off again says readers see the last published map.
    _post(editor, story, "auto-publish", story.map_version, enabled="1")
    db.session.refresh(story)
    response = _post(editor, story, "auto-publish", story.map_version, enabled="0")
    assert "readers now see the last published map" in editor.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert len(db.session.scalars(select(PublishedMap).where(PublishedMap.story_id == story.id)).all()) == 1
