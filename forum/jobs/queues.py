"""The job queues: the :class:`JobQueue` protocol every caller uses, its three backends and the factory.

- ``inprocess`` (default): a daemon thread in the same process, nothing to start;
- ``rq``: Redis + RQ (when ``FORUM_REDIS_URL`` is set), run by ``flask forum worker`` processes;
- ``manual``: jobs wait until :func:`forum.jobs.drain` runs them (tests).

What only one backend needs (a worker thread to start, a batch to hand out as a job starts) is a default
no-op on the protocol, so callers ask any queue and never check which one they hold.
"""

from __future__ import annotations

import logging
import os
import queue as stdlib_queue
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from flask import Flask

from forum.election import Election, election_path, process_alive
from forum.jobs.tasks import TASKS, get_embedder, run_with_retry

if TYPE_CHECKING:
    from rq import Queue

log = logging.getLogger("forum.jobs")

# What RQ jobs call, in a `flask forum worker` process (the name workers log each job by, and jobs already
# in Redis use): :func:`forum.jobs.worker.execute_in_worker`, as the package exports it.
JOB_FUNCTION = "forum.jobs.execute_in_worker"


class JobQueue(Protocol):
    """What callers may ask of any queue. Backends subclass it and override what they need."""

    kind: str = "queue"
    batches_embeddings: bool = False  # the sweep hands unembedded comments to the batch instead of encoding

    def enqueue(self, name: str, *args) -> None:
        """Queue the task ``name`` with ``args`` (raises when the queue is down)."""
        raise NotImplementedError

    def start(self) -> None:
        """Start whatever runs the jobs in this process, if anything (called before each request)."""

    def is_pending(self, name: str, *args) -> bool:
        """True when this exact job waits in a local queue and has not started: it will see what was just
        committed, so queueing it again would only repeat the work (the debounce for busy stories)."""
        return False

    def starting(self, name: str, args: tuple) -> tuple:
        """Called by the worker as a job starts; returns the arguments the task runs with."""
        return args

    def failed(self, name: str, args: tuple) -> None:
        """Called by the worker when a job failed (before any retry)."""

    def take(self) -> tuple[str, tuple] | None:
        """The next job waiting for :func:`forum.jobs.drain`, or None when none waits."""
        raise TypeError("drain() is for the manual queue")

    def health(self) -> dict[str, Any]:
        """``/healthz``'s answer for the queue: ``ok``, ``kind``, and ``error`` when not ok."""
        return {"ok": True, "kind": self.kind}

    def worker_queue(self) -> Queue | None:
        """The RQ queue a ``flask forum worker`` process takes jobs from, on a connection of its own; None
        when this queue needs no worker process."""
        return None


class ManualQueue(JobQueue):
    """Holds jobs until :func:`forum.jobs.drain` runs them (tests, scripts)."""

    kind = "manual"

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple]] = []

    def enqueue(self, name: str, *args) -> None:
        self.jobs.append((name, args))

    def is_pending(self, name: str, *args) -> bool:
        return (name, args) in self.jobs

    def take(self) -> tuple[str, tuple] | None:
        return self.jobs.pop(0) if self.jobs else None


