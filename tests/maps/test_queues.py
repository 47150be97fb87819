"""The real queues: the in-process worker thread, and RQ on the Redis server at 127.0.0.1:6379."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.extensions import db
from forum.models import CommentEmbedding, User
from forum.services import accounts
from forum.services import comments as comment_service
from tests.factories import make_app, make_story, require_or_skip

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _fresh_app(tmp_path, **config):
    from flask_migrate import upgrade

    app = make_app(f"sqlite:///{tmp_path / 'queue.db'}", **config)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    return app


def _post_comments(app, n=3):
    with app.app_context():
        story = make_story()
        author = accounts.register_user("queued", "long enough")
        for i in range(n):
            comment_service.post_comment(story, author, f"Queued comment number {i} about pauses.")
        db.session.commit()


def _embedded(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CommentEmbedding))


def test_inprocess_worker_thread_embeds_after_commit(tmp_path):
    app = _fresh_app(tmp_path, FORUM_WORKER="inprocess", FORUM_SWEEP_SECONDS=3600)
    queue = jobs.get_queue(app)
    assert isinstance(queue, jobs.InProcessQueue)
    _post_comments(app)
    assert queue.idle.wait(timeout=60), "the worker thread did not finish"
    assert _embedded(app) == 3


@pytest.fixture
def redis_app(tmp_path):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisConnectionError:
        require_or_skip("FORUM_REQUIRE_REDIS", f"Redis is not reachable at {REDIS_URL}")
    client.flushdb()
    app = _fresh_app(tmp_path, FORUM_WORKER="inprocess", FORUM_REDIS_URL=REDIS_URL)
    yield app
    client.flushdb()


@pytest.mark.redis
def test_rq_queue_and_worker_process_jobs(redis_app):
    queue = jobs.get_queue(redis_app)
    assert isinstance(queue, jobs.RQQueue)
    _post_comments(redis_app)
    assert queue.queue.count == 1, "one job for the committed batch"
    assert _embedded(redis_app) == 0, "the web side never embeds"
    with redis_app.app_context():
        jobs.run_worker(burst=True)
    assert _embedded(redis_app) == 3
    assert queue.queue.count == 0 and queue.queue.failed_job_registry.count == 0


@pytest.mark.redis
def test_redis_down_still_accepts_comments_and_sweep_catches_up(tmp_path):
    app = _fresh_app(tmp_path, FORUM_WORKER="rq", FORUM_REDIS_URL="redis://127.0.0.1:1/0")
    _post_comments(app, n=2)  # enqueue fails after commit: logged, not raised
    assert _embedded(app) == 0
    with app.app_context():
        jobs.run_task("sweep")
    assert _embedded(app) == 2


def _post_one_per_commit(app, n: int) -> list[int]:
    with app.app_context():
        story = make_story()
        author = accounts.register_user("burst", "long enough")
        ids = []
        for i in range(n):
            ids.append(comment_service.post_comment(story, author, f"Burst comment {i} on pauses.").id)
            db.session.commit()
        return ids


@pytest.mark.redis
def test_rq_batches_comments_posted_in_a_burst_into_one_job(redis_app):
    queue = jobs.get_queue(redis_app)
    ids = _post_one_per_commit(redis_app, 5)
    assert queue.queue.count == 1, "five commits, one waiting job: it takes every comment when it starts"
    assert sorted(int(i) for i in queue.connection.smembers(queue.EMBED_IDS)) == ids
    with redis_app.app_context():
        jobs.run_worker(burst=True)
    assert _embedded(redis_app) == 5
    assert queue.connection.scard(queue.EMBED_IDS) == 0
    with redis_app.app_context():  # a comment after the job ran gets a job of its own
        story = make_story(slug="later")
        comment_service.post_comment(story, db.session.get(User, 1), "A later comment on pledges.")
        db.session.commit()
    assert queue.queue.count == 1


@pytest.mark.redis
def test_rq_coalesces_opinion_jobs_while_one_waits(redis_app):
    from forum.services import votes

    queue = jobs.get_queue(redis_app)
    ids = _post_one_per_commit(redis_app, 3)
    queue.queue.empty()
    with redis_app.app_context():
        from forum.models import Comment

        story_id = db.session.get(Comment, ids[0]).story_id
        for i in range(4):
            voter = accounts.register_user(f"voter{i}", "long enough")
            votes.record_vote(ids[i % 3], voter, "agree")
            db.session.commit()
    queued = [job.args for job in queue.queue.jobs]
    assert queued == [("compute_opinions", story_id)], "four votes, one waiting opinions job"
    assert queue.starting("compute_opinions", (story_id,)) == (story_id,)
    with redis_app.app_context():  # once the job has started, new votes need a job of their own
        voter = accounts.register_user("late", "long enough")
        votes.record_vote(ids[0], voter, "disagree")
        db.session.commit()
    assert [job.args for job in queue.queue.jobs].count(("compute_opinions", story_id)) == 2


@pytest.mark.redis
def test_rq_failed_batch_puts_its_comments_back(redis_app, monkeypatch):
    queue = jobs.get_queue(redis_app)
    ids = _post_one_per_commit(redis_app, 3)

    def broken(comment_ids):
        raise RuntimeError("model crashed")

    worker = jobs.Worker(redis_app)
    monkeypatch.setitem(jobs.TASKS, "embed_and_place", broken)
    with pytest.raises(RuntimeError):
        worker.execute("embed_and_place")
    assert sorted(int(i) for i in queue.connection.smembers(queue.EMBED_IDS)) == ids, "kept for the retry"
    monkeypatch.undo()
    worker.execute("embed_and_place")  # the retry takes them
    assert _embedded(redis_app) == 3
