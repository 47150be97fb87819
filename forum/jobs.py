"""Background work: the one bridge between the web app and the worker.

Services announce changes with signals (``forum.services.signals``); this module collects the work they imply
in the database session and hands it to a queue only after the transaction commits. Three queues:

- ``inprocess`` (default): a daemon thread in the same process, nothing to start;
- ``rq``: Redis + RQ (when ``FORUM_REDIS_URL`` is set), run by ``flask forum worker`` processes;
- ``manual``: jobs wait until ``drain()`` runs them (tests).

Whatever a lost job would have done, the periodic sweep does later: comments without embeddings and maps
that fell behind are found in the database, so nothing depends on a queue message surviving.
"""

from __future__ import annotations

import logging
import os
import queue as stdlib_queue
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from flask import Flask, current_app, g, has_request_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from forum.analysis.embedders import Embedder, make_embedder
from forum.election import Election, election_path, process_alive
from forum.extensions import db, sqlite_write_transactions
from forum.models import Comment, Story
from forum.services import mapping, moderation, signals
from forum.services import opinions as opinion_service
from forum.services.errors import Unavailable
from forum.services.locks import lock_stories
from forum.times import as_utc

log = logging.getLogger("forum.jobs")
PENDING_KEY = "forum_pending_jobs"


@lru_cache(maxsize=4)
def _embedder_for(name: str) -> Embedder:
    return make_embedder(name)


def get_embedder() -> Embedder:
    """This process's embedder (loaded once, lazily: only the worker ever loads the model)."""
    return _embedder_for(current_app.config["FORUM_EMBEDDER"])


# --- tasks: each runs in an app context and commits its own work ------------------------------------------


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
    published = [c for c in comments if c.status == "published"]
    _embed_screen_place(published, [c for c in comments if c.status != "published"])
    story_ids = {c.story_id for c in comments}
    db.session.commit()
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
    db.session.commit()


def task_sweep(limit: int = 500) -> None:
    """Catch up on whatever a lost job left behind: unembedded comments and stale maps."""
    embedder = get_embedder()
    pending = mapping.comments_needing_embedding(embedder.name, limit=limit)
    # Under RQ, into the batch set: with several workers, the sweep never encodes beside a batch that already
    # has these comments (a comment a batch holds right now may be handed on twice; the second finds it
    # done). If the queue is down (the sweep was run by hand), embed them here.
    if pending and isinstance(get_queue(), RQQueue) and enqueue("embed_and_place", [c.id for c in pending]):
        log.info("sweep: queued %d comments for embedding", len(pending))
        pending = []
    if pending:
        log.info("sweep: embedding %d comments", len(pending))
        _embed_screen_place(pending)
        db.session.commit()
    for story_id in db.session.scalars(select(Story.id).order_by(Story.id)).all():
        try:
            story = db.session.get(Story, story_id)
            if mapping.map_is_stale(story):
                mapping.recompute_map(story, embedder, trigger="sweep")
                db.session.commit()
            _refresh_opinions(story)
        except Exception:  # one story's failure must not keep the others waiting: log it and go on
            db.session.rollback()
            log.exception("sweep: story %d failed; the sweep goes on with the others", story_id)


def _refresh_opinions(story: Story | None) -> None:
    """Recompute a story's opinion groups from its votes, unless nothing changed since the cached result."""
    if story is not None and opinion_service.is_stale(story):
        opinion_service.compute_opinions(story)
        db.session.commit()


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
    db.session.commit()


def task_preview_key_point(preview_id: int) -> None:
    """Which comments an editor's key point would gather, before the editor adds it."""
    from forum.services import key_point_previews

    key_point_previews.compute_preview(preview_id, get_embedder())
    db.session.commit()


TASKS: dict[str, Callable[..., None]] = {
    "add_key_point": task_add_key_point,
    "preview_key_point": task_preview_key_point,
    "embed_and_place": task_embed_and_place,
    "recompute_map": task_recompute_map,
    "sweep": task_sweep,
    "compute_opinions": task_compute_opinions,
}


def run_task(name: str, *args) -> None:
    """Run one task in the current app context, rolling back on failure (the error propagates)."""
    try:
        TASKS[name](*args)
    except Exception:
        db.session.rollback()
        raise


# --- queues ----------------------------------------------------------------------------------------------


class JobQueue(Protocol):
    def enqueue(self, name: str, *args) -> None: ...