class InProcessQueue(JobQueue):
    """A daemon thread runs jobs, plus a sweep every ``sweep_seconds``: in one process only, when several
    web processes share a SQLite file (see :class:`forum.election.Election`); the others forward their jobs
    to it."""

    kind = "inprocess"

    def __init__(self, app: Flask, sweep_seconds: float, election: str | None = None) -> None:
        self.app = app
        self.sweep_seconds = sweep_seconds
        self._queue: stdlib_queue.Queue[tuple[str, tuple]] = stdlib_queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.idle = threading.Event()
        self.election = Election(election) if election else None
        self.leader = self.election is None
        self._standing_by = False

    def enqueue(self, name: str, *args) -> None:
        self.start()
        if not self.leader:
            assert self.election is not None
            self.election.forward(name, args)
            return
        self.idle.clear()
        self._queue.put((name, args))

    def is_pending(self, name: str, *args) -> bool:
        with self._queue.mutex:
            return (name, args) in self._queue.queue

    def start(self) -> None:
        with self._lock:
            if not self.leader and not self._standing_by:
                assert self.election is not None
                if self.election.try_lead(wait=False):
                    self._become_leader()
                else:
                    self._standing_by = True
                    threading.Thread(target=self._stand_by, name="forum-worker-standby", daemon=True).start()
            if self.leader and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._loop, name="forum-worker", daemon=True)
                self._thread.start()

    def _stand_by(self) -> None:
        assert self.election is not None
        self.election.try_lead(wait=True)  # blocks until the leading process exits
        with self._lock:
            self._become_leader()
        self.start()

    def _become_leader(self) -> None:
        self.leader = True
        if self.election is None:
            return
        sock = self.election.listen()
        if sock is not None:
            threading.Thread(
                target=self._receive, args=(sock,), name="forum-worker-inbox", daemon=True
            ).start()
        log.info("process %d runs the background worker for %s", os.getpid(), self.election.lock_path)

    def _receive(self, sock: socket.socket) -> None:
        assert self.election is not None
        while True:
            try:
                job = self.election.receive(sock, TASKS)
            except Exception:  # noqa: BLE001 - nothing a sender does may stop the inbox
                log.warning("could not read a job message", exc_info=True)
                continue
            if job is not None:
                self.idle.clear()
                self._queue.put(job)

    def health(self) -> dict[str, Any]:
        self.start()
        if self.leader:
            alive = self._thread is not None and self._thread.is_alive()
            result: dict[str, Any] = {"ok": alive, "kind": "inprocess"}
            if not alive:
                result["error"] = "the in-process worker thread is not running"
            return result
        assert self.election is not None
        pid = self.election.leader_pid()
        alive = pid is not None and process_alive(pid)
        result = {"ok": alive, "kind": "inprocess", "worker_pid": pid}
        if not alive:
            result["error"] = "no process runs the in-process worker"
        return result

    def _loop(self) -> None:
        next_sweep = time.monotonic()
        with self.app.app_context():
            try:
                get_embedder()  # load the model before any transaction: never while holding a lock
            except Exception:  # the jobs that need it will say why, one by one
                log.exception("could not load the embedding model")
        while True:
            timeout = max(0.0, next_sweep - time.monotonic())
            try:
                name, args = self._queue.get(timeout=timeout)
            except stdlib_queue.Empty:
                name, args = "sweep", ()
                next_sweep = time.monotonic() + self.sweep_seconds
            with self.app.app_context():
                try:
                    run_with_retry(name, args)
                except Exception:
                    log.exception("job %s%r failed; the sweep will retry its work", name, args)
            if self._queue.empty():
                self.idle.set()


