"""Opinion groups on Pol.is exports: our method versus Pol.is's own groups and the red-dwarf peer.

Per conversation and as means: ARI against Pol.is's group-id; hidden-vote log-loss gain and accuracy (a
seeded 10% of the votes of participants with 7+ votes hidden, groups computed on the rest, each hidden vote
predicted from its voter's group; see ``bench/vote_prediction.py``) for ours, ours-k5, ours-predict,
red-dwarf and Pol.is's own group-id (computed by Pol.is with the hidden votes); stability (mean ARI between
the groups from all votes and from five seeded 90% subsamples; not for Pol.is, whose groups cannot be
recomputed). ``demo`` (the demo story's simulated votes) and ``planted`` (a synthetic conversation with
four planted camps) are accepted as sources too. Results per (method, source, code) are cached in
``bench/out/cache`` so reruns only compute what changed.

For each conversation folder with ``participants-votes.csv``: read it, compute our groups, and compare them
with Pol.is's ``group-id`` (participants with at least 7 votes and a group id) by the adjusted Rand index;
run red-dwarf (``reddwarf.implementations.polis.run_pipeline``) on the same votes and score it the same way.
``ours`` is the default (k up to 5), ``ours-k5`` passes ``max_k=5`` explicitly (the same now; kept so the
columns line up with earlier runs), ``ours-predict`` chooses k by held-out prediction (``k_rule="predict"``).
Each method runs in its own subprocess, so its time and peak memory (peak RSS above the RSS at start of the
computation, Linux ``VmHWM`` after a reset) are its own. A synthetic row (10k participants x 2k comments x
500k votes, three planted camps) measures scale.

    .venv/bin/python bench/polis_groups.py ../shared/data/polis/* demo planted [--json FILE] [--no-scale]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for _p in (ROOT, ROOT / "bench"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))
import vote_prediction as vp  # noqa: E402

SCALE = (10_000, 2_000, 500_000)
PLANTED = (400, 120, 30_000, 4)
CACHE = ROOT / "bench" / "out" / "cache"
PARAMS = {
    "ours": {},
    "ours-k5": {"max_k": 5},
    "ours-predict": {"k_rule": "predict", "k_margin": 0.005},
}


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


def _synthetic(n_p: int, n_c: int, n_votes: int, n_camps: int, seed: int) -> dict:
    p, c, v, camp = synthetic_votes(n_p, n_c, n_votes, n_camps, seed)
    return dict(
        p=p, c=c, v=v, pids=np.arange(n_p), cids=np.arange(n_c), excluded=np.zeros(n_c, bool), camp=camp
    )


def _demo() -> dict:
    """The demo story's simulated votes; its 'camps' are the readers' sides (position beyond +-0.2)."""
    from forum.demo import generate_votes, load_demo

    data = load_demo()
    users = {r.username: i for i, r in enumerate(data.readers)}
    cids = {c.id: j for j, c in enumerate(data.comments)}
    votes = generate_votes(data)
    pos = np.array([r.position for r in data.readers])
    return dict(
        p=np.array([users[x.username] for x in votes]), c=np.array([cids[x.comment_id] for x in votes]),
        v=np.array([x.value for x in votes], dtype=np.int8), pids=np.arange(len(users)),
        cids=np.arange(len(cids)), excluded=np.zeros(len(cids), bool),
        camp=np.where(pos > 0.2, 0, np.where(pos < -0.2, 1, 2)),
    )  # fmt: skip


def _load(source: str) -> dict:
    """Votes as index arrays plus the id maps; ``source`` is a folder, 'synthetic', 'planted' or 'demo'."""
    if source == "synthetic":
        return _synthetic(*SCALE, 3, 0)
    if source == "planted":
        return _synthetic(*PLANTED, 1)
    if source == "demo":
        return _demo()
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


def _fitter(method: str, d: dict):
    """fit(p, c, v) -> group label per participant index (-1: none)."""
    n_p, n_c = len(d["pids"]), len(d["cids"])
    if method == "reddwarf":
        from reddwarf.implementations.polis import run_pipeline

        mod_out = [int(x) for x in d["cids"][d["excluded"]]]

        def fit(p, c, v):
            votes = [
                {"participant_id": int(a), "statement_id": int(d["cids"][b]), "vote": int(x), "modified": 0}
                for a, b, x in zip(p, c, v, strict=True)
            ]
            res = run_pipeline(votes=votes, mod_out_statement_ids=mod_out, random_state=0)
            out = np.full(n_p, -1, dtype=np.int64)
            for i, g in res.participants_df["cluster_id"].dropna().items():
                out[int(i)] = int(g)
            return out

        return fit
    from forum.analysis.opinions import compute_opinion_groups

    params = PARAMS[method]
    return lambda p, c, v: (
        compute_opinion_groups(p, c, v, n_p, n_c, d["excluded"], **params).participant_group
    )


def _worker(method: str, source: str, scores: bool) -> dict:
    d = _load(source)
    fit = _fitter(method, d)
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark
    rss0 = _rss_kb("VmRSS")
    t0 = time.perf_counter()
    full = fit(d["p"], d["c"], d["v"])
    seconds = time.perf_counter() - t0
    peak = _rss_kb("VmHWM")
    out = {"seconds": seconds, "peak_mb": max(peak - rss0, 0) / 1024, "k": int(full.max(initial=-1)) + 1}
    out["labels"] = full.tolist()
    if scores:
        hidden = vp.hidden_split(d["p"], d["c"], ~d["excluded"])
        out["hidden_labels"] = fit(d["p"][~hidden], d["c"][~hidden], d["v"][~hidden]).tolist()
        out["sub_labels"] = []
        for s in range(vp.N_SUBSAMPLES):
            m = vp.subsample(d["p"].size, s)
            out["sub_labels"].append(fit(d["p"][m], d["c"][m], d["v"][m]).tolist())
    return out


def _code_key(method: str) -> str:
    """What a cached result depends on: the method's code and settings, and the demo's vote simulation."""
    files = ["forum/demo/votes.py"]
    if method != "reddwarf":
        files += [f"forum/analysis/{m}.py" for m in ("opinions", "opinion_kmeans", "opinion_geometry")]
    h = hashlib.sha1(json.dumps(PARAMS.get(method, "reddwarf-0.4.0")).encode())
    for f in files:
        h.update((ROOT / f).read_bytes())
    return h.hexdigest()[:12]


def _run(method: str, source: str, timeout: float, scores: bool = True) -> dict:
    name = Path(source).name if source not in ("synthetic", "planted", "demo") else source
    cached = CACHE / f"{name}.{method}.{_code_key(method)}.{int(scores)}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    cmd = [sys.executable, __file__, "--worker", method, source] + ([] if scores else ["--no-scores"])
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(done.stdout.strip().splitlines()[-1])
    return json.loads(cached.read_text())


def _reference(d: dict) -> np.ndarray:
    """Pol.is's group per participant index (participants with 7+ votes), or the planted camps."""
    if "camp" in d:
        return np.asarray(d["camp"])
    n_votes = np.bincount(d["p"], minlength=len(d["pids"]))
    ref = np.array([d["polis"].get(int(x), -1) for x in d["pids"]])
    return np.where(n_votes >= 7, ref, -1)


