"""Background work: the one bridge between the web app and the worker.

Services announce changes with signals (``forum.services.signals``); this package collects the work they
imply in the database session and hands it to a queue only after the transaction commits
(:mod:`~forum.jobs.wiring`). The tasks and their registry are in :mod:`~forum.jobs.tasks`; the queue protocol,
its three backends (``inprocess``, the default; ``rq``; ``manual``) and the factory in
:mod:`~forum.jobs.queues`; the ``flask forum worker`` process in :mod:`~forum.jobs.worker`.

Whatever a lost job would have done, the periodic sweep does later: comments without embeddings and maps
that fell behind are found in the database, so nothing depends on a queue message surviving.
"""

from forum.jobs.dispatch import QUEUE_DOWN, delayed, enqueue, get_queue, submit
from forum.jobs.queues import InProcessQueue, JobQueue, ManualQueue, RQQueue, make_queue
from forum.jobs.tasks import TASKS, get_embedder, run_task
from forum.jobs.wiring import PENDING_KEY, init_app
from forum.jobs.worker import Worker, drain, execute_in_worker, run_worker

__all__ = [
    "PENDING_KEY",
    "QUEUE_DOWN",
    "TASKS",
    "InProcessQueue",
    "JobQueue",
    "ManualQueue",
    "RQQueue",
    "Worker",
    "delayed",
    "drain",
    "enqueue",
    "execute_in_worker",
    "get_embedder",
    "get_queue",
    "init_app",
    "make_queue",
    "run_task",
    "run_worker",
    "submit",
]
