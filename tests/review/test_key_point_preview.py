"""An editor's key point shows the comments it would gather before it is added."""

from __future__ import annotations

from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.models import KeyPointPreview, Viewpoint
from tests.factories import login, make_user, post_form


def _overview(client, story):
    return client.get(f"/editor/stories/{story.slug}/map").get_data(as_text=True)


def test_preview_lists_the_comments_a_key_point_would_gather_and_adds_nothing(app, client, debate):
    story, posted = debate
    jobs.drain(app)
    make_user("kp_editor", role="editor")
    login(client, "kp_editor")
    before = db.session.scalar(select(db.func.count()).select_from(Viewpoint).where(Viewpoint.active))
    html = _overview(client, story)
    assert "Preview the comments it gathers" in html
    response = post_form(
        client, f"/editor/stories/{story.slug}/map/key-point/preview",
        {"statement": "Regulators must make safety pledges legally binding for every lab.",
         "map_version": story.map_version},
    )  # fmt: skip
    assert response.status_code == 303
    assert "being computed" in _overview(client, story)
    jobs.drain(app)
    html = _overview(client, story)
    preview = db.session.scalars(select(KeyPointPreview)).one()
    assert preview.status == "done" and preview.matches
    matched = {cid for cid, _ in preview.matches}
    regulate = {c.id for c in posted["regulate"]}
    assert len(matched & regulate) >= len(regulate) - 1, "the comments that say so are gathered"
    assert len(matched - regulate) <= 2, "and few that do not"
    assert f"{len(matched)} comment" in html and "would gather under" in html
    after = db.session.scalar(select(db.func.count()).select_from(Viewpoint).where(Viewpoint.active))
    assert after == before, "a preview adds no viewpoint"


def test_preview_that_gathers_nothing_says_so(app, client, debate):
    story, _ = debate
    jobs.drain(app)
    make_user("kp_editor2", role="editor")
    login(client, "kp_editor2")
    post_form(
        client, f"/editor/stories/{story.slug}/map/key-point/preview",
        {"statement": "Quarterly zebra migrations confuse lighthouse keepers.",
         "map_version": story.map_version},
    )  # fmt: skip
    jobs.drain(app)
    assert "No comment" in _overview(client, story)


def test_preview_is_for_editors_and_needs_a_statement(app, client, debate):
    story, _ = debate
    make_user("kp_reader")
    login(client, "kp_reader")
    assert client.post(f"/editor/stories/{story.slug}/map/key-point/preview", data={}).status_code in (
        400,
        403,
    )
    make_user("kp_editor3", role="editor")
    login(client, "kp_editor3")
    response = post_form(
        client, f"/editor/stories/{story.slug}/map/key-point/preview",
        {"statement": "  ", "map_version": story.map_version},
    )  # fmt: skip
    assert response.status_code == 400 and "one sentence" in response.get_data(as_text=True)
    assert db.session.scalars(select(KeyPointPreview)).all() == []


def test_with_the_queue_down_the_preview_is_kept_marked_failed(app, client, debate, monkeypatch):
    """The worker reads the preview's row, so the job is handed over once the row is committed; a queue
    that is down then answers 503, and the row stays, marked failed, for the review page to say so."""
    story, _ = debate
    jobs.drain(app)
    make_user("kp_editor4", role="editor")
    login(client, "kp_editor4")

    def down(*args):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(jobs.get_queue(app), "enqueue", down)
    response = post_form(
        client, f"/editor/stories/{story.slug}/map/key-point/preview",
        {"statement": "Regulators must make safety pledges binding.", "map_version": story.map_version},
    )  # fmt: skip
    assert response.status_code == 503 and jobs.QUEUE_DOWN in response.get_data(as_text=True)
    monkeypatch.undo()
    preview = db.session.scalars(select(KeyPointPreview)).one()
    assert preview.status == "failed" and jobs.get_queue(app).jobs == []
    html = _overview(client, story)
    assert "could not be computed" in html and "being computed" not in html