def _score(d: dict, r: dict) -> dict:
    """ARI against the reference, hidden-vote gain and accuracy, stability, from the returned labels."""
    full = np.asarray(r.pop("labels"))
    out = dict(r, ari=vp.ari_common(_reference(d), full))
    if "hidden_labels" in r:
        hidden = vp.hidden_split(d["p"], d["c"], ~d["excluded"])
        pred = vp.prediction_scores(
            d["p"], d["c"], d["v"], hidden, np.asarray(out.pop("hidden_labels")), len(d["cids"])
        )
        subs = out.pop("sub_labels")
        out.update(pred, stability=float(np.mean([vp.ari_common(full, np.asarray(x)) for x in subs])))
    return out


def _polis_row(d: dict) -> dict:
    """Pol.is's own group-id as a method: its gain and accuracy (it saw the hidden votes)."""
    if "polis" not in d:
        return {"error": "no Pol.is groups"}
    ref = np.array([d["polis"].get(int(x), -1) for x in d["pids"]])
    hidden = vp.hidden_split(d["p"], d["c"], ~d["excluded"])
    out = vp.prediction_scores(d["p"], d["c"], d["v"], hidden, ref, len(d["cids"]))
    return dict(out, ari=1.0, k=len(set(d["polis"].values())), stability=float("nan"))


