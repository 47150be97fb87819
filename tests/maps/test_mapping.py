"""The debate map on the database: embeddings once per text, placement, recomputation, identity."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from forum import jobs
from forum.analysis.embedders import HashingEmbedder
from forum.extensions import db
from forum.models import CommentEmbedding, MapRun, Viewpoint, ViewpointMember
from forum.services import comments as comment_service
from forum.services import mapping
from tests.factories import make_user


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__()
        self.encoded: list[str] = []

    def encode(self, texts, batch_size=64):
        self.encoded.extend(texts)
        return super().encode(texts, batch_size)


def _viewpoints(story):
    return list(db.session.scalars(select(Viewpoint).where(Viewpoint.story_id == story.id, Viewpoint.active)))


def _members(viewpoint):
    return set(
        db.session.scalars(
            select(ViewpointMember.comment_id).where(ViewpointMember.viewpoint_id == viewpoint.id)
        )
    )


def test_posting_queues_embedding_after_commit_and_map_follows(app, debate):
    story, posted = debate
    assert jobs.get_queue(app).jobs, "posting must queue work once the transaction commits"
    jobs.drain(app)
    n = sum(len(v) for v in posted.values())
    stored = db.session.scalars(select(CommentEmbedding).where(CommentEmbedding.story_id == story.id)).all()
    assert len(stored) == n and {e.model_name for e in stored} == {"hashing"} and stored[0].dim == 384
    db.session.refresh(story)
    assert story.map_computed_at is not None and story.map_changes_pending == 0
    viewpoints = [v for v in _viewpoints(story) if not v.is_other]
    assert 2 <= len(viewpoints) <= 6
    # each planted argument lands mostly in one viewpoint, and viewpoints take the argument's side
    for key, comments in posted.items():
        homes = [db.session.get(ViewpointMember, c.id) for c in comments]
        ids = [h.viewpoint_id for h in homes if h is not None]
        top = max(set(ids), key=ids.count)
        assert ids.count(top) >= len(comments) - 1, key
        assert db.session.get(Viewpoint, top).side == {"agree": 1, "disagree": -1}[comments[0].side]


def test_rolled_back_posts_queue_nothing(app, session):
    from tests.factories import make_story

    story = make_story()
    jobs.get_queue(app).jobs.clear()
    comment_service.post_comment(story, make_user("rollback"), "never committed")
    db.session.rollback()
    db.session.commit()
    assert jobs.get_queue(app).jobs == []


def test_embeddings_are_computed_once_per_text(debate):
    story, posted = debate
    embedder = CountingEmbedder()
    comments = [c for group in posted.values() for c in group]
    assert mapping.embed_comments(comments, embedder) == len(comments)
    assert mapping.embed_comments(comments, embedder) == 0
    assert len(embedder.encoded) == len(comments)
    twin = comment_service.post_comment(story, make_user("twin"), comments[0].body)
    db.session.flush()
    assert mapping.embed_comments([twin], embedder) == 0, "an identical text reuses the stored vector"
    assert (
        db.session.get(CommentEmbedding, twin.id).vector
        == db.session.get(CommentEmbedding, comments[0].id).vector
    )


def test_edited_comment_is_embedded_again(debate):
    story, posted = debate
    embedder = CountingEmbedder()
    first = posted["regulate"][0]
    mapping.embed_comments([first], embedder)
    old = db.session.get(CommentEmbedding, first.id).text_hash
    comment_service.edit_comment(first, first.author, "Entirely new words about something else")
    assert first in mapping.comments_needing_embedding("hashing", story.id)
    mapping.embed_comments([first], embedder)
    assert db.session.get(CommentEmbedding, first.id).text_hash != old
    assert embedder.encoded[-1] == "Entirely new words about something else"


def test_new_comment_is_placed_in_nearest_viewpoint_at_once(app, debate):
    story, posted = debate
    jobs.drain(app)
    newcomer = comment_service.post_comment(
        story,
        make_user("late"),
        "Unilateral pausing is pointless while the competitors keep racing.",
        side="agree",
    )
    db.session.commit()
    jobs.drain(app)
    member = db.session.get(ViewpointMember, newcomer.id)
    assert member is not None and member.source == "nearest"
    home = db.session.get(ViewpointMember, posted["pointless"][0].id).viewpoint_id
    assert member.viewpoint_id == home
    db.session.refresh(story)
    assert story.map_changes_pending == 1


def test_busy_story_recomputes_its_map_at_most_every_map_min_seconds(app, debate, monkeypatch):
    story, _ = debate
    jobs.drain(app)
    db.session.refresh(story)
    runs = story.map_version
    monkeypatch.setitem(app.config, "FORUM_MAP_MIN_SECONDS", 60)
    texts = [f"Another voice number {i}: regulation, not pledges, should stop this race." for i in range(6)]
    new = [
        comment_service.post_comment(story, make_user(f"busy{i}"), text, side="agree")
        for i, text in enumerate(texts)
    ]
    db.session.commit()
    jobs.drain(app)
    db.session.refresh(story)
    assert mapping.map_is_stale(story), "enough changed for a recomputation"
    assert story.map_version == runs, "but the last one was moments ago: the new comments were placed instead"
    assert story.map_changes_pending == len(new), "each new comment was handled (placed or left to Other)"
    jobs.run_task("sweep")  # the sweep does not wait
    db.session.refresh(story)
    assert story.map_version == runs + 1 and not mapping.map_is_stale(story)


def test_recompute_keeps_identity_and_reports_changes(app, debate):
    story, posted = debate
    jobs.drain(app)
    before = {v.id: _members(v) for v in _viewpoints(story) if not v.is_other}
    extra = [
        comment_service.post_comment(
            story, make_user(f"extra{i}"), f"Binding regulation must make labs keep pledges {i}."
        )
        for i in range(3)
    ]
    db.session.commit()
    jobs.drain(app)
    run = mapping.recompute_map(story, HashingEmbedder(), trigger="test")
    after = {v.id: _members(v) for v in _viewpoints(story) if not v.is_other}
    assert set(before) & set(after), "viewpoints keep their ids when their members still match"
    assert run.changes["kept"] >= 1 and run.n_comments == sum(len(v) for v in posted.values()) + 3
    other = next((v for v in _viewpoints(story) if v.is_other), None)
    placed = set().union(*after.values()) | (_members(other) if other else set())
    assert {c.id for c in extra} <= placed
    assert db.session.scalar(select(func.count()).select_from(MapRun).where(MapRun.story_id == story.id)) >= 2


def test_deleted_comment_leaves_the_map(app, debate):
    story, posted = debate
    jobs.drain(app)
    gone = posted["military"][0]
    vp = db.session.get(ViewpointMember, gone.id).viewpoint
    size = vp.n_members
    comment_service.delete_comment(gone, gone.author)
    db.session.commit()
    jobs.drain(app)
    assert db.session.get(ViewpointMember, gone.id) is None
    db.session.refresh(vp)
    assert vp.n_members == size - 1


def test_sweep_catches_comments_whose_job_was_lost(app, debate):
    story, _ = debate
    jobs.get_queue(app).jobs.clear()  # the queue lost everything
    assert db.session.scalar(select(func.count()).select_from(CommentEmbedding)) == 0
    jobs.run_task("sweep")
    assert mapping.comments_needing_embedding("hashing", story.id) == []
    db.session.refresh(story)
    assert story.map_computed_at is not None


def test_tiny_story_gets_no_map(app, session):
    from tests.factories import make_story

    story = make_story()
    comment_service.post_comment(story, make_user("solo"), "Just me here.")
    db.session.commit()
    jobs.drain(app)
    assert not mapping.map_is_stale(story) and _viewpoints(story) == []


def test_centroids_are_stored_for_placement(app, debate):
    story, _ = debate
    jobs.drain(app)
    for v in _viewpoints(story):
        c = v.centroid_array
        assert c.shape == (384,) and abs(float(np.linalg.norm(c)) - 1) < 1e-3


def test_configured_labeller_rewrites_headlines(app, debate):
    """An OpenAI-compatible endpoint (a local fake here) rewrites the headlines when configured."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    asked = []

    class Fake(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            asked.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = json.dumps(
                {"choices": [{"message": {"content": "Headline: A rewritten headline"}}]}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    story, _ = debate
    app.config.update(
        FORUM_LABELLER_URL=f"http://127.0.0.1:{server.server_port}/v1", FORUM_LABELLER_MODEL="fake"
    )
    try:
        mapping.recompute_map(story, HashingEmbedder())
    finally:
        app.config.update(FORUM_LABELLER_URL=None, FORUM_LABELLER_MODEL=None)
        server.shutdown()
        server.server_close()
    titles = {v.headline for v in _viewpoints(story) if not v.is_other}
    assert titles == {"A rewritten headline"} and asked and asked[0]["model"] == "fake"
