"""The signal and session wiring: services announce changes with signals (:mod:`forum.services.signals`);
the work they imply is collected in the database session and handed to the queue only after the transaction
commits (and forgotten if it rolls back)."""

from __future__ import annotations

from flask import Flask
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

from forum.extensions import db
from forum.jobs.dispatch import enqueue, get_queue
from forum.jobs.queues import make_queue
from forum.models import Comment
from forum.services import signals

PENDING_KEY = "forum_pending_jobs"


def _remember(job: tuple) -> None:
    pending = db.session().info.setdefault(PENDING_KEY, [])
    if job not in pending:
        pending.append(job)


def _on_comment_changed(comment: Comment, action: str = "posted", **_) -> None:
    _remember(("embed_and_place", comment.id))
    if action in ("deleted", "moderated"):  # the comment may leave (or rejoin) the vote geometry
        _remember(("opinions", comment.story_id))


def _on_vote_cast(comment_id: int, *, story_id: int, **_) -> None:
    _remember(("opinions", story_id))


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT was released: the real commit comes later
        return
    jobs = session.info.pop(PENDING_KEY, [])
    if not jobs:
        return
    ids = [job[1] for job in jobs if job[0] == "embed_and_place"]
    if ids:
        enqueue("embed_and_place", ids)
    for story_id in sorted({job[1] for job in jobs if job[0] == "opinions"}):
        if not get_queue().is_pending("compute_opinions", story_id):
            enqueue("compute_opinions", story_id)


def _after_rollback(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(PENDING_KEY, None)


_wired = False


def init_app(app: Flask) -> None:
    """Give the app its queue and connect the signal and session hooks (once per process)."""
    global _wired
    app.extensions["forum_queue"] = make_queue(app)
    if not _wired:
        signals.comment_changed.connect(_on_comment_changed, weak=False)
        signals.vote_cast.connect(_on_vote_cast, weak=False)
        event.listen(FlaskSession, "after_commit", _after_commit)
        event.listen(FlaskSession, "after_rollback", _after_rollback)
        _wired = True
    app.before_request(_start_queue)


def _start_queue() -> None:
    """Start the app's worker thread, if its queue has one, on the first request (and again should it die)."""
    get_queue().start()
