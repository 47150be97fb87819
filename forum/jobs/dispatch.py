"""Handing a job to the app's queue: :func:`enqueue` for the work posts and votes imply (a queue that is down
is logged, and the sweep catches up), :func:`submit` for the jobs an editor asks for (a queue that is down is
an error the editor sees)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import Flask, current_app, g, has_request_context

from forum.services.errors import Unavailable

if TYPE_CHECKING:
    from forum.jobs.queues import JobQueue

log = logging.getLogger("forum.jobs")

QUEUE_DOWN = (
    "The background job queue is not answering, so this cannot be started now. Reading, posting and voting "
    "still work; try again in a few minutes."
)


def get_queue(app: Flask | None = None) -> JobQueue:
    """The app's queue (``current_app`` when no app is given), made by :func:`forum.jobs.init_app`."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions["forum_queue"]


def enqueue(name: str, *args) -> bool:
    """Hand a job to the queue now (use only outside a transaction; services go through signals). Returns
    False when the queue is down: the periodic sweep will find the work in the database once it is back, and
    the request can tell the reader that the map will take their comment in later (:func:`delayed`)."""
    try:
        get_queue().enqueue(name, *args)
        return True
    except Exception:
        log.warning("could not enqueue %s%r; the sweep will pick it up", name, args, exc_info=True)
        if has_request_context():
            g.forum_queue_down = True
        return False


def delayed() -> bool:
    """True when this request's background work could not be queued (it waits for the sweep)."""
    return bool(g.get("forum_queue_down"))


def submit(name: str, *args) -> None:
    """Queue a job an editor asked for, or raise :class:`Unavailable`: unlike the work that posts and votes
    imply, no sweep would find it in the database later."""
    if not enqueue(name, *args):
        raise Unavailable(QUEUE_DOWN)
