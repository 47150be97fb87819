"""Load on the forum: gunicorn (2 sync workers) on PostgreSQL, loopback only, bounded in time.

Rows: a bare Flask "hello" route (the ceiling, served the same way), a story page with 300 comments, the
debate-map page, the widget's map frame, voting, and posting comments; each at 8, 32 and 128 concurrent
clients for ``--duration`` seconds. Then a posting burst of ``--burst`` seconds with a real RQ worker
(the packaged MiniLM model) on a throwaway Redis, reporting how far embeddings and map updates fall behind.

    .venv/bin/python bench/load.py --duration 5 --burst 60

The load generator is a small asyncio HTTP/1.1 client in this process (one connection per request, as
gunicorn's sync workers close them); it shares the machine's cores with the server, so figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from harness.databases import PG_ADMIN_URL, create_database, drop_database  # noqa: E402
from harness.servers import Gunicorn, Process, RedisServer, base_env, free_port, worker  # noqa: E402

SLUG = "load-story"
PASSWORD = "correct horse"  # every seeded reader's


def seed(url: str, readers: int) -> dict:
    """300 comments (60 threads of 1 + 4 replies) by 300 authors, a computed debate map, and readers."""
    from forum import create_app
    from forum.analysis.embedders import make_embedder
    from forum.extensions import db
    from forum.models import Comment, Story, User
    from forum.sanitize import render_comment
    from forum.services import mapping

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "FORUM_WORKER": "manual",
            "FORUM_EMBEDDER": "fake",
            "SECRET_KEY": "x",
        }
    )
    words = "pause pledges regulation competitors safety military deadline lawmakers public investors".split()  # noqa: SIM905
    with app.app_context():
        story = Story(slug=SLUG, headline="Load", question="Agree?", lede="", body="", map_auto_publish=True)
        template = User(username="template", display_name="-")
        template.set_password(PASSWORD)
        db.session.add(story)
        db.session.flush()
        people = [
            User(username=f"author{i:04d}", display_name=f"Author {i}", password_hash=template.password_hash)
            for i in range(300)
        ]
        people += [
            User(username=f"reader{i:04d}", display_name=f"Reader {i}", password_hash=template.password_hash)
            for i in range(readers)
        ]
        db.session.add_all(people)
        db.session.flush()
        rng = random.Random(0)
        ids = []
        for t in range(60):
            root = None
            for k in range(5):
                n = t * 5 + k
                body = (
                    f"Comment {n}: " + " ".join(rng.sample(words, 5)) + f" matter most, case {n * 37 % 101}."
                )
                c = Comment(story_id=story.id, author_id=people[n].id, body=body, depth=1 if root else 0,
                            body_html=render_comment(body), parent_id=root and root.id,
                            root_id=root and root.id,
                            agree_count=rng.randint(0, 30), disagree_count=rng.randint(0, 30))  # fmt: skip
                db.session.add(c)
                db.session.flush()
                root = root or c
                ids.append(c.id)
        db.session.commit()
        mapping.recompute_map(story, make_embedder("fake"), trigger="bench")
        db.session.commit()
        info = {"story_id": story.id, "comment_ids": ids}
        db.session.remove()
        db.engine.dispose()
    return info


async def _request(port: int, raw: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return status, time.perf_counter() - started


def _raw(method: str, path: str, headers: dict | None = None, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _cell(port: int, clients: int, seconds: float, make, rate: float = 0.0) -> dict:
    """``clients`` connections in a closed loop for ``seconds``; with ``rate``, requests start on a schedule
    of ``rate`` per second in all (open loop: a late request starts at once, none are skipped)."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def client(i: int) -> None:
        nonlocal errors
        n = 0
        while time.perf_counter() < deadline:
            if rate:
                due = start + (n * clients + i) / rate
                if due >= deadline:
                    break
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                status, latency = await _request(port, make(i, n))
            except OSError:
                status, latency = 0, 0.0
            n += 1
            if 200 <= status < 300:
                latencies.append(latency)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pick(q):
        return (
            1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
        )  # noqa: E731

    return {
        "rps": len(latencies) / elapsed,
        "p50": pick(0.5),
        "p99": pick(0.99),
        "errors": errors,
        "ok": len(latencies),
    }