METRICS = ("ari", "gain", "accuracy", "stability", "k", "seconds")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("--json", help="write per-conversation rows and means here")
    ap.add_argument("--no-scale", action="store_true", help="skip the synthetic 10k x 2k x 500k row")
    ap.add_argument("--no-reddwarf", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--no-scores", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        print(json.dumps(_worker(*a.worker, scores=not a.no_scores)))
        return 0
    methods = list(PARAMS) + ([] if a.no_reddwarf else ["reddwarf"])
    cols = methods + ["polis"]
    print(f"{'conversation':30} {'n':>5} | " + " | ".join(f"{m:>31}" for m in cols))
    print(f"{'':30} {'':>5} | " + " | ".join(f"{'ARI  gain   acc  stab k':>31}" for _ in cols))
    rows = []
    for src in a.dirs:
        if src not in ("demo", "planted") and not (Path(src) / "participants-votes.csv").is_file():
            continue
        d = _load(src)
        row = {"conversation": Path(src).name, "n": int(np.count_nonzero(_reference(d) >= 0))}
        for m in methods:
            r = _run(m, src, a.timeout)
            row[m] = r if "error" in r else _score(d, r)
        row["polis"] = _polis_row(d)
        rows.append(row)
        print(_fmt(row, cols), flush=True)
    real = [r for r in rows if r["conversation"] not in ("demo", "planted")]
    means = {}
    for m in cols:
        ok = [r[m] for r in real if "error" not in r[m]]
        means[m] = {k: _nanmean([x.get(k, np.nan) for x in ok]) for k in METRICS}
    if real:
        print(_fmt({"conversation": f"mean of {len(real)} conversations", "n": 0, **means}, cols))
        base = means["polis"]["gain"]
        for m in methods:
            x = means[m]
            print(
                f"{m}: gain {x['gain']:.4f} = {x['gain'] / base:.2f}x Pol.is's, stability "
                f"{x['stability']:.3f}, ARI vs Pol.is {x['ari']:.3f}, {x['seconds']:.2f} s"
            )
    if not a.no_scale:
        row = {"conversation": "synthetic {}x{}x{}".format(*SCALE), "n": SCALE[0]}
        d = _load("synthetic")
        for m in methods:
            r = _run(m, "synthetic", a.timeout, scores=False)
            row[m] = r if "error" in r else _score(d, r)
        row["polis"] = {"error": "-"}
        cost = ", ".join(
            f"{m} {row[m].get('seconds', np.nan):.1f} s {row[m].get('peak_mb', np.nan):.0f} MB"
            for m in methods
        )
        print(_fmt(row, cols) + f" (ARI vs planted camps; {cost})")
        rows.append(row)
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "means": means}, indent=1))
    return 0


def _nanmean(xs: list[float]) -> float:
    xs = [x for x in xs if not np.isnan(x)]
    return float(np.mean(xs)) if xs else float("nan")


def _fmt(row: dict, cols: list[str]) -> str:
    parts = []
    for m in cols:
        r = row[m]
        if "error" in r:
            parts.append(f"{r['error'][:31]:>31}")
        else:
            g, acc, st = (
                r.get("gain", float("nan")),
                r.get("accuracy", float("nan")),
                r.get("stability", float("nan")),
            )
            parts.append(f"{r['ari']:5.3f} {g:+.4f} {acc:.3f} {st:5.3f} {r['k']:.0f}")
    return f"{row['conversation'][:30]:30} {row['n']:5d} | " + " | ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
