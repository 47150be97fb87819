"""Choosing the opinion-group settings by leave-one-conversation-out (LOCO) over shared Pol.is exports.

For every candidate setting in :data:`GRID`, and every conversation: hidden-vote log-loss gain (and Pol.is's
own gain on the same split), stability (five 90% subsamples) and ARI against Pol.is's group-id, scored as in
``bench/polis_groups.py`` (``bench/vote_prediction.py``). Then LOCO: for each conversation, pick the setting
with the best score on the *other* conversations and report the held-out conversation's figures under it.

The score puts the three targets on one scale, each capped when met: min(gain / (1.2 x Pol.is's gain), 1)
+ min(stability / 0.9, 1) + min(ARI / red-dwarf's ARI, 1), means over the training conversations (red-dwarf's
per-conversation ARI from ``bench/out/polis.json`` when ``bench/polis_groups.py`` wrote it, else 0.509).
``mixture`` rows are a latent-class model (EM over agree/disagree/pass per group and comment, started from
the default's groups, 40 EM steps unless ``iters`` says fewer), a research variant not in the product.
Results are cached per (setting, conversation) in ``bench/out/loco.jsonl``.

    .venv/bin/python bench/polis_loco.py ../shared/data/polis/*
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for _p in (ROOT, ROOT / "bench"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))
import vote_prediction as vp  # noqa: E402
from polis_groups import _load, _reference  # noqa: E402

GRID = [
    {"k_rule": "silhouette", "init": "polis", "n_components": 2},  # the previous default (Pol.is's rules)
    {"k_rule": "silhouette", "n_components": 2},
    {"k_rule": "silhouette", "n_components": 3},
    {"k_rule": "silhouette", "n_components": 4},
    {"k_rule": "silhouette", "n_components": 2, "max_k": 2},
    {"k_rule": "silhouette", "n_components": 3, "max_k": 2},
    {"k_rule": "silhouette", "n_components": 2, "max_k": 2, "base_k": 100_000},  # no base stage
    {"k_rule": "silhouette", "n_components": 3, "base_k": 100_000},
    {"k_rule": "predict", "k_margin": 0.003, "n_components": 2},
    {"k_rule": "predict", "k_margin": 0.01, "n_components": 2},
    {"k_rule": "predict", "k_margin": 0.003, "n_components": 3},
    {"k_rule": "predict", "k_margin": 0.005, "n_components": 3},
    {"k_rule": "predict", "k_margin": 0.01, "n_components": 3},
    {"k_rule": "predict", "k_margin": 0.02, "n_components": 3},
    {"k_rule": "predict", "k_margin": 0.003, "n_components": 4},
    {"k_rule": "predict", "k_margin": 0.01, "n_components": 4},
    {"mixture": 2},
    {"mixture": 3},
    {"mixture": 2, "iters": 2},
    {"mixture": 2, "iters": 5},
]
OUT = ROOT / "bench" / "out"


def mixture(p, c, v, n_p: int, n_c: int, init: np.ndarray, k: int, iters: int = 40) -> np.ndarray:
    """Latent-class EM: each group has smoothed agree/disagree/pass shares per comment; hard labels."""
    y = (v[:, None] == vp.OUTCOMES[None, :]).astype(np.float64)
    overall = np.stack([np.bincount(c, weights=y[:, j], minlength=n_c) for j in range(3)], 1)
    q = (overall + 1) / (overall.sum(1, keepdims=True) + 3)
    ok = init >= 0
    resp = np.zeros((n_p, k))
    resp[ok, init[ok] % k] = 1
    x = y.argmax(1)
    for _ in range(iters):
        w = resp[p]
        num = np.stack(
            [
                np.stack([np.bincount(c, weights=w[:, g] * y[:, o], minlength=n_c) for o in range(3)], 1)
                for g in range(k)
            ]
        )
        theta = (num + vp.SMOOTH * q[None]) / (num.sum(2, keepdims=True) + vp.SMOOTH)
        pi = np.maximum(resp[ok].sum(0) / max(ok.sum(), 1), 1e-9)
        lt = np.log(theta[:, c, x]).T
        ll = np.stack([np.bincount(p, weights=lt[:, g], minlength=n_p) for g in range(k)], 1) + np.log(pi)
        ll -= ll.max(1, keepdims=True)
        resp = np.exp(ll)
        resp /= resp.sum(1, keepdims=True)
        resp[~ok] = 0
    return np.where(ok, resp.argmax(1), -1)


def fitter(setting: dict, d: dict):
    from forum.analysis.opinions import compute_opinion_groups

    n_p, n_c, excl = len(d["pids"]), len(d["cids"]), d["excluded"]
    if "mixture" not in setting:
        return lambda p, c, v: compute_opinion_groups(p, c, v, n_p, n_c, excl, **setting).participant_group
    k, iters = setting["mixture"], setting.get("iters", 40)

    def fit(p, c, v):
        from sklearn.cluster import KMeans

        r = compute_opinion_groups(p, c, v, n_p, n_c, excl)
        init = r.participant_group.copy()
        if init.max() + 1 != k:  # start from k-means on the drawn positions
            placed = init >= 0
            init[placed] = KMeans(k, n_init=10, random_state=0).fit_predict(r.positions[placed])
        m = ~excl[c]
        return mixture(p[m], c[m], v[m], n_p, n_c, init, k, iters)

    return fit


def measure(setting: dict, src: str) -> dict:
    d = _load(src)
    fit = fitter(setting, d)
    r = vp.evaluate(fit, d["p"], d["c"], d["v"], ~d["excluded"], len(d["cids"]))
    ref = np.array([d["polis"].get(int(x), -1) for x in d["pids"]])
    hidden = vp.hidden_split(d["p"], d["c"], ~d["excluded"])
    polis = vp.prediction_scores(d["p"], d["c"], d["v"], hidden, ref, len(d["cids"]))
    return {
        "gain": r["gain"], "accuracy": r["accuracy"], "stability": r["stability"], "k": r["k"],
        "ari": vp.ari_common(_reference(d), r["labels"]), "polis_gain": polis["gain"],
    }  # fmt: skip


def score(rows: list[dict], rd_ari: float) -> float:
    gain = np.mean([r["gain"] for r in rows]) / (1.2 * np.mean([r["polis_gain"] for r in rows]))
    stab = np.mean([r["stability"] for r in rows]) / 0.9
    ari = np.mean([r["ari"] for r in rows]) / rd_ari
    return float(min(gain, 1) + min(stab, 1) + min(ari, 1))


def summary(rows: list[dict]) -> str:
    g, pg = np.mean([r["gain"] for r in rows]), np.mean([r["polis_gain"] for r in rows])
    return (
        f"gain {g:+.4f} ({g / pg:.2f}x Pol.is) stability {np.mean([r['stability'] for r in rows]):.3f} "
        f"ARI {np.mean([r['ari'] for r in rows]):.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args(argv)
    srcs = [s for s in a.dirs if (Path(s) / "participants-votes.csv").is_file()]
    OUT.mkdir(parents=True, exist_ok=True)
    cache_file = OUT / "loco.jsonl"
    cache = {}
    if cache_file.is_file():
        for line in cache_file.read_text().splitlines():
            rec = json.loads(line)
            cache[(rec["setting"], rec["conversation"])] = rec
    table: dict[str, dict[str, dict]] = {}
    for setting in GRID:
        key = json.dumps(setting, sort_keys=True)
        for src in srcs:
            name = Path(src).name
            if (key, name) not in cache:
                rec = dict(measure(setting, src), setting=key, conversation=name)
                cache[(key, name)] = rec
                with cache_file.open("a") as fh:
                    fh.write(json.dumps(rec) + "\n")
            table.setdefault(key, {})[name] = cache[(key, name)]
    names = [Path(s).name for s in srcs]
    rd = {}
    bench_json = OUT / "polis.json"
    if bench_json.is_file():
        for row in json.loads(bench_json.read_text())["rows"]:
            if "ari" in row.get("reddwarf", {}):
                rd[row["conversation"]] = row["reddwarf"]["ari"]
    print("All settings, all conversations:")
    for key, by in table.items():
        print(f"  {key:62} {summary([by[n] for n in names])}")
    print("\nLeave one conversation out:")
    held_rows = []
    for held in names:
        train = [n for n in names if n != held]
        rd_ari = float(np.mean([rd.get(n, 0.509) for n in train]))
        best = max(table, key=lambda k: (score([table[k][n] for n in train], rd_ari), k))
        r = table[best][held]
        held_rows.append(r)
        print(
            f"  {held[:34]:34} chose {best:52} held-out gain {r['gain']:+.4f} "
            f"(Pol.is {r['polis_gain']:+.4f}) "
            f"stability {r['stability']:.3f} ARI {r['ari']:.3f} k {r['k']}"
        )
    print(f"\nLOCO held-out means: {summary(held_rows)}")
    if rd:
        print(
            f"red-dwarf ARI mean over these conversations: {np.mean([rd.get(n, np.nan) for n in names]):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
