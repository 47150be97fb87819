"""Faults, each against processes of its own: PostgreSQL stopped under requests, Redis gone, a worker killed
in the middle of a job. The machine's shared PostgreSQL and Redis are never stopped."""

from __future__ import annotations

import signal
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from forum.web.readers.views import MAP_DELAYED
from harness.servers import Gunicorn, RedisServer, base_env, wait_until, worker
from tests.production.conftest import create_database, drop_database, form_token, seed, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster_db(pg_cluster):
    url = create_database(pg_cluster.url())
    yield url
    drop_database(pg_cluster.url(), url)


def _post(http, token, base, key, body):
    try:
        return http.post(
            f"{base}/api/stories/prod-story/comments",
            json={"body": body, "idempotency_key": key},
            headers={"X-CSRFToken": token},
            timeout=30,
        )
    except requests.ConnectionError:
        return None


def test_database_stopped_under_requests(pg_cluster, cluster_db, tmp_path):
    seed(cluster_db, readers=2, comments=3)
    server = Gunicorn(base_env(cluster_db, WORKER="manual"), tmp_path / "gunicorn.log")
    try:
        http, token = sign_in(server.url, "reader0000")
        assert http.get(f"{server.url}/stories/prod-story", timeout=30).status_code == 200
        accepted, refused = {}, []
        first = _post(http, token, server.url, "before", "Posted before the outage.")
        accepted["before"] = first.json()["id"]

        pg_cluster.stop()
        try:
            for n in range(6):
                page = http.get(f"{server.url}/stories/prod-story", timeout=30)
                assert page.status_code == 503 and "temporarily unavailable" in page.text.lower()
                assert page.headers["Retry-After"] == "30"
                api = http.get(f"{server.url}/api/stories/prod-story/comments", timeout=30)
                assert api.status_code == 503 and api.json()["error"]["status"] == 503
                health = requests.get(f"{server.url}/healthz", timeout=30)
                assert health.status_code == 503 and health.json()["failed"] == ["database"]
                key = f"during-{n}"
                response = _post(http, token, server.url, key, f"Posted during the outage, try {n}.")
                assert response is not None and response.status_code == 503
                refused.append(key)
                time.sleep(0.3)
        finally:
            pg_cluster.start()

        # the service recovers by itself (pool_pre_ping replaces the dead connections)
        wait_until(
            lambda: http.get(f"{server.url}/stories/prod-story", timeout=30).status_code == 200,
            30,
            what="recovery",
        )
        assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200
        # the reader retries what was refused, with the same idempotency keys: each posts exactly once
        for key in refused:
            retry = _post(http, token, server.url, key, "Retried after the outage.")
            assert retry.status_code == 201
            accepted[key] = retry.json()["id"]
    finally:
        server.stop()

    engine = sa.create_engine(cluster_db, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, idempotency_key, body, body_html FROM comment WHERE idempotency_key IS NOT NULL"
            )
        ).all()
    engine.dispose()
    assert sorted(r.idempotency_key for r in rows) == sorted(accepted)  # nothing half-written, nothing twice
    assert {r.idempotency_key: r.id for r in rows} == accepted
    assert all(r.body and r.body_html.startswith("<p>") for r in rows)


def test_worker_rides_out_a_database_outage(redis_binary, pg_cluster, cluster_db, tmp_path):
    """A worker whose database goes away keeps running; the jobs that failed meanwhile are done once it is
    back (their ids go back to the batch set for the retry, and the sweep finds anything else)."""
    from forum.jobs import RQQueue

    ids = seed(cluster_db, comments=4)
    redis = RedisServer(tmp_path / "redis.log")
    env = base_env(cluster_db, REDIS_URL=redis.url, SWEEP_SECONDS="1")
    engine = sa.create_engine(cluster_db, poolclass=sa.pool.NullPool)

    def embedded() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM comment_embedding")).scalar()

    busy = worker(env, tmp_path / "worker.log")
    try:
        wait_until(lambda: embedded() == 4, 60, what="the seeded comments embedded")
        pg_cluster.stop()
        try:
            with engine.begin():  # (the outage is real)
                pass
        except sa.exc.OperationalError:
            pass
        else:
            raise AssertionError("the database still answers")
        try:
            RQQueue(redis.url).enqueue("embed_and_place", ids)  # fails while the database is away
            wait_until(
                lambda: {"embed_and_place", "sweep"} <= _failed_jobs(redis.url),
                60,
                what=f"the job and a sweep failing during the outage ({busy.log})",
            )
            assert busy.proc.poll() is None, f"the worker exited:\n{busy.output()}"
        finally:
            pg_cluster.start()
        with engine.begin() as conn:  # edits made after the outage: the worker must embed them again
            conn.execute(sa.text("UPDATE comment SET body = body || ' (edited)', edited_at = now()"))
        wait_until(lambda: embedded() == 4 and _fresh(engine), 90, what=f"re-embedding ({busy.log})")
        assert busy.proc.poll() is None
    finally:
        busy.stop()
        redis.stop()
        engine.dispose()


