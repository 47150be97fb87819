"""The embedded default (SQLite, the in-process worker) under `gunicorn -w 2`: one sequential client
registers readers, posts comments and votes, and gets no 5xx (no "database is locked"); one background worker
serves both processes, and every comment is embedded at the end without `flask forum reembed`."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

import pytest
import requests

from harness.servers import Gunicorn, base_env, wait_until
from tests.factories import CSRF_RE, make_app
from tests.production.conftest import MIGRATIONS

READERS = int(os.environ.get("FORUM_PROD_SQLITE_READERS", "30"))  # more for a longer run by hand
POSTS_EACH = 3
VOTES_EACH = 6


def _seed(db_path: Path) -> str:
    app = make_app(f"sqlite:///{db_path}")
    with app.app_context():
        from flask_migrate import upgrade

        from forum.extensions import db
        from forum.models import Story

        upgrade(directory=MIGRATIONS)
        db.session.add(Story(slug="busy", headline="A busy story", question="Should we?", lede="", body=""))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return "busy"


class Client:
    """A sequential client that counts every answer by status."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.statuses: dict[int, int] = {}
        self.failures: list[str] = []

    def send(self, session: requests.Session, method: str, path: str, **kwargs) -> requests.Response:
        response = session.request(method, self.base + path, timeout=60, allow_redirects=False, **kwargs)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            self.failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return response

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def test_gunicorn_two_workers_on_sqlite_lose_nothing(tmp_path):
    db_path = tmp_path / "forum.db"
    slug = _seed(db_path)
    env = base_env(
        f"sqlite:///{db_path}", WORKER="inprocess", SWEEP_SECONDS="2", MAP_MIN_SECONDS="0", LOG_JSON="1"
    )
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=2, extra=["--no-control-socket"])
    client = Client(server.url)
    comment_ids: list[int] = []
    try:
        for i in range(READERS):
            s = requests.Session()
            page = client.send(s, "GET", "/register").text
            match = CSRF_RE.search(page)
            assert match, page[:300]
            form = {"csrf_token": match.group(1) or match.group(2), "username": f"load{i}"}
            form.update(password="correct horse", confirm="correct horse")
            if client.send(s, "POST", "/register", data=form).status_code != 303:
                continue
            csrf = {"X-CSRFToken": client.send(s, "GET", "/api/csrf-token").json()["csrf_token"]}
            for j in range(POSTS_EACH):
                verb = ["pause", "race", "regulate"][j % 3]
                body = {"body": f"Reader {i} argues point {j}: the labs should {verb}."}
                posted = client.send(s, "POST", f"/api/stories/{slug}/comments", json=body, headers=csrf)
                if posted.status_code == 201:
                    comment_ids.append(posted.json()["id"])
            for target in comment_ids[-POSTS_EACH - VOTES_EACH : -POSTS_EACH]:
                vote = {"vote": ["agree", "disagree", "pass"][(i + target) % 3]}
                client.send(s, "PUT", f"/api/comments/{target}/vote", json=vote, headers=csrf)
            client.send(s, "GET", f"/stories/{slug}")
            client.send(s, "GET", f"/api/stories/{slug}/comments?limit=5")

        def all_embedded():
            with sqlite3.connect(db_path, timeout=30) as conn:
                (missing,) = conn.execute(
                    "SELECT count(*) FROM comment c LEFT JOIN comment_embedding e ON e.comment_id = c.id "
                    "WHERE e.comment_id IS NULL"
                ).fetchone()
            return missing == 0

        started = time.monotonic()
        wait_until(all_embedded, 90, interval=1, what="every comment embedded")
        waited = time.monotonic() - started
    finally:
        server.stop()
    log = server.output() + Path(server.log).read_text(errors="replace")
    locked = len(re.findall(r"database is locked", log))
    print(
        f"\n{client.total} requests {dict(sorted(client.statuses.items()))}, {len(comment_ids)} comments, "
        f"{locked} lock errors in the log, all embedded {waited:.1f}s after the last request"
    )
    assert client.failures == []
    assert locked == 0, log[-3000:]
    assert len(comment_ids) == READERS * POSTS_EACH
    assert client.statuses.get(303) == READERS  # every registration went through
    # one background worker for the two processes: exactly one of them says it runs it
    assert len(re.findall(r"runs the background worker", log)) == 1, log[-3000:]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _hold_lock(path: str, ready, release) -> None:
    from forum.election import Election

    assert Election(path).try_lead(wait=False)
    ready.set()
    release.wait(30)


def test_one_process_leads_and_the_next_takes_over(tmp_path):
    import multiprocessing

    from forum.election import Election

    path = str(tmp_path / "forum.db.worker-lock")
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    leader = ctx.Process(target=_hold_lock, args=(path, ready, release))
    leader.start()
    try:
        assert ready.wait(30)
        election = Election(path)
        assert not election.try_lead(wait=False)  # another process leads
        assert election.leader_pid() == leader.pid
    finally:
        release.set()
        leader.join(30)
    assert election.try_lead(wait=True)  # the lock went with the process
    assert election.leader_pid() == os.getpid()


def test_jobs_reach_the_leader_and_nothing_else_does(tmp_path):
    import json
    import socket

    from forum.election import Election
    from forum.jobs import TASKS

    path = str(tmp_path / "forum.db.worker-lock")
    inbox = Election(path).listen()
    assert inbox is not None and Election(path).listen() is None  # one listener per address
    try:
        inbox.settimeout(5)
        sender = Election(path)
        sender.forward("embed_and_place", ([1, 2, 3],))
        assert Election.receive(inbox, TASKS) == ("embed_and_place", ([1, 2, 3],))
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        for junk in (b"not json", json.dumps(["rm -rf", []]).encode(), json.dumps({"a": 1}).encode()):
            raw.sendto(junk, sender.address)
            assert Election.receive(inbox, TASKS) is None
        raw.close()
    finally:
        inbox.close()
    with pytest.raises(OSError):  # no leader listening: the caller sees the queue as down
        sender.forward("sweep", ())
    sender.close()
