"""Replay a Pol.is conversation's vote history with Pol.is-style incremental (warm-started) updates.

Follows math/src/polismath/math/{conversation,clusters,pca}.clj (compdemocracy/polis):
  * raw rating matrix grows in order of first appearance (rows = participants, cols = comments);
  * rating-mat = raw with moderated-out / meta columns set to 0 for every row (counted as votes);
  * in-conv is cumulative: once in (>= min(7, n-cmts) votes on raw matrix, or greedy top-15), always in;
  * PCA by power iteration (100 iters) on the mean-imputed centred matrix of all voters, warm-started from
    the previous components (new comments padded with 1s);
  * sparsity-aware projection sqrt(n_cols / n_votes_in_rating_mat);
  * base k-means (k=100, max 100 iters) on in-conv positions, warm-started via clean-start-clusters
    (safe recenter on old members, uniqify, add most-distal points until min(k, distinct points));
  * group k-means (weighted by base size, max 20 iters: Pol.is passes :cluster-iters which kmeans ignores)
    for k = 2..min(5, 2 + n_base // 12), each warm-started from the previous clustering for that k;
  * silhouette over base clusters, k smoother with buffer 4 (ties -> larger k, as `apply max-key`).

Usage: replay.py DIR... [--gap S | --every M | --n-updates N] [--buffer B] [--pca warm|fresh|svd]
                        [--inconv cumulative|recompute] [--base-iters I] [--group-iters I]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from forum.analysis.opinions import base_silhouette  # noqa: E402
from forum.interop.polis import read_polis_export  # noqa: E402

FROM_SCRATCH = {
    "15-per-hour-seattle": 0.56, "american-assembly.bowling-green": 0.25,
    "austria-climate.5twd2jsnkf.2022-08-08": 0.98, "bg2050-volunteers": 1.00, "football-concussions": 0.12,
    "scoop-hivemind.affordable-housing": 0.07, "scoop-hivemind.biodiversity": 0.97,
    "scoop-hivemind.freshwater": 0.13, "scoop-hivemind.taxes": 0.81,
    "ssis.land-bank-farmland.2rumnecbeh.2021-08-01": 0.98,
}  # fmt: skip


# ----------------------------------------------------------------------------- k-means (clusters.clj)
class Clustering:
    """ids (m,), centres (m,2); owner[name] = cluster id or -1 (names are small non-negative ints)."""

    def __init__(self, ids, centres, owner):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
        self.owner = owner

    def members(self, cid):
        return np.flatnonzero(self.owner == cid)


def _wmean(x, w):
    return (x * w[:, None]).sum(0) / w.sum()


def _sqd(x, cent):
    return np.maximum((x**2).sum(1)[:, None] - 2 * x @ cent.T + (cent**2).sum(1)[None, :], 0)


def _centres(lab, x, w, m):
    """weighted mean per label 0..m-1 (lab -1 ignored); returns centres, mass, count."""
    ok = lab >= 0
    lb, ww, xx = lab[ok], w[ok], x[ok]
    mass = np.bincount(lb, weights=ww, minlength=m)
    cnt = np.bincount(lb, minlength=m)
    sums = np.stack([np.bincount(lb, weights=ww * xx[:, j], minlength=m) for j in range(2)], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / mass[:, None], mass, cnt


def _owner_array(names, lab_ids, size):
    owner = np.full(size, -1, dtype=np.int64)
    owner[names] = lab_ids
    return owner


def cluster_step(names, x, w, ids, cent, size):
    lab = _sqd(x, cent).argmin(1)
    cen, mass, cnt = _centres(lab, x, w, len(ids))
    used = np.flatnonzero(cnt > 0)
    return ids[used], cen[used], _owner_array(names, ids[lab], size)


def same_clustering(c1, c2, tol=0.01):
    a = c1[np.lexsort((c1[:, 1], c1[:, 0]))]
    b = c2[np.lexsort((c2[:, 1], c2[:, 0]))]
    m = min(len(a), len(b))
    return bool(np.all(np.linalg.norm(a[:m] - b[:m], axis=1) < tol))


def init_clusters(x, k):
    _, first = np.unique(x, axis=0, return_index=True)
    first = np.sort(first)[:k]
    return np.arange(len(first)), x[first].copy()


def clean_start(names, x, w, last: Clustering, k):
    own = np.full(len(names), -1, dtype=np.int64)
    inside = names < len(last.owner)
    own[inside] = last.owner[names[inside]]
    ids = np.unique(own[own >= 0])
    if ids.size == 0:
        return np.array([int(last.ids.max()) + 1 if len(last.ids) else 0]), _wmean(x, w)[None, :]
    idx = np.searchsorted(ids, np.where(own >= 0, own, ids[0]))
    lab = np.where(own >= 0, idx, -1)
    cent, mass, cnt = _centres(lab, x, w, len(ids))
    # uniqify: merge clusters with identical centres (the larger one's id survives)
    seen, keep_ids = {}, []
    ids = list(ids)
    for j, c in enumerate(cent):
        key = (float(c[0]), float(c[1]))
        if key not in seen:
            seen[key] = j
            keep_ids.append(j)
        else:
            h = seen[key]
            big, small = (h, j) if cnt[h] >= cnt[j] else (j, h)
            lab[lab == small] = big
            cnt[big] += cnt[small]
            cnt[small] = 0
            keep_ids = [big if q == small else q for q in keep_ids]
            seen[key] = big
    # relabel to compact indices
    remap = np.full(len(ids), -1, dtype=np.int64)
    remap[keep_ids] = np.arange(len(keep_ids))
    ids = [int(ids[j]) for j in keep_ids]
    lab = np.where(lab >= 0, remap[np.maximum(lab, 0)], -1)
    cent, mass, cnt = _centres(lab, x, w, len(ids))
    possible = min(k, len(np.unique(x, axis=0)))
    while possible > len(ids):
        d = _sqd(x, np.nan_to_num(cent, nan=1e150)).min(1)
        far = len(d) - 1 - int(np.argmax(d[::-1]))  # max-key: last of ties
        if not d[far] > 0:
            break
        old = lab[far]
        ids.append(max(ids) + 1)
        lab[far] = len(ids) - 1
        cent = np.vstack([cent, x[far]])
        if old >= 0:
            m = lab == old
            cent[old] = _wmean(x[m], w[m]) if m.any() else np.nan
    ok = ~np.isnan(cent[:, 0])
    return np.array(ids)[ok], cent[ok]


def kmeans(names, x, w, k, max_iters, last: Clustering | None, size):
    if last is not None and len(last.ids):
        ids, cent = clean_start(names, x, w, last, k)
    else:
        ids, cent = init_clusters(x, k)
    it = max_iters
    while True:
        nids, ncent, owner = cluster_step(names, x, w, ids, cent, size)
        if it == 0 or same_clustering(cent, ncent):
            return Clustering(nids, ncent, owner)
        ids, cent, it = nids, ncent, it - 1


# ----------------------------------------------------------------------------- PCA (pca.clj)
def power_iteration(apply, iters, start, tol):
    v = start
    last = 0.0
    for _ in range(iters + 1):
        pv = apply(v)
        eig = float(np.linalg.norm(pv))
        v = pv / eig if eig > 0 else pv
        if eig == last or abs(eig - last) <= tol * eig:
            break
        last = eig
    return v


def pca_gram(G, start, iters, rng, tol, n_rows):
    """Power-iteration PCA from the Gram matrix G = X^T X of the centred data (pca.clj's xtxr)."""
    n_cols = G.shape[0]
    comps = []
    n_comps = min(2, n_rows, n_cols)
    p = None
    for i in range(n_comps):
        s = start[i] if start is not None and start[i] is not None else rng.random(n_cols)
        if p is None or not (p @ p) > 0:  # factor-matrix leaves data unchanged for a zero vector
            f = lambda v: G @ v  # noqa: E731
        else:
            pn = p @ p

            def f(v, p=p, pn=pn):
                v2 = v - p * (p @ v) / pn
                y = G @ v2
                return y - p * (p @ y) / pn

        c = power_iteration(f, iters, s, tol)
        comps.append(c)
        p = c
    while len(comps) < 2:
        comps.append(np.zeros(n_cols))
    return np.array(comps)


# ----------------------------------------------------------------------------- replay
def load(folder):
    conv = read_polis_export(folder)
    modout = {c.id for c in conv.comments if c.moderated == -1 or c.is_meta}
    known = {c.id for c in conv.comments}
    rows = []
    with open(Path(folder) / "votes.csv", newline="") as fh:
        r = csv.DictReader(fh)
        for i, row in enumerate(r):
            cid = int(row["comment-id"])
            if cid not in known:
                continue
            rows.append((int(row["timestamp"]), i, int(row["voter-id"]), cid, int(float(row["vote"]))))
    rows.sort()
    arr = np.array(rows, dtype=np.int64)
    polis = {x.id: x.group_id for x in conv.participants if x.group_id is not None}
    vt = conv.votes
    n_final = {}
    u, cnt = np.unique(vt.participant, return_counts=True)
    n_final = dict(zip(u.tolist(), cnt.tolist(), strict=True))
    compare = [p for p in sorted(polis) if n_final.get(p, 0) >= 7]
    return dict(t=arr[:, 0], pid=arr[:, 2], cid=arr[:, 3], v=arr[:, 4], modout=modout, polis=polis,
                compare=compare)  # fmt: skip


def update_points(t, a):
    """Indices (exclusive end) of the vote stream after which an update runs."""
    n = len(t)
    if a.final_only:
        return [n]
    if a.every:
        ends = list(range(a.every, n, a.every))
    elif a.n_updates:
        ends = list(np.unique(np.linspace(0, n, a.n_updates + 1).astype(int)[1:]))
    else:  # poll model: an update after a burst, i.e. when the next vote is more than gap seconds later
        g = np.diff(t) / 1000.0
        ends = list(np.flatnonzero(g > a.gap) + 1)
    if not ends or ends[-1] != n:
        ends.append(n)
    return ends


def replay(d, a):
    rng = np.random.default_rng(a.seed)
    t, pid, cid, val = d["t"], d["pid"], d["cid"], d["v"]
    if getattr(a, "stop_frac", 1.0) < 1.0:
        n_keep = max(1, int(len(t) * a.stop_frac))
        t, pid, cid, val = t[:n_keep], pid[:n_keep], cid[:n_keep], val[:n_keep]
    rows_u, row_of = np.unique(pid, return_index=True)  # first-appearance order
    order_r = rows_u[np.argsort(row_of)]
    rindex = {int(p): i for i, p in enumerate(order_r)}
    cols_u, col_of = np.unique(cid, return_index=True)
    order_c = cols_u[np.argsort(col_of)]
    cindex = {int(c): i for i, c in enumerate(order_c)}
    R = np.array([rindex[int(p)] for p in pid])
    Cc = np.array([cindex[int(c)] for c in cid])
    NP, NC = len(order_r), len(order_c)
    V = np.zeros((NP, NC))
    H = np.zeros((NP, NC), dtype=bool)
    is_mod = np.array([int(c) in d["modout"] for c in order_c])
    in_conv = np.zeros(NP, dtype=bool)
    comps = None
    base: Clustering | None = None
    groupings: dict[int, Clustering] = {}
    smoother = {"last_k": None, "count": 0, "smoothed": None}
    ends = update_points(t, a)
    start = 0
    n_rows = n_cols = 0
    group_clusters = None
    n_done = 0
    # running co-vote statistics (Gram matrix of the centred data without materialising it)
    Nn = np.zeros((NC, NC))
    Ss = np.zeros((NC, NC))
    Tt = np.zeros((NC, NC))
    Hf = H.astype(np.float64)

    def contrib(i, sign):
        idx = np.flatnonzero(H[i])
        if idx.size == 0:
            return
        v = V[i, idx]
        ix = np.ix_(idx, idx)
        Nn[ix] += sign
        Ss[ix] += sign * np.outer(v, v)
        Tt[ix] += sign * v[None, :]

    for end in ends:
        sl = slice(start, end)
        rows_b = np.unique(R[sl])
        for i in rows_b:
            contrib(i, -1.0)
        V[R[sl], Cc[sl]] = val[sl]
        H[R[sl], Cc[sl]] = True
        Hf[R[sl], Cc[sl]] = 1.0
        for i in rows_b:
            contrib(i, 1.0)
        n_rows = max(n_rows, int(R[sl].max()) + 1)
        n_cols = max(n_cols, int(Cc[sl].max()) + 1)
        start = end
        if a.final_only and end != len(t):
            continue
        n_done += 1
        mod = is_mod[:n_cols]
        # in-conv (raw matrix counts, moderated comments included)
        counts = H[:n_rows, :n_cols].sum(1)
        thr = min(a.min_votes, n_cols)
        if a.inconv == "recompute":
            in_conv[:] = False
        in_conv[:n_rows] |= counts >= thr
        n_in = int(in_conv.sum())
        if n_in < 15:
            rest = np.flatnonzero(~in_conv[:n_rows])
            rest = rest[np.argsort(-counts[rest], kind="stable")][: 15 - n_in]
            in_conv[rest] = True
        # rating mat: mod-out columns zeroed for everyone -> they count as votes but contribute 0
        act = ~mod
        coln = np.diag(Nn)[:n_cols]
        colsum = np.diag(Tt)[:n_cols]
        mean = np.where(act, colsum / np.maximum(coln, 1), 0.0)
        N_, S_, T_ = Nn[:n_cols, :n_cols], Ss[:n_cols, :n_cols], Tt[:n_cols, :n_cols]
        G = S_ - mean[:, None] * T_ - (mean[:, None] * T_).T + np.outer(mean, mean) * N_
        G[mod, :] = 0.0
        G[:, mod] = 0.0
        if a.pca == "svd":
            w_, u_ = np.linalg.eigh(G)
            comps = u_[:, ::-1][:, :2].T.copy()
        else:
            st = None
            if a.pca == "warm" and comps is not None:
                st = [
                    None
                    if (np.all(q == 0) or not np.all(np.isfinite(q)))
                    else np.concatenate([q, np.ones(n_cols - len(q))])
                    for q in comps
                ]
            comps = pca_gram(G, st, a.pca_iters, rng, a.pca_tol, n_rows)
        Va, Ha = V[:n_rows, :n_cols][:, act], Hf[:n_rows, :n_cols][:, act]
        ca = comps[:, act].T
        nv = Ha.sum(1) + int(mod.sum())
        proj = (Va @ ca - Ha @ (mean[act][:, None] * ca)) * np.sqrt(n_cols / np.maximum(nv, 1))[:, None]
        members = np.flatnonzero(in_conv[:n_rows])
        base = kmeans(members, proj[members], np.ones(len(members)), a.base_k, a.base_iters,
                      base if a.warm_base else None, NP)  # fmt: skip
        order = np.argsort(base.ids)
        bids, bcent = base.ids[order], base.centres[order]
        idx = np.searchsorted(bids, base.owner[members])
        bw = np.bincount(idx, minlength=len(bids)).astype(np.float64)
        max_k = min(5, 2 + len(bids) // 12)
        last_update = end == len(t)
        if (
            last_update and a.cold_groups_final
        ):  # math-worker reboot: group clusterings + smoother not persisted
            groupings = {}
            smoother = {"last_k": None, "count": 0, "smoothed": None}
        sil, new_groupings = {}, {}
        size = int(bids.max()) + 1
        for k in range(2, max_k + 1):
            gc = kmeans(bids, bcent, bw, k, a.group_iters, groupings.get(k) if a.warm_group else None, size)
            new_groupings[k] = gc
            lab = np.searchsorted(gc.ids, gc.owner[bids])
            sil[k] = base_silhouette(bcent, lab) if len(gc.ids) > 1 else 0.0
        groupings = new_groupings
        if not sil:
            continue
        best = max(sil.values())
        this_k = max(k for k in sil if sil[k] == best)
        if a.force_k and a.force_k in sil:
            this_k = a.force_k
        same = smoother["last_k"] is not None and this_k == smoother["last_k"]
        cnt = smoother["count"] + 1 if same else 1
        sm = this_k if cnt >= a.buffer else (smoother["smoothed"] or this_k)
        smoother = {"last_k": this_k, "count": cnt, "smoothed": sm}
        group_clusters = groupings.get(sm, groupings[this_k])
        if a.debug and len(group_clusters.ids) < 2 and n_done > 50:
            print(
                "DEBUG",
                n_done,
                end,
                "nbase",
                len(bids),
                "sil",
                {k: round(v, 3) for k, v in sil.items()},
                "this",
                this_k,
                "sm",
                sm,
                {k: len(g.ids) for k, g in groupings.items()},
                "in",
                int(in_conv.sum()),
                flush=True,
            )
    # final labels: group of each participant's base cluster
    members = np.flatnonzero(in_conv[:n_rows])
    bgrp = group_clusters.owner
    labels = {}
    for r_ in members:
        b_ = base.owner[r_]
        g_ = bgrp[b_] if 0 <= b_ < len(bgrp) else -1
        labels[int(order_r[r_])] = int(np.searchsorted(group_clusters.ids, g_)) if g_ >= 0 else -1
    return labels, n_done, len(group_clusters.ids)


def ari(d, labels):
    from sklearn.metrics import adjusted_rand_score

    ids = d["compare"]
    return float(adjusted_rand_score([d["polis"][i] for i in ids], [labels.get(i, -1) for i in ids]))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--gap", type=float, default=10.0)
    ap.add_argument("--every", type=int, default=0)
    ap.add_argument("--n-updates", type=int, default=0)
    ap.add_argument("--final-only", action="store_true")
    ap.add_argument("--buffer", type=int, default=4)
    ap.add_argument("--pca", choices=["warm", "fresh", "svd"], default="warm")
    ap.add_argument("--pca-iters", type=int, default=100)
    ap.add_argument("--pca-tol", type=float, default=0.0)
    ap.add_argument("--inconv", choices=["cumulative", "recompute"], default="cumulative")
    ap.add_argument("--min-votes", type=int, default=7)
    ap.add_argument("--base-k", type=int, default=100)
    ap.add_argument("--base-iters", type=int, default=100)
    ap.add_argument("--group-iters", type=int, default=20)
    ap.add_argument("--no-warm-base", dest="warm_base", action="store_false")
    ap.add_argument("--no-warm-group", dest="warm_group", action="store_false")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cold-groups-final", action="store_true")
    ap.add_argument("--force-k", type=int, default=0)
    ap.add_argument("--stop-frac", type=float, default=1.0)
    ap.add_argument("--debug", action="store_true")
    ap.add_argument("--label", default="")
    a = ap.parse_args(argv)
    res = []
    print(f"# {a.label} {' '.join(sys.argv[1:]) if argv is None else argv}", flush=True)
    print(
        f"{'conversation':46} {'n':>5} {'replay':>7} {'scratch':>7} {'k':>2} {'updates':>7} {'s':>7}",
        flush=True,
    )
    for src in a.dirs:
        if not ((Path(src) / "participants-votes.csv").is_file() and (Path(src) / "votes.csv").is_file()):
            continue
        d = load(src)
        t0 = time.perf_counter()
        labels, n_up, k = replay(d, a)
        sec = time.perf_counter() - t0
        r = ari(d, labels)
        name = Path(src).name
        res.append((name, r))
        print(f"{name[:46]:46} {len(d['compare']):5d} {r:7.3f} {FROM_SCRATCH.get(name, float('nan')):7.2f} "
              f"{k:2d} {n_up:7d} {sec:7.1f}", flush=True)  # fmt: skip
    m = np.mean([r for _, r in res])
    ms = np.mean([FROM_SCRATCH[n] for n, _ in res if n in FROM_SCRATCH])
    print(f"MEAN replay {m:.3f}  (from-scratch on same set {ms:.3f})", flush=True)


if __name__ == "__main__":
    main()