def sign_in_all(base: str, n: int) -> list[dict]:
    out = []
    for i in range(n):
        http = requests.Session()
        token = http.get(base + "/api/csrf-token", timeout=30).json()["csrf_token"]
        r = http.post(
            base + "/api/session",
            json={"username": f"reader{i:04d}", "password": PASSWORD},
            headers={"X-CSRFToken": token},
            timeout=30,
        )
        r.raise_for_status()
        out.append(
            {
                "Cookie": f"session={http.cookies['session']}",
                "X-CSRFToken": token,
                "Content-Type": "application/json",
            }
        )
    return out


def _post_maker(auth: list[dict], tag: str):
    words = "pause pledges regulation competitors safety military deadline lawmakers public openness".split()  # noqa: SIM905

    def make(i: int, n: int) -> bytes:
        rng = random.Random(hash((tag, i, n)))
        body = json.dumps({"body": f"{tag} {i}-{n}: " + " ".join(rng.sample(words, 6)) + "."}).encode()
        return _raw("POST", f"/api/stories/{SLUG}/comments", auth[i], body)

    return make


def run_rows(
    forum: Gunicorn,
    hello: Gunicorn,
    info: dict,
    auth: list[dict],
    clients: list[int],
    seconds: float,
    widget: bool,
    only: list[str] | None = None,
):
    ids = info["comment_ids"]
    rows = {
        "hello (ceiling)": (hello.port, lambda i, n: _raw("GET", "/")),
        "story page, 300 comments": (forum.port, lambda i, n: _raw("GET", f"/stories/{SLUG}")),
        "debate-map page": (forum.port, lambda i, n: _raw("GET", f"/stories/{SLUG}/map")),
    }
    if widget:
        rows["widget map frame"] = (forum.port, lambda i, n: _raw("GET", f"/widget/map/{info['story_id']}"))
    choices = ["agree", "disagree", "pass"]
    rows["vote (PUT /api/.../vote)"] = (
        forum.port,
        lambda i, n: _raw(
            "PUT",
            f"/api/comments/{ids[(i * 7 + n) % len(ids)]}/vote",
            auth[i],
            json.dumps({"vote": choices[n % 3]}).encode(),
        ),
    )
    rows["post comment (API)"] = (forum.port, _post_maker(auth, "Load"))
    if only:  # the ceiling always runs: figures are only comparable within one run
        rows = {k: v for k, v in rows.items() if k.startswith("hello") or any(o in k for o in only)}
    results = {}
    for name, (port, make) in rows.items():
        server = hello if port == hello.port else forum
        for c in clients:
            web, db = _cpu_seconds(_tree(server.proc.pid)), _cpu_seconds(_postgres_pids())
            results[(name, c)] = r = asyncio.run(_cell(port, c, seconds, make))
            done = r["ok"] + r["errors"]
            r["web_cpu_ms"] = 1000 * (_cpu_seconds(_tree(server.proc.pid)) - web) / max(1, done)
            r["db_cpu_ms"] = 1000 * (_cpu_seconds(_postgres_pids()) - db) / max(1, done)
            print(
                f"  {name:28s} {c:4d} clients: {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  "
                f"p99 {r['p99']:7.1f} ms  errors {r['errors']}  CPU per request: web "
                f"{r['web_cpu_ms']:.2f} ms, PostgreSQL {r['db_cpu_ms']:.2f} ms",
                flush=True,
            )
    return results


# CPU time per request, from /proc: it leaves out the time a process waits for a core, which is how other
# tenants of a shared machine slow the throughput figures most.
_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return raw[raw.rindex(")") + 2 :].split()  # fields after "(comm)": state is [0], ppid [1], utime [11]


def _tree(root: int) -> list[int]:
    """``root`` and its children (gunicorn's master and its workers)."""
    return [root] + [
        int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and _ppid(int(d.name)) == root
    ]


def _ppid(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[1]) if fields else -1