class ManualQueue:
    """Holds jobs until :func:`drain` runs them (tests, scripts)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple]] = []

    def enqueue(self, name: str, *args) -> None:
        self.jobs.append((name, args))


class InProcessQueue:
    """A daemon thread runs jobs, plus a sweep every ``sweep_seconds``: in one process only, when several
    web processes share a SQLite file (see :class:`forum.election.Election`); the others forward their jobs
    to it."""

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
                    _run_with_retry(name, args)
                except Exception:
                    log.exception("job %s%r failed; the sweep will retry its work", name, args)
            if self._queue.empty():
                self.idle.set()


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def _run_with_retry(name: str, args: tuple) -> None:
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


class RQQueue:
    """Redis-backed queue (RQ); ``flask forum worker`` processes run the jobs with retries.

    Busy stories would otherwise queue one job per comment or vote, faster than a worker can run them. So jobs
    that recompute a story's state (opinions, the map) are coalesced: while one waits unstarted, the same job
    is not queued again (it will see the newer data anyway). New comments wait in a Redis set and one
    ``embed_and_place`` job takes them all, so the model embeds them in batches."""

    COALESCED = ("compute_opinions", "recompute_map")
    EMBED_IDS = "forum:embed-ids"
    EMBED_BATCH = 2000
    FLAG_TTL = 600  # a flag whose job vanished (Redis flushed, say) blocks new ones this long at most

    def __init__(self, redis_url: str, name: str = "forum") -> None:
        from redis import Redis
        from rq import Queue

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
            "forum.jobs.execute_in_worker",
            name,
            *args,
            retry=Retry(max=3, interval=[2, 10, 30]),
            job_timeout=900,
        )

    def starting(self, name: str, args: tuple) -> tuple:
        """Called by the worker as a job starts: from now on, changes need a job of their own. Returns the
        job's arguments (for a batched embedding job, the comment ids it takes)."""
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


_WORKER_APP: Flask | None = None


def execute_in_worker(name: str, *args) -> None:
    """Entry point of RQ jobs: runs the task in the worker process's app (set by ``flask forum worker``)."""
    if _WORKER_APP is None:
        raise RuntimeError("no worker app: run jobs with `flask forum worker`")
    with _WORKER_APP.app_context():
        q = get_queue()
        if isinstance(q, RQQueue):
            args = q.starting(name, args)
        try:
            run_task(name, *args)
        except Exception:
            if isinstance(q, RQQueue):
                q.failed(name, args)
            raise


def make_queue(app: Flask) -> JobQueue:
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


def get_queue(app: Flask | None = None) -> JobQueue:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions["forum_queue"]


QUEUE_DOWN = (
    "The background job queue is not answering, so this cannot be started now. Reading, posting and voting "
    "still work; try again in a few minutes."
)


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


def drain(app: Flask | None = None, max_jobs: int = 1000) -> int:
    """Run every job a :class:`ManualQueue` holds (and those they enqueue). Returns how many ran."""
    q = get_queue(app)
    assert isinstance(q, ManualQueue), "drain() is for the manual queue"
    ran = 0
    while q.jobs and ran < max_jobs:
        name, args = q.jobs.pop(0)
        run_task(name, *args)
        ran += 1
    return ran


# --- after-commit wiring -----------------------------------------------------------------------------------


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


def _is_pending(name: str, *args) -> bool:
    """True when this exact job waits in a local queue and has not started: it will see what was just
    committed, so queueing it again would only repeat the work (the debounce for busy stories)."""
    q = get_queue()
    if isinstance(q, ManualQueue):
        return (name, args) in q.jobs
    if isinstance(q, InProcessQueue):
        with q._queue.mutex:
            return (name, args) in q._queue.queue
    return False  # RQ: a repeated job finds the cache up to date and returns after one cheap query


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
        if not _is_pending("compute_opinions", story_id):
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
    if isinstance(app.extensions["forum_queue"], InProcessQueue):
        app.before_request(_start_inprocess_worker_once)


def _start_inprocess_worker_once() -> None:
    q = current_app.extensions["forum_queue"]
    if isinstance(q, InProcessQueue):
        q.start()


def run_worker(*, burst: bool = False) -> None:
    """The body of ``flask forum worker``: an RQ worker that keeps the model warm (no fork per job), plus a
    thread that queues the sweep every ``FORUM_SWEEP_SECONDS``."""
    global _WORKER_APP
    from redis import Redis
    from rq import Queue, SimpleWorker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    q = get_queue(app)
    if not isinstance(q, RQQueue):
        raise RuntimeError(
            "`flask forum worker` needs FORUM_REDIS_URL (the in-process worker needs no command)"
        )
    _WORKER_APP = app
    get_embedder()
    if burst:
        q.enqueue("sweep")
    else:

        def sweeper() -> None:
            while True:
                try:
                    q.enqueue("sweep")
                except Exception:
                    log.warning("could not queue the sweep", exc_info=True)
                time.sleep(float(app.config["FORUM_SWEEP_SECONDS"]))

        threading.Thread(target=sweeper, name="forum-sweeper", daemon=True).start()
    # The worker blocks on Redis waiting for jobs, for minutes when idle: it needs a connection of its own
    # without the web side's short socket timeout (on that one an idle worker timed out and quit).
    connection = Redis.from_url(
        app.config["FORUM_REDIS_URL"], socket_connect_timeout=5, health_check_interval=30
    )
    queue = Queue(q.queue.name, connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=burst, with_scheduler=not burst)
