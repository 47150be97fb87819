"""The background tasks and their registry: each task runs in an app context as one unit of work.

Queues name tasks by their key in :data:`TASKS` and run them with :func:`run_task` (or, in the in-process
worker on SQLite, :func:`run_with_retry`), the worker's one place that commits: a task's work is committed
when it returns and rolled back when it raises. A task that must store part of its work first (before it
queues a job that reads it, or story by story, so one story's failure loses nothing the others did and each
story's lock is let go) calls :func:`keep`. The embedding model is loaded once per process, lazily
(:func:`get_embedder`): only the worker ever loads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from forum.analysis.embedders import Embedder, make_embedder
from forum.extensions import db, sqlite_write_transactions
from forum.jobs.dispatch import enqueue, get_queue
from forum.models import Comment, CommentStatus, Story
from forum.services import mapping, moderation
from forum.services import opinions as opinion_service
from forum.services.locks import lock_stories
from forum.times import as_utc

log = logging.getLogger("forum.jobs")


@lru_cache(maxsize=4)
def _embedder_for(name: str) -> Embedder:
    return make_embedder(name)


def get_embedder() -> Embedder:
    """This process's embedder (loaded once, lazily: only the worker ever loads the model)."""
    return _embedder_for(current_app.config["FORUM_EMBEDDER"])


def _embed_screen_place(comments: list[Comment], gone: list[Comment] | None = None) -> None:
    """Embed published comments; then, holding their stories' locks (:mod:`forum.services.locks`), take
    ``gone`` comments (deleted or rejected) off the map, hold near-duplicates a reader repeats for an editor,
    and place the rest."""
    mapping.embed_comments(comments, get_embedder())  # the model's part: other workers may map meanwhile
    gone = gone or []
    lock_stories(c.story_id for c in comments + gone)
    for comment in gone:
        mapping.unplace_comment(comment.id)
    held = moderation.hold_near_duplicates(comments)
    mapping.place_comments([c for c in comments if c not in held])


def task_embed_and_place(comment_ids: list[int]) -> None:
    """Embed new or edited comments, place them in their nearest viewpoint, and queue a full map
    recomputation for stories that have changed enough."""
    comments = list(
        db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids)).order_by(Comment.id))
    )
    published = [c for c in comments if c.status == CommentStatus.PUBLISHED]
    _embed_screen_place(published, [c for c in comments if c.status != CommentStatus.PUBLISHED])
    story_ids = {c.story_id for c in comments}
    keep()  # the recomputations queued below read these placements
    for story_id in sorted(story_ids):
        story = db.session.get(Story, story_id)
        if story is not None and mapping.map_is_stale(story) and _map_may_run(story):
            enqueue("recompute_map", story_id)


def _map_may_run(story: Story) -> bool:
    """During a burst a story's map would go stale every few seconds; new comments are placed at once anyway,
    so full recomputations wait ``FORUM_MAP_MIN_SECONDS`` after the last one (the sweep catches up)."""
    last = story.map_computed_at
    if last is None:
        return True
    return datetime.now(UTC) - as_utc(last) >= timedelta(seconds=current_app.config["FORUM_MAP_MIN_SECONDS"])


def task_recompute_map(story_id: int, trigger: str = "auto") -> None:
    story = db.session.get(Story, story_id)
    if story is None:
        return
    if trigger == "auto" and not mapping.map_is_stale(story):  # a job queued earlier already caught up
        return
    mapping.recompute_map(story, get_embedder(), trigger=trigger)


def task_sweep(limit: int = 500) -> None:
    """Catch up on whatever a lost job left behind: unembedded comments and stale maps."""
    embedder = get_embedder()
    pending = mapping.comments_needing_embedding(embedder.name, limit=limit)
    # Under RQ, into the batch set: with several workers, the sweep never encodes beside a batch that already
    # has these comments (a comment a batch holds right now may be handed on twice; the second finds it
    # done). If the queue is down (the sweep was run by hand), embed them here.
    if pending and get_queue().batches_embeddings and enqueue("embed_and_place", [c.id for c in pending]):
        log.info("sweep: queued %d comments for embedding", len(pending))
        pending = []
    if pending:
        log.info("sweep: embedding %d comments", len(pending))
        _embed_screen_place(pending)
        keep()
    for story_id in db.session.scalars(select(Story.id).order_by(Story.id)).all():
        try:
            story = db.session.get(Story, story_id)
            if mapping.map_is_stale(story):
                mapping.recompute_map(story, embedder, trigger="sweep")
                keep()
            _refresh_opinions(story)
        except Exception:  # one story's failure must not keep the others waiting: log it and go on
            discard()
            log.exception("sweep: story %d failed; the sweep goes on with the others", story_id)


def _refresh_opinions(story: Story | None) -> None:
    """Recompute a story's opinion groups from its votes, unless nothing changed since the cached result."""
    if story is not None and opinion_service.is_stale(story):
        opinion_service.compute_opinions(story)
        keep()


def task_compute_opinions(story_id: int) -> None:
    _refresh_opinions(db.session.get(Story, story_id))


def task_add_key_point(story_id: int, editor_id: int, statement: str) -> None:
    """An editor's key point: embed the statement and gather the comments that make it."""
    from forum.models import User
    from forum.services import review

    story, editor = db.session.get(Story, story_id), db.session.get(User, editor_id)
    if story is None or editor is None:
        return
    review.add_key_point(story, editor, statement, get_embedder(), story.map_version)


def task_preview_key_point(preview_id: int) -> None:
    """Which comments an editor's key point would gather, before the editor adds it."""
    from forum.services import key_point_previews

    key_point_previews.compute_preview(preview_id, get_embedder())


TASKS: dict[str, Callable[..., None]] = {
    "add_key_point": task_add_key_point,
    "preview_key_point": task_preview_key_point,
    "embed_and_place": task_embed_and_place,
    "recompute_map": task_recompute_map,
    "sweep": task_sweep,
    "compute_opinions": task_compute_opinions,
}


def keep() -> None:
    """Commit what the task has done so far (see the module docstring)."""
    db.session.commit()


def discard() -> None:
    """Roll back what the task did since the last :func:`keep` (one story of several that failed)."""
    db.session.rollback()


def run_task(name: str, *args) -> None:
    """Run one task in the current app context as one unit of work: committed when it returns, rolled back
    when it raises (the error propagates)."""
    try:
        TASKS[name](*args)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def run_with_retry(name: str, args: tuple) -> None:
    """Run a task; on SQLite, first with deferred transactions (reading takes no lock, so the model encodes
    and the map computes while the web processes write), and if another process wrote in between (SQLite
    then refuses the upgrade to a write at once: "database is locked"), again with every transaction taking
    the write lock from its start (``BEGIN IMMEDIATE``), which waits its turn instead."""
    try:
        run_task(name, *args)
    except Exception as exc:
        if not _is_locked(exc):
            raise
        log.info("job %s%r met another process's write; running it again holding the write lock", name, args)
        with sqlite_write_transactions():
            run_task(name, *args)