class RQQueue(JobQueue):
    """Redis-backed queue (RQ); ``flask forum worker`` processes run the jobs with retries.

    Busy stories would otherwise queue one job per comment or vote, faster than a worker can run them. So jobs
    that recompute a story's state (opinions, the map) are coalesced: while one waits unstarted, the same job
    is not queued again (it will see the newer data anyway). New comments wait in a Redis set and one
    ``embed_and_place`` job takes them all, so the model embeds them in batches."""

    kind = "rq"
    batches_embeddings = True
    COALESCED = ("compute_opinions", "recompute_map")
    EMBED_IDS = "forum:embed-ids"
    EMBED_BATCH = 2000
    FLAG_TTL = 600  # a flag whose job vanished (Redis flushed, say) blocks new ones this long at most

    def __init__(self, redis_url: str, name: str = "forum") -> None:
        from redis import Redis
        from rq import Queue

        self.redis_url = redis_url
        self.connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(name, connection=self.connection)

    @staticmethod
    def _flag(name: str, args: tuple) -> str:
        return ":".join(["forum:queued", name, *map(str, args)])

    def enqueue(self, name: str, *args) -> None:
        if name == "embed_and_place" and args and args[0]:
            pipe = self.connection.pipeline()
            pipe.sadd(self.EMBED_IDS, *args[0])
            pipe.set(self._flag(name, ()), 1, nx=True, ex=self.FLAG_TTL)
            if pipe.execute()[1]:
                self._enqueue(name)  # no ids: the job takes what waits in the set when it starts
            return
        if name in self.COALESCED:
            self._enqueue_unless_waiting(name, args)
        else:
            self._enqueue(name, *args)

    def _enqueue_unless_waiting(self, name: str, args: tuple) -> None:
        if self.connection.set(self._flag(name, args), 1, nx=True, ex=self.FLAG_TTL):
            self._enqueue(name, *args)

    def _enqueue(self, name: str, *args) -> None:
        from rq import Retry

        self.queue.enqueue(
            JOB_FUNCTION,
            name,
            *args,
            retry=Retry(max=3, interval=[2, 10, 30]),
            job_timeout=900,
        )

    def starting(self, name: str, args: tuple) -> tuple:
        """From now on, changes need a job of their own. Returns the job's arguments (for a batched
        embedding job, the comment ids it takes)."""
        if name == "embed_and_place" and not args:
            self.connection.delete(self._flag(name, ()))
            ids = sorted(int(i) for i in self.connection.spop(self.EMBED_IDS, self.EMBED_BATCH) or [])
            if self.connection.scard(self.EMBED_IDS):  # more than one batch waited: queue the next
                self._enqueue_unless_waiting(name, ())
            return (ids,)
        if name in self.COALESCED:
            self.connection.delete(self._flag(name, args))
        return args

    def failed(self, name: str, args: tuple) -> None:
        """A batched embedding job failed: put its ids back for the retry (or the next job) to take."""
        if name == "embed_and_place" and args and args[0]:
            self.connection.sadd(self.EMBED_IDS, *args[0])

    def health(self) -> dict[str, Any]:
        try:
            self.connection.ping()
        except Exception as exc:  # noqa: BLE001
            return {
                "ok": False,
                "kind": "rq",
                "error": (
                    f"Redis did not answer ({type(exc).__name__}): background jobs (embedding, debate map "
                    "updates) are delayed until it returns; reading, posting and voting still work"
                ),
            }
        return {"ok": True, "kind": "rq", "queued": self._queued()}

    def _queued(self) -> int | None:
        try:
            return int(self.queue.count)
        except Exception:  # noqa: BLE001 - the count is informative only
            return None

    def worker_queue(self) -> Queue:
        # The worker blocks on Redis waiting for jobs, for minutes when idle: it needs a connection of its own
        # without the web side's short socket timeout (on that one an idle worker timed out and quit).
        from redis import Redis
        from rq import Queue

        connection = Redis.from_url(self.redis_url, socket_connect_timeout=5, health_check_interval=30)
        return Queue(self.queue.name, connection=connection)


def make_queue(app: Flask) -> JobQueue:
    """The queue ``FORUM_WORKER`` names (``inprocess`` becomes ``rq`` when ``FORUM_REDIS_URL`` is set)."""
    kind = app.config["FORUM_WORKER"]
    if app.config.get("FORUM_REDIS_URL") and kind == "inprocess":
        kind = "rq"
    if kind == "rq":
        return RQQueue(app.config["FORUM_REDIS_URL"])
    if kind == "manual":
        return ManualQueue()
    if kind == "inprocess":
        return InProcessQueue(
            app,
            float(app.config["FORUM_SWEEP_SECONDS"]),
            election_path(app.config["SQLALCHEMY_DATABASE_URI"]),
        )
    raise ValueError(f"unknown FORUM_WORKER {kind!r}: use inprocess, rq or manual")
