"""Hundreds of readers posting and voting at once against gunicorn (2 workers) on PostgreSQL: every accepted
comment and vote is stored exactly once, the counts match, and a double-submitted form posts one comment."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from harness.servers import Gunicorn, base_env
from tests.production.conftest import form_token, seed, sign_in

READERS = int(os.environ.get("FORUM_PROD_READERS", "200"))
SEED_COMMENTS = 12
VOTES_EACH = 4
CHOICES = {"agree": 1, "disagree": -1, "pass": 0}


def _reader(base: str, i: int, seed_ids: list[int], barrier: threading.Barrier) -> dict:
    rng = random.Random(i)
    http, token = sign_in(base, f"reader{i:04d}")
    form = form_token(http, f"{base}/stories/prod-story")
    key = f"key-{i}"
    data = {
        "csrf_token": form,
        "body": f"Reader {i} thinks the pause is {'wise' if i % 2 else 'pointless'}.",
        "side": "agree",
        "idempotency_key": key,
    }
    double = i % 4 == 0  # every fourth reader double-clicks: the same form twice at the same moment
    barrier.wait(timeout=60)
    posts = 2 if double else 1
    with ThreadPoolExecutor(posts) as pool:
        responses = list(
            pool.map(
                lambda _: http.post(
                    f"{base}/stories/prod-story/comments",
                    data=data,
                    headers={"Accept": "application/json"},
                    timeout=60,
                ),
                range(posts),
            )
        )
    assert all(r.status_code == 201 for r in responses), [(r.status_code, r.text[:200]) for r in responses]
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1, f"a double-submitted form created {len(ids)} comments"
    final: dict[int, str] = {}
    for comment_id in rng.sample(seed_ids, VOTES_EACH):
        for choice in rng.sample(list(CHOICES), rng.choice([1, 2])):  # some readers change their mind
            r = http.put(
                f"{base}/api/comments/{comment_id}/vote",
                json={"vote": choice},
                headers={"X-CSRFToken": token},
                timeout=60,
            )
            assert r.status_code == 200, r.text[:200]
            final[comment_id] = choice
    return {"reader": i, "comment": ids.pop(), "body": data["body"], "key": key, "votes": final}


@pytest.mark.slow
def test_readers_posting_and_voting_at_once(shared_pg_db, tmp_path):
    seed_ids = seed(shared_pg_db, readers=READERS, comments=SEED_COMMENTS)
    server = Gunicorn(
        base_env(shared_pg_db, WORKER=os.environ.get("FORUM_PROD_WORKER", "manual"), SWEEP_SECONDS="3600"),
        tmp_path / "gunicorn.log",
    )
    try:
        barrier = threading.Barrier(READERS)
        started = time.monotonic()
        with ThreadPoolExecutor(READERS) as pool:
            results = list(pool.map(lambda i: _reader(server.url, i, seed_ids, barrier), range(READERS)))
        print(f"{READERS} readers done in {time.monotonic() - started:.1f}s")
    finally:
        server.stop()

    engine = sa.create_engine(shared_pg_db)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.id, c.body, c.idempotency_key, u.username FROM comment c "
                "JOIN \"user\" u ON u.id = c.author_id WHERE u.username LIKE 'reader%'"
            )
        ).all()
        votes = conn.execute(
            sa.text('SELECT v.comment_id, u.username, v.value FROM vote v JOIN "user" u ON u.id = v.user_id')
        ).all()
        counts = {
            r.id: (r.agree_count, r.disagree_count, r.pass_count)
            for r in conn.execute(
                sa.text(
                    "SELECT id, agree_count, disagree_count, pass_count FROM comment WHERE id = ANY(:ids)"
                ),
                {"ids": seed_ids},
            )
        }
    engine.dispose()

    # every accepted comment stored exactly once, with its text
    assert len(rows) == READERS
    stored = {row.id: row for row in rows}
    for result in results:
        row = stored[result["comment"]]
        assert (row.body, row.idempotency_key, row.username) == (
            result["body"],
            result["key"],
            f"reader{result['reader']:04d}",
        )
    # every vote stored exactly once, with the reader's last choice
    pairs = Counter((v.comment_id, v.username) for v in votes)
    assert max(pairs.values()) == 1
    expected = {
        (cid, f"reader{r['reader']:04d}"): CHOICES[choice]
        for r in results
        for cid, choice in r["votes"].items()
    }
    assert {(v.comment_id, v.username): v.value for v in votes} == expected
    # and the counts on the comments match the votes
    for cid in seed_ids:
        values = [value for (comment_id, _), value in expected.items() if comment_id == cid]
        assert counts[cid] == (values.count(1), values.count(-1), values.count(0)), cid
