"""Opinion groups on Pol.is exports: our method versus Pol.is's own groups and the red-dwarf peer.

For each conversation folder with ``participants-votes.csv``: read it, compute our groups, and compare them
with Pol.is's ``group-id`` (participants with at least 7 votes and a group id) by the adjusted Rand index;
run red-dwarf (``reddwarf.implementations.polis.run_pipeline``) on the same votes and score it the same way.
``ours`` is the default (k up to 8 when a k > 5 clears the silhouette margin), ``ours-k5`` caps k at 5.
Each method runs in its own subprocess, so its time and peak memory (peak RSS above the RSS at start of the
computation, Linux ``VmHWM`` after a reset) are its own. A synthetic row (10k participants x 2k comments x
500k votes, three planted camps) measures scale.

    .venv/bin/python bench/polis_groups.py /work/shared/data/polis/* [--json FILE] [--no-scale]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SCALE = (10_000, 2_000, 500_000)


def synthetic_votes(n_p: int, n_c: int, n_votes: int, n_camps: int = 3, seed: int = 0) -> tuple:
    """Planted camps: each camp has a stance per comment; votes follow it with 15% noise."""
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, n_p * n_c, size=int(n_votes * 1.05)))
    keys = rng.permutation(keys)[:n_votes]
    p, c = keys // n_c, keys % n_c
    camp = rng.integers(0, n_camps, size=n_p)
    stance = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n_camps, n_c))
    v = stance[camp[p], c]
    r = rng.random(p.size)
    v = np.where(r < 0.1, -v, np.where(r < 0.15, 0, v)).astype(np.int8)
    return p, c, v, camp


def _load(source: str) -> dict:
    """Votes as index arrays plus the id maps; ``source`` is a folder or 'synthetic'."""
    if source == "synthetic":
        p, c, v, camp = synthetic_votes(*SCALE)
        n_p, n_c = SCALE[0], SCALE[1]
        return dict(
            p=p, c=c, v=v, pids=np.arange(n_p), cids=np.arange(n_c), excluded=np.zeros(n_c, bool), camp=camp
        )
    from forum.interop.polis import read_polis_export

    conv = read_polis_export(source)
    cids = np.array(sorted(x.id for x in conv.comments))
    pids = np.array(sorted(x.id for x in conv.participants))
    bad = {x.id for x in conv.comments if x.moderated == -1 or x.is_meta}
    vt = conv.votes
    return dict(
        p=np.searchsorted(pids, vt.participant), c=np.searchsorted(cids, vt.comment), v=vt.value,
        pids=pids, cids=cids, excluded=np.isin(cids, list(bad)),
        polis={x.id: x.group_id for x in conv.participants if x.group_id is not None},
    )  # fmt: skip


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _worker(method: str, source: str) -> dict:
    d = _load(source)
    if method == "reddwarf":
        from reddwarf.implementations.polis import run_pipeline

        votes = [
            {
                "participant_id": int(d["pids"][a]),
                "statement_id": int(d["cids"][b]),
                "vote": int(x),
                "modified": 0,
            }
            for a, b, x in zip(d["p"], d["c"], d["v"], strict=True)
        ]
        mod_out = [int(x) for x in d["cids"][d["excluded"]]]
    else:
        from forum.analysis.opinions import compute_opinion_groups

        params = {"max_k": 5} if method == "ours-k5" else {}
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark
    rss0 = _rss_kb("VmRSS")
    t0 = time.perf_counter()
    if method == "reddwarf":
        res = run_pipeline(votes=votes, mod_out_statement_ids=mod_out, random_state=0)
        df = res.participants_df
        lab = df["cluster_id"].dropna()
        labels = {int(i): int(g) for i, g in lab.items()}
    else:
        r = compute_opinion_groups(
            d["p"], d["c"], d["v"], len(d["pids"]), len(d["cids"]), d["excluded"], **params
        )
        labels = {int(d["pids"][i]): int(g) for i, g in enumerate(r.participant_group) if g >= 0}
    seconds = time.perf_counter() - t0
    peak = _rss_kb("VmHWM")
    out = {"seconds": seconds, "peak_mb": max(peak - rss0, 0) / 1024, "k": len(set(labels.values()))}
    if source == "synthetic":
        from sklearn.metrics import adjusted_rand_score

        ids = np.array(sorted(labels))
        out["ari_planted"] = (
            float(adjusted_rand_score(d["camp"][ids], [labels[i] for i in ids])) if ids.size else 0
        )
    else:
        out["labels"] = labels
    return out


def _run(method: str, source: str, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, source]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ari_vs_polis(d: dict, labels: dict) -> tuple[float, int]:
    from sklearn.metrics import adjusted_rand_score

    n_votes = np.bincount(d["p"], minlength=len(d["pids"]))
    ids = [int(d["pids"][i]) for i in np.flatnonzero(n_votes >= 7) if int(d["pids"][i]) in d["polis"]]
    if not ids:
        return float("nan"), 0
    return float(adjusted_rand_score([d["polis"][i] for i in ids], [labels.get(i, -1) for i in ids])), len(
        ids
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("--json", help="write per-conversation rows and means here")
    ap.add_argument("--no-scale", action="store_true", help="skip the synthetic 10k x 2k x 500k row")
    ap.add_argument("--no-reddwarf", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        print(json.dumps(_worker(*a.worker)))
        return 0
    methods = ["ours", "ours-k5"] + ([] if a.no_reddwarf else ["reddwarf"])
    rows = []
    head = f"{'conversation':38} {'n':>5} {'polis k':>7} | " + " | ".join(
        f"{m + ' ARI':>12} {'k':>2} {'s':>6} {'MB':>6}" for m in methods
    )
    print(head + "\n" + "-" * len(head))
    for src in a.dirs:
        if not (Path(src) / "participants-votes.csv").is_file():
            continue
        d = _load(src)
        row = {"conversation": Path(src).name, "polis_k": len(set(d["polis"].values()))}
        for m in methods:
            r = _run(m, src, a.timeout)
            if "labels" in r:
                r["ari"], row["n_compared"] = _ari_vs_polis(
                    d, {int(k): v for k, v in r.pop("labels").items()}
                )
            row[m] = r
        rows.append(row)
        print(_fmt(row, methods))
    if not a.no_scale:
        row = {"conversation": "synthetic {}x{}x{}".format(*SCALE), "polis_k": 3, "n_compared": SCALE[0]}
        for m in methods:
            row[m] = _run(m, "synthetic", a.timeout)
            row[m]["ari"] = row[m].get("ari_planted", float("nan"))
        print(_fmt(row, methods, note="(ARI vs planted camps)"))
        rows.append(row)
    real = [r for r in rows if not r["conversation"].startswith("synthetic")]
    means = {
        m: {k: float(np.mean([r[m][k] for r in real if k in r[m]])) for k in ("ari", "seconds", "peak_mb")}
        for m in methods
        if real
    }
    for m, v in means.items():
        print(f"mean {m}: ARI {v['ari']:.3f}, {v['seconds']:.2f} s, {v['peak_mb']:.0f} MB")
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "means": means}, indent=1))
    return 0


def _fmt(row: dict, methods: list[str], note: str = "") -> str:
    parts = []
    for m in methods:
        r = row[m]
        if "error" in r:
            parts.append(f"{r['error'][:36]:>36}")
        else:
            parts.append(f"{r['ari']:12.3f} {r['k']:2d} {r['seconds']:6.2f} {r['peak_mb']:6.0f}")
    n = row.get("n_compared", 0)
    return f"{row['conversation'][:38]:38} {n:5d} {row['polis_k']:7d} | " + " | ".join(parts) + f" {note}"


if __name__ == "__main__":
    sys.exit(main())