def _started_jobs(redis_url: str) -> list[str]:
    """The names of the jobs a worker is running now (RQ's started registry)."""
    from rq.registry import StartedJobRegistry

    return _job_names(StartedJobRegistry, redis_url)


def _failed_jobs(redis_url: str) -> set[str]:
    """The names of the jobs that failed (RQ's failed registry)."""
    from rq.registry import FailedJobRegistry

    return set(_job_names(FailedJobRegistry, redis_url))


def _job_names(registry_class, redis_url: str) -> list[str]:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    connection = Redis.from_url(redis_url)
    registry = registry_class(queue=Queue("forum", connection=connection))
    jobs = Job.fetch_many(registry.get_job_ids(), connection=connection)  # None for one gone meanwhile
    return [job.args[0] for job in jobs if job is not None and job.args]


def _fresh(engine) -> bool:
    with engine.connect() as conn:
        return not conn.execute(
            sa.text(
                "SELECT count(*) FROM comment c JOIN comment_embedding e ON e.comment_id = c.id "
                "WHERE e.created_at < c.edited_at"
            )
        ).scalar()


def test_redis_down_reads_and_writes_go_on(redis_binary, shared_pg_db, tmp_path):
    ids = seed(shared_pg_db, readers=2, comments=3)
    redis = RedisServer(tmp_path / "redis.log")
    server = Gunicorn(base_env(shared_pg_db, REDIS_URL=redis.url), tmp_path / "gunicorn.log")
    try:
        health = requests.get(f"{server.url}/healthz", timeout=30).json()
        assert health["status"] == "ok" and health["checks"]["queue"]["kind"] == "rq"
        http, token = sign_in(server.url, "reader0000")
        assert _post(http, token, server.url, "k1", "With Redis up.").status_code == 201
        from redis import Redis

        assert Redis.from_url(redis.url).llen("rq:queue:forum") == 1  # the embedding job was queued

        redis.stop()
        story = http.get(f"{server.url}/stories/prod-story", timeout=30)
        assert story.status_code == 200 and "With Redis up." in story.text
        health = requests.get(f"{server.url}/healthz", timeout=30)
        body = health.json()
        assert health.status_code == 503 and body["failed"] == ["queue"] and body["checks"]["database"]["ok"]
        assert "Redis did not answer" in body["checks"]["queue"]["error"]
        assert "reading, posting and voting still work" in body["checks"]["queue"]["error"]
        # writes still work: the comment is stored; its embedding waits for the sweep once Redis is back
        assert _post(http, token, server.url, "k2", "With Redis down.").status_code == 201
        form = form_token(http, f"{server.url}/stories/prod-story")
        page = http.post(
            f"{server.url}/stories/prod-story/comments",
            data={"csrf_token": form, "body": "With Redis down, from the form."},
            timeout=30,
        )  # the reader is told the map takes the comment in later
        assert page.status_code == 200 and "With Redis down, from the form." in page.text
        assert MAP_DELAYED in page.text
        vote = http.put(
            f"{server.url}/api/comments/{ids[0]}/vote",
            json={"vote": "agree"},
            headers={"X-CSRFToken": token},
            timeout=30,
        )
        assert vote.status_code == 200 and vote.json()["counts"]["agree"] == 1

        redis = RedisServer(tmp_path / "redis2.log", port=redis.port)
        wait_until(
            lambda: requests.get(f"{server.url}/healthz", timeout=30).status_code == 200,
            30,
            what="healthz 200 again",
        )
    finally:
        server.stop()
        redis.stop()


@pytest.mark.model
def _progress(engine) -> tuple[int, int]:
    """(comments embedded, map runs)"""
    with engine.connect() as conn:
        embedded = conn.execute(sa.text("SELECT count(*) FROM comment_embedding")).scalar()
        runs = conn.execute(sa.text("SELECT count(*) FROM map_run")).scalar()
    return embedded, runs


def _next_worker_finishes(env: dict, tmp_path, engine, n: int) -> None:
    """Start another worker (its sweep runs at start); wait for the n comments embedded and one map."""
    second = worker(env, tmp_path / "worker2.log")
    try:
        done = lambda: _progress(engine) == (n, 1)  # noqa: E731
        wait_until(done, 180, 0.5, what=f"embedding and the map ({second.log})")
    finally:
        second.stop()


