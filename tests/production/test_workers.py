"""Several `flask forum worker` processes on one Redis queue and one PostgreSQL database, while readers post
and vote: the batched embedding jobs, the sweep, the map recomputations and the opinion-group jobs of one
story run on different workers at the same time. Afterwards every published comment has one embedding and
sits in exactly one active viewpoint, the viewpoints' member counts match their members, the opinion groups
count every vote, and no job failed."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from harness.servers import Gunicorn, RedisServer, base_env, wait_until, worker
from tests.production.conftest import TOPICS, seed, sign_in

pytestmark = pytest.mark.slow

WORKERS = 3
READERS = int(os.environ.get("FORUM_PROD_WORKER_READERS", "40"))
POSTS_EACH = 8

STATE_SQL = sa.text(
    """
    SELECT
      (SELECT count(*) FROM comment WHERE status = 'published') AS published,
      (SELECT count(*) FROM comment c JOIN comment_embedding e ON e.comment_id = c.id
        WHERE c.status = 'published') AS embedded,
      (SELECT count(*) FROM comment c JOIN viewpoint_member m ON m.comment_id = c.id
        JOIN viewpoint v ON v.id = m.viewpoint_id AND v.active
        WHERE c.status = 'published') AS on_map,
      (SELECT count(*) FROM map_run) AS runs,
      (SELECT count(*) FROM vote) AS votes,
      (SELECT max(n_votes) FROM opinion_result) AS opinion_votes
    """
)


def _post_all(base: str, i: int, seed_ids: list[int]) -> list[int]:
    http, token = sign_in(base, f"reader{i:04d}")
    ids = []
    for n in range(POSTS_EACH):
        vote = http.put(
            f"{base}/api/comments/{seed_ids[(i * 3 + n) % len(seed_ids)]}/vote",
            json={"vote": ("agree", "disagree", "pass")[(i + n) % 3]},
            headers={"X-CSRFToken": token},
            timeout=60,
        )
        assert vote.status_code == 200, vote.text[:200]
        topic, other = TOPICS[(i + n) % len(TOPICS)], TOPICS[(i * 5 + n * 3 + 1) % len(TOPICS)]
        body = f"Reader {i}, point {n}: {topic} should come before {other}, for reason {i * 31 + n * 7}."
        r = http.post(
            f"{base}/api/stories/prod-story/comments",
            json={"body": body},
            headers={"X-CSRFToken": token},
            timeout=60,
        )
        assert r.status_code == 201, r.text[:200]
        ids.append(r.json()["id"])
    return ids


def test_workers_racing_on_one_story_keep_the_map_whole(redis_binary, shared_pg_db, tmp_path):
    seed_ids = seed(shared_pg_db, readers=READERS, comments=40)
    redis = RedisServer(tmp_path / "redis.log")
    # Sweep every second and recompute the map as often as it goes stale: the most overlap between jobs.
    env = base_env(shared_pg_db, REDIS_URL=redis.url, SWEEP_SECONDS="1", MAP_MIN_SECONDS="0")
    workers = [worker(env, tmp_path / f"worker{k}.log") for k in range(WORKERS)]
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    engine = sa.create_engine(shared_pg_db, poolclass=sa.pool.NullPool)

    def state():
        with engine.connect() as conn:
            return conn.execute(STATE_SQL).one()

    try:
        wait_until(lambda: state().runs >= 1, 120, what="the first map")
        with ThreadPoolExecutor(READERS) as pool:
            batches = pool.map(lambda i: _post_all(server.url, i, seed_ids), range(READERS))
            posted = [i for ids in batches for i in ids]
        assert len(set(posted)) == READERS * POSTS_EACH

        def settled():
            s = state()
            done = s.published == s.embedded == s.on_map and s.votes == s.opinion_votes
            return done and _queue_idle(redis.url)

        wait_until(settled, 180, 0.5, what=f"every comment embedded and on the map ({tmp_path})")
        for w in workers:
            assert w.proc.poll() is None, f"a worker exited:\n{w.output()}"
    finally:
        server.stop()
        for w in workers:
            w.stop()
        redis.stop()

    with engine.connect() as conn:
        published = conn.execute(sa.text("SELECT count(*) FROM comment WHERE status = 'published'")).scalar()
        assert published >= len(posted)  # the near-duplicate check holds none of these different texts
        # one embedding and one membership per comment (primary keys), each membership in an active viewpoint
        stray = conn.execute(
            sa.text(
                "SELECT count(*) FROM viewpoint_member m JOIN viewpoint v ON v.id = m.viewpoint_id "
                "WHERE NOT v.active"
            )
        ).scalar()
        assert stray == 0, "members left in viewpoints a later map retired"
        counts = conn.execute(
            sa.text(
                "SELECT v.id, v.n_members, count(m.comment_id) FROM viewpoint v "
                "LEFT JOIN viewpoint_member m ON m.viewpoint_id = v.id WHERE v.active GROUP BY v.id"
            )
        ).all()
        assert counts and all(n == members for _, n, members in counts), counts
        story = conn.execute(sa.text("SELECT map_changes_pending FROM story")).scalar()
        assert story >= 0
    engine.dispose()
    logs = "".join(w.log.read_text(errors="replace") for w in workers)
    assert "Traceback" not in logs, logs[-3000:]


def _queue_idle(url: str) -> bool:
    from redis import Redis
    from rq import Queue
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    queue = Queue("forum", connection=Redis.from_url(url))
    failed = FailedJobRegistry(queue=queue).get_job_ids()
    assert not failed, f"jobs failed: {failed}"
    return len(queue) == 0 and not StartedJobRegistry(queue=queue).get_job_ids()


def test_the_map_lock_keeps_map_writers_apart_but_not_votes(shared_pg_db):
    """While a worker holds a story's map lock, a second map writer waits, and a vote on the story does not:
    the vote's own statements (row lock on the comment, upsert with its foreign key to the story) run."""
    from datetime import UTC, datetime

    from forum.extensions import db
    from forum.models import Story
    from forum.services import votes
    from forum.services.locks import lock_stories
    from forum.services.rows import upsert
    from tests.factories import make_app

    comment_ids = seed(shared_pg_db, readers=1, comments=1)
    app = make_app(shared_pg_db)
    other = sa.create_engine(shared_pg_db, poolclass=sa.pool.NullPool)
    with app.app_context():
        story_id = db.session.scalar(sa.select(Story.id))
        reader_id = db.session.scalar(sa.text("SELECT id FROM \"user\" WHERE username = 'reader0000'"))
        lock_stories([story_id])  # held until this transaction ends
        try:
            with other.connect() as conn:
                conn.execute(sa.text("SET lock_timeout = '2s'"))
                locked = conn.execute(votes._LOCK, {"comment_id": comment_ids[0]}).one()
                assert locked.story_id == story_id
                now = datetime.now(UTC)
                vote_upsert = upsert(votes._V, "postgresql", ("comment_id", "user_id"), ("value",))
                conn.execute(
                    vote_upsert,
                    {"story_id": story_id, "comment_id": comment_ids[0], "user_id": reader_id, "value": 1,
                     "created_at": now, "updated_at": now},
                )  # fmt: skip
                conn.commit()
                conn.execute(sa.text("SET lock_timeout = '300ms'"))
                with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                    conn.execute(
                        sa.select(Story.id).where(Story.id == story_id).with_for_update(key_share=True)
                    )
                conn.rollback()
        finally:
            db.session.rollback()
        with other.connect() as conn:  # released with the transaction
            conn.execute(sa.text("SET lock_timeout = '2s'"))
            conn.execute(sa.select(Story.id).where(Story.id == story_id).with_for_update(key_share=True))
            assert conn.execute(sa.text("SELECT count(*) FROM vote")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
    other.dispose()