def _postgres_pids() -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if (d / "comm").read_text().strip() == "postgres":
                    pids.append(int(d.name))
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes, children they have waited for included (a PostgreSQL backend
    that ended is counted in its postmaster's cutime)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += sum(int(x) for x in fields[11:15])
    return total / _TICK


def _renice(pid: int, nice: int) -> None:
    """Lower a process's CPU priority, all its threads, and its autogroup's: each server here runs in a
    session of its own, and with autogroup scheduling the kernel shares CPU between sessions before nice
    values count (as systemd shares it between services by CPUWeight)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def burst(
    url: str, info: dict, auth: list[dict], seconds: float, tmp: Path, rate: float = 0.0, worker_nice: int = 0
) -> dict:
    """Post at 32 clients for ``seconds`` with one RQ worker (real model) running; sample the lag."""
    redis = RedisServer(tmp / "redis.log")
    env = base_env(url, REDIS_URL=redis.url, EMBEDDER="minilm")
    work = worker(env, tmp / "worker.log")
    if worker_nice:  # web first: the worker embeds with the CPU the web processes leave
        _renice(work.proc.pid, worker_nice)
    server = Gunicorn(env, tmp / "gunicorn-burst.log")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    # Per published comment: embedded yet? on the map yet (a viewpoint membership, placed at once or by a
    # full recomputation)? in a full recomputation yet (membership source "map")? The lag of each is the age
    # of the oldest comment that is not.
    lag_sql = sa.text(
        "SELECT count(*) FILTER (WHERE e.comment_id IS NULL),"
        " min(c.created_at) FILTER (WHERE e.comment_id IS NULL),"
        " min(c.created_at) FILTER (WHERE m.comment_id IS NULL),"
        " min(c.created_at) FILTER (WHERE m.source IS DISTINCT FROM 'map'),"
        " (SELECT count(*) FROM map_run WHERE story_id = :s) "
        "FROM comment c LEFT JOIN comment_embedding e ON e.comment_id = c.id "
        "LEFT JOIN viewpoint_member m ON m.comment_id = c.id "
        "WHERE c.story_id = :s AND c.status = 'published'"
    )

    def sample() -> tuple[int, float, int, float, float]:
        """(backlog, embedding lag, map runs, placement lag, full-map lag)"""
        with engine.connect() as conn:
            n, *oldest, runs = conn.execute(lag_sql, {"s": info["story_id"]}).one()
        now = datetime.now(UTC)
        embed, place, full = ((now - t).total_seconds() if t else 0.0 for t in oldest)
        return n, embed, runs, place, full

    with engine.begin() as conn:  # the rows above posted comments nobody embedded: not this burst's backlog
        conn.execute(
            sa.text("DELETE FROM comment WHERE story_id = :s AND NOT (id = ANY(:keep))"),
            {"s": info["story_id"], "keep": info["comment_ids"]},
        )
    try:
        time.sleep(15)  # let the worker load the model and the sweep settle
        auth2 = sign_in_all(server.url, 32)
        samples: list[tuple[float, int, float, int, float, float]] = []
        t0 = time.monotonic()
        done = {}

        async def drive():
            task = asyncio.create_task(_cell(server.port, 32, seconds, _post_maker(auth2, "Burst"), rate))
            while not task.done():
                await asyncio.sleep(2)
                samples.append((time.monotonic() - t0, *await asyncio.to_thread(sample)))
            done["cell"] = task.result()

        asyncio.run(drive())
        burst_end = time.monotonic() - t0
        runs_at_end = samples[-1][3] if samples else 0
        while time.monotonic() - t0 < burst_end + 240:
            samples.append((time.monotonic() - t0, *sample()))
            if samples[-1][1] == 0 and samples[-1][3] > runs_at_end and samples[-1][5] == 0:
                break
            time.sleep(2)
        caught_up = next((s[0] for s in samples if s[0] > burst_end and s[1] == 0), None)
        in_burst = [s for s in samples if s[0] <= burst_end] or samples
        return {
            "posted_per_s": done["cell"]["rps"],
            "posted": done["cell"]["ok"],
            "max_lag_s": max(s[2] for s in samples),
            "max_place_lag_s": max(s[4] for s in samples),
            "max_full_lag_s": max(s[5] for s in in_burst),
            "full_lag_at_end_s": samples[-1][5],
            "max_backlog": max(s[1] for s in samples),
            "caught_up_after_s": None if caught_up is None else caught_up - burst_end,
            "map_runs": (samples[0][3], samples[-1][3]),
        }
    finally:
        server.stop()
        work.stop()
        redis.stop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per cell")
    parser.add_argument("--clients", default="8,32,128")
    parser.add_argument("--burst", type=float, default=60.0, help="posting burst with a real worker; 0 skips")
    parser.add_argument(
        "--burst-rate", type=float, default=0.0, help="burst posts offered per second (0: flat out)"
    )
    parser.add_argument("--worker-nice", type=int, default=0, help="nice value of the burst's worker")
    parser.add_argument(
        "--only", default="", help="comma-separated parts of row names to run (hello always runs)"
    )
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    tmp = Path(f"/tmp/forum-load-{os.getpid()}")
    tmp.mkdir(exist_ok=True)
    url = create_database(PG_ADMIN_URL)
    try:
        info = seed(url, readers=max(clients))
        env = base_env(url, WORKER="manual")
        forum = Gunicorn(env, tmp / "gunicorn.log")
        hello_env = dict(env, PYTHONPATH=str(ROOT / "bench"))
        hello = Gunicorn.__new__(Gunicorn)
        hello.port = free_port()
        hello.url = f"http://127.0.0.1:{hello.port}"
        Process.__init__(
            hello,
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{hello.port}",
                "hello_app:app",
            ],
            hello_env,
            tmp / "hello.log",
        )
        time.sleep(3)
        try:
            widget = requests.get(f"{forum.url}/widget/map/{info['story_id']}", timeout=30).status_code == 200
            auth = sign_in_all(forum.url, max(clients))
            print(
                f"gunicorn -w 2 (sync) on PostgreSQL; {args.duration:.0f}s per cell; "
                f"{os.cpu_count()} CPU cores shared with the client"
            )
            only = [o for o in args.only.split(",") if o]
            results = run_rows(forum, hello, info, auth, clients, args.duration, widget, only)
        finally:
            forum.stop()
            hello.stop()
        print()
        print("| row | " + " | ".join(f"{c} clients: req/s, p50 / p99 ms" for c in clients) + " |")
        print("|---|" + "---|" * len(clients))
        names = list(dict.fromkeys(name for name, _ in results))
        for name in names:
            cells = [results[(name, c)] for c in clients]
            print(
                f"| {name} | "
                + " | ".join(
                    f"{r['rps']:.0f}, {r['p50']:.0f} / {r['p99']:.0f}"
                    + (f" ({r['errors']} err)" if r["errors"] else "")
                    for r in cells
                )
                + " |"
            )
        mid = clients[len(clients) // 2]
        print(f"\n| row | CPU per request at {mid} clients: gunicorn ms | PostgreSQL ms |\n|---|---|---|")
        for name in names:
            r = results[(name, mid)]
            print(f"| {name} | {r['web_cpu_ms']:.2f} | {r['db_cpu_ms']:.2f} |")
        hello32 = results.get(("hello (ceiling)", 32), {}).get("rps")
        story32 = results.get(("story page, 300 comments", 32), {})
        if hello32 and story32:
            print(
                f"\nstory page at 32 clients: {100 * story32['rps'] / hello32:.0f}% of hello's throughput, "
                f"p99 {story32['p99']:.0f} ms"
            )
        if args.burst > 0:
            b = burst(url, info, auth, args.burst, tmp, args.burst_rate, args.worker_nice)
            after = b["caught_up_after_s"]
            caught = "NOT within 240s" if after is None else f"{after:.0f}s after the burst"
            offered = f" (offered {args.burst_rate:.0f}/s)" if args.burst_rate else ""
            print(
                f"\nburst: {b['posted']} comments in {args.burst:.0f}s = {b['posted_per_s']:.0f}/s at 32 "
                f"clients{offered} with 1 RQ worker (MiniLM); lag max: embedding {b['max_lag_s']:.0f}s, "
                f"on the map {b['max_place_lag_s']:.0f}s, in a full recomputation "
                f"{b['max_full_lag_s']:.0f}s (during the burst) (backlog max {b['max_backlog']}); "
                f"caught up {caught}; map runs {b['map_runs'][0]} -> {b['map_runs'][1]}, "
                f"full-map lag at the end {b['full_lag_at_end_s']:.0f}s"
            )
    finally:
        drop_database(PG_ADMIN_URL, url)


if __name__ == "__main__":
    main()
