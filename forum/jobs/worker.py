"""Running jobs outside a queue's own thread: a :class:`Worker` holds the Flask app of a
``flask forum worker`` process and pushes the app's context for each job it takes from Redis; :func:`drain`
runs what the manual queue holds (tests, scripts)."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app, has_app_context

from forum.jobs.dispatch import get_queue
from forum.jobs.tasks import get_embedder, run_task

log = logging.getLogger("forum.jobs")


def execute_in_worker(name: str, *args) -> None:
    """Entry point of RQ jobs (:data:`forum.jobs.queues.JOB_FUNCTION`): run the task in the current app
    context, which the :class:`Worker` pushes, telling the queue as it starts and if it fails."""
    if not has_app_context():
        raise RuntimeError("no worker app: run jobs with `flask forum worker`")
    queue = get_queue()
    args = queue.starting(name, args)
    try:
        run_task(name, *args)
    except Exception:
        queue.failed(name, args)
        raise


class Worker:
    """The worker of one app: runs RQ jobs (no fork per job, so the model stays warm), each in an app context
    of its own, and queues the sweep every ``FORUM_SWEEP_SECONDS``."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def execute(self, name: str, *args) -> None:
        """Run one job as RQ would: in a fresh app context."""
        with self.app.app_context():
            execute_in_worker(name, *args)

    def run(self, *, burst: bool = False) -> None:
        """Take jobs from Redis until stopped (or, with ``burst``, until none is left)."""
        from rq import SimpleWorker

        app = self.app
        q = get_queue(app)
        listened = q.worker_queue()
        if listened is None:
            raise RuntimeError(
                "`flask forum worker` needs FORUM_REDIS_URL (the in-process worker needs no command)"
            )
        with app.app_context():
            get_embedder()
        if burst:
            q.enqueue("sweep")
        else:
            threading.Thread(target=self._sweeper, name="forum-sweeper", daemon=True).start()

        class AppWorker(SimpleWorker):
            def perform_job(self, job, queue):  # type: ignore[no-untyped-def]
                with app.app_context():
                    return super().perform_job(job, queue)

        AppWorker([listened], connection=listened.connection).work(burst=burst, with_scheduler=not burst)

    def _sweeper(self) -> None:
        q = get_queue(self.app)
        while True:
            try:
                q.enqueue("sweep")
            except Exception:
                log.warning("could not queue the sweep", exc_info=True)
            time.sleep(float(self.app.config["FORUM_SWEEP_SECONDS"]))


def run_worker(*, burst: bool = False) -> None:
    """The body of ``flask forum worker``: the :class:`Worker` of the current app."""
    Worker(current_app._get_current_object()).run(burst=burst)  # type: ignore[attr-defined]


def drain(app: Flask | None = None, max_jobs: int = 1000) -> int:
    """Run every job a :class:`~forum.jobs.queues.ManualQueue` holds (and those they enqueue). Returns how
    many ran."""
    q = get_queue(app)
    ran = 0
    while ran < max_jobs and (job := q.take()) is not None:
        name, args = job
        run_task(name, *args)
        ran += 1
    return ran
