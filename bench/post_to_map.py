"""Time from posting a comment to its place on the debate map, on the embedded default.

SQLite file, in-process worker thread, the packaged all-MiniLM-L6-v2 model (warm), the demo story with its
map computed. Comments are posted one after another (as readers would), and for each we measure the time
from the commit until its ViewpointMember row exists. Baseline in the same run: the raw model's time to
encode one comment (the floor for any pipeline that embeds before placing).

    python bench/post_to_map.py [--n 40] [--gap 0.25] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

TEXTS = [
    "If one lab pauses and the others don't, nothing is safer; the pledge was never going to survive that.",
    "This is exactly why we need binding rules: voluntary promises evaporate the moment they cost money.",
    "Risk reports every few months are better than nothing, but who checks them?",
    "The Pentagon angle worries me more than the pause itself.",
    "Self-regulation has failed in every industry that tried it. Why would AI be different?",
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=40, help="comments to post")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between posts")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from forum import create_app, jobs
    from forum.demo import generate_votes, load_demo
    from forum.extensions import db
    from forum.models import Story, User, ViewpointMember
    from forum.services import comments as comment_service
    from forum.services import mapping
    from forum.services.demo import seed_demo

    workdir = Path(tempfile.mkdtemp(prefix="post-to-map-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'forum.db'}",
            "SECRET_KEY": "bench",
            "FORUM_WORKER": "inprocess",
            "FORUM_EMBEDDER": "minilm",
            "FORUM_SWEEP_SECONDS": 3600,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        data = load_demo()
        story = seed_demo(data, generate_votes(data))
        db.session.commit()
        embedder = jobs.get_embedder()
        mapping.recompute_map(story, embedder, trigger="bench")
        db.session.commit()
        story_id = story.id
        authors = [u.id for u in db.session.scalars(select(User).limit(args.n))]
        raw = []
        for text in TEXTS * 4:  # warm, then the floor: one comment through the raw model
            t = time.perf_counter()
            embedder.model.encode([text], normalize_embeddings=True, show_progress_bar=False)
            raw.append(time.perf_counter() - t)
        raw = raw[len(TEXTS) :]
    queue = jobs.get_queue(app)
    queue.start()
    latencies = []
    for i in range(args.n):
        with app.app_context():
            story = db.session.get(Story, story_id)
            author = db.session.get(User, authors[i % len(authors)])
            comment = comment_service.post_comment(story, author, f"{TEXTS[i % len(TEXTS)]} ({i})")
            db.session.commit()
            cid = comment.id
            posted = time.perf_counter()
        while True:
            with app.app_context():
                if db.session.get(ViewpointMember, cid) is not None:
                    latencies.append(time.perf_counter() - posted)
                    break
            if time.perf_counter() - posted > 30:
                latencies.append(float("inf"))
                break
            time.sleep(0.005)
        time.sleep(args.gap)
    figures = {
        "posted": args.n,
        "placed_p50_s": percentile(latencies, 50),
        "placed_p95_s": percentile(latencies, 95),
        "placed_max_s": max(latencies),
        "raw_encode_one_p50_s": percentile(raw, 50),
        "raw_encode_one_p95_s": percentile(raw, 95),
    }
    print(f"Post -> place on the map, embedded default (SQLite, in-process worker, MiniLM warm), n={args.n}")
    print("| measure | p50 | p95 | max |\n|---|---|---|---|")
    print(
        f"| ours: commit -> comment on the map | {figures['placed_p50_s']:.3f} s "
        f"| {figures['placed_p95_s']:.3f} s "
        f"| {figures['placed_max_s']:.3f} s |"
    )
    print(
        f"| baseline: raw model encode of one comment | {figures['raw_encode_one_p50_s']:.3f} s "
        f"| {figures['raw_encode_one_p95_s']:.3f} s | {max(raw):.3f} s |"
    )
    print(f"target: p95 < 2 s -> {'met' if figures['placed_p95_s'] < 2 else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