def test_worker_killed_mid_job_the_map_still_completes(redis_binary, shared_pg_db, tmp_path):
    n = 150
    seed(shared_pg_db, comments=n, slug=f"killed-{uuid.uuid4().hex[:6]}")
    redis = RedisServer(tmp_path / "redis.log")
    env = base_env(shared_pg_db, REDIS_URL=redis.url, EMBEDDER="minilm", SWEEP_SECONDS="3600")
    engine = sa.create_engine(shared_pg_db, poolclass=sa.pool.NullPool)

    first = worker(env, tmp_path / "worker1.log")
    try:
        # the worker queues the sweep at start; the sweep embeds the 150 comments and computes the map, which
        # takes seconds. Killed as soon as RQ has marked the sweep started, the worker leaves it half done.
        wait_until(
            lambda: "sweep" in _started_jobs(redis.url),
            120,
            0.05,
            what=f"the worker starting the sweep ({first.log})",
        )
        first.stop(signal.SIGKILL)
        embedded, runs = _progress(engine)
        assert runs == 0, "the job finished before it could be killed: make it bigger"

        _next_worker_finishes(env, tmp_path, engine, n)
    finally:
        first.stop()
        redis.stop()
        engine.dispose()
    with sa.create_engine(shared_pg_db, poolclass=sa.pool.NullPool).connect() as conn:
        placed = conn.execute(sa.text("SELECT count(*) FROM viewpoint_member")).scalar()
        viewpoints = conn.execute(sa.text("SELECT count(*) FROM viewpoint WHERE active")).scalar()
    assert viewpoints >= 1 and placed > 0


def test_worker_killed_mid_embedding_batch_the_comments_are_embedded_and_mapped(
    redis_binary, shared_pg_db, tmp_path
):
    """A batched embedding job takes its comment ids out of the Redis set as it starts; killed before it
    commits, those ids are in neither Redis nor the database. The next worker's sweep finds the comments
    without embeddings, hands them to a new batch, and the map is computed after it."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    from forum.jobs import RQQueue

    n = 150
    ids = seed(shared_pg_db, comments=n, slug=f"batch-{uuid.uuid4().hex[:6]}")
    engine = sa.create_engine(shared_pg_db, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # a map computed a moment ago: the sweep has no map to recompute
        conn.execute(sa.text("UPDATE story SET map_computed_at = now()"))
    redis = RedisServer(tmp_path / "redis.log")
    env = base_env(shared_pg_db, REDIS_URL=redis.url, EMBEDDER="minilm", SWEEP_SECONDS="3600",
                   MAP_MIN_SECONDS="0")  # fmt: skip
    queue = RQQueue(redis.url)
    queue.enqueue("embed_and_place", ids)  # as the web processes do after posts commit
    connection = Redis.from_url(redis.url)
    registry = StartedJobRegistry(queue=Queue("forum", connection=connection))

    def embedding() -> bool:  # the batch has started and taken its ids out of the set
        jobs = (Job.fetch(i, connection=connection) for i in registry.get_job_ids())
        started = any(job.args[:1] == ("embed_and_place",) for job in jobs)
        return started and connection.scard(RQQueue.EMBED_IDS) == 0

    first = worker(env, tmp_path / "worker1.log")
    try:
        wait_until(embedding, 120, 0.01, what="the worker starting the embedding batch")
        first.stop(signal.SIGKILL)
        assert _progress(engine) == (0, 0), "the batch committed before it could be killed: make it bigger"

        _next_worker_finishes(env, tmp_path, engine, n)
    finally:
        first.stop()
        redis.stop()
        engine.dispose()


def test_idle_worker_stays_up_and_takes_later_work(redis_binary, shared_pg_db, tmp_path):
    """An idle worker waits on Redis longer than the web side's 5 s socket timeout; it used to quit then."""
    seed(shared_pg_db, readers=1)
    redis = RedisServer(tmp_path / "redis.log")
    env = base_env(shared_pg_db, REDIS_URL=redis.url, SWEEP_SECONDS="3600")
    idle = worker(env, tmp_path / "worker.log")
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    engine = sa.create_engine(shared_pg_db, poolclass=sa.pool.NullPool)
    try:
        wait_until(lambda: "execute_in_worker('sweep')" in idle.output(), 60, what="the worker's first sweep")
        time.sleep(12)  # idle for more than twice the web connection's socket timeout
        assert idle.proc.poll() is None, f"the idle worker exited:\n{idle.output()}"
        http, token = sign_in(server.url, "reader0000")
        response = _post(http, token, server.url, "later-1", "Posted after the worker sat idle.")
        assert response is not None and response.status_code == 201

        def embedded():
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM comment_embedding")).scalar()

        wait_until(lambda: embedded() == 1, 60, what=f"the comment embedded (worker log: {idle.log})")
    finally:
        server.stop()
        idle.stop()
        redis.stop()
        engine.dispose()
