"""The clustering steps behind opinion groups: Pol.is's weighted k-means, restarts, silhouettes, merging
small groups, and scoring a grouping by how well it predicts held-out votes.

Pure numpy on small arrays (participant positions or the ~100 base-cluster centres); see
:mod:`forum.analysis.opinions` for the pipeline that calls them.
"""

from __future__ import annotations

import numpy as np

POLIS_MAX_K = 5  # Pol.is never makes more groups than this
SMOOTH = 2.0  # pseudo-votes pulling a group's vote shares towards the comment's overall shares


def polis_kmeans(
    x: np.ndarray, w: np.ndarray, k: int, max_iters: int, tol: float = 0.01, init: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted k-means as Pol.is runs it on a fresh conversation (``clusters.clj``).

    Starts from the first ``k`` distinct points in input order; each step assigns every point to its
    nearest centre, drops clusters left empty and moves centres to their members' weighted mean; stops
    when no centre moved by ``tol`` or after ``max_iters`` + 1 steps. Returns (centres, labels), labels
    being the assignment of the last step (the members Pol.is keeps), numbered 0..n_clusters-1.
    ``init`` replaces the first-distinct start.
    """
    if init is None:
        _, first = np.unique(x, axis=0, return_index=True)
        init = x[np.sort(first)[:k]]
    cent = np.asarray(init, dtype=np.float64)
    sq = (x**2).sum(1)
    for _ in range(max_iters + 1):
        lab = (sq[:, None] - 2 * x @ cent.T + (cent**2).sum(1)[None, :]).argmin(1)
        mass = np.bincount(lab, weights=w, minlength=len(cent))
        used = np.flatnonzero(mass > 0)
        sums = np.stack(
            [np.bincount(lab, weights=w * x[:, j], minlength=len(cent)) for j in range(x.shape[1])], 1
        )
        new = sums[used] / mass[used, None]
        done = len(used) == len(cent) and bool(np.all(np.linalg.norm(new - cent, axis=1) < tol))
        remap = np.full(len(cent), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        cent, lab = new, remap[lab]
        if done:
            break
    return cent, lab


def best_of_restarts(
    x: np.ndarray, w: np.ndarray, k: int, max_iters: int, n_init: int, rng: np.random.Generator
) -> np.ndarray:
    """Lowest weighted inertia among the Pol.is first-distinct start and ``n_init`` k-means++ starts."""
    best, best_inertia = None, np.inf
    for i in range(n_init + 1):
        init = None if i == 0 else _kmeans_pp(x, w, k, rng)
        cent, lab = polis_kmeans(x, w, k, max_iters, init=init)
        cent, lab = polis_kmeans(x, w, len(cent), max_iters, init=cent)  # settle: labels match centres
        inertia = float((w * ((x - cent[lab]) ** 2).sum(1)).sum())
        if inertia < best_inertia - 1e-9:
            best, best_inertia = lab, inertia
    return best


def _kmeans_pp(x: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Weighted k-means++ starts, one candidate per step, stopping early when every point is a centre.

    Not ``sklearn.cluster.kmeans_plusplus``: its greedy variant (several candidates per step) and its own
    random stream gave less stable groups on the ten Pol.is conversations (``bench/polis_groups.py``: mean
    stability 0.703 against 0.778, ARI against Pol.is 0.547 against 0.570), and it repeats points where
    there are fewer distinct positions than k."""
    cent = x[[rng.choice(len(x), p=w / w.sum())]]
    d2 = ((x - cent[0]) ** 2).sum(1)
    while len(cent) < k and (w * d2).sum() > 0:
        nxt = x[rng.choice(len(x), p=w * d2 / (w * d2).sum())]
        cent = np.vstack([cent, nxt])
        d2 = np.minimum(d2, ((x - nxt) ** 2).sum(1))
    return cent


def base_silhouette(centres: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette over base clusters (each counts once, as in Pol.is); singletons score 0."""
    dist = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
    return _weighted_silhouette(dist, labels, np.ones(len(labels)))


def merge_small(labels: np.ndarray, centres: np.ndarray, weights: np.ndarray, min_size: int) -> np.ndarray:
    """Dissolve groups weighing less than ``min_size`` into the nearest remaining group centre."""
    lab = labels.copy()
    while True:
        ids = np.unique(lab)
        sizes = np.array([weights[lab == g].sum() for g in ids])
        if len(ids) < 2 or sizes.min() >= min_size:
            break
        small = ids[sizes.argmin()]
        others = ids[ids != small]
        cent = np.array([np.average(centres[lab == g], axis=0, weights=weights[lab == g]) for g in others])
        pts = np.flatnonzero(lab == small)
        d = ((centres[pts, None, :] - cent[None, :, :]) ** 2).sum(-1)
        lab[pts] = others[d.argmin(1)]
    return np.unique(lab, return_inverse=True)[1].ravel()


def _weighted_silhouette(dist: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """Participant-level silhouette computed on weighted base points (co-located members count)."""
    onehot = np.eye(labels.max() + 1)[labels]
    w_g = weights @ onehot
    sums = dist @ (onehot * weights[:, None])
    own_w = w_g[labels]
    a = np.divide(sums[np.arange(len(labels)), labels], own_w - 1, out=np.zeros(len(labels)), where=own_w > 1)
    other = sums / w_g[None, :]
    other[np.arange(len(labels)), labels] = np.inf
    b = other.min(1)
    s = np.divide(b - a, np.maximum(a, b), out=np.zeros(len(labels)), where=np.maximum(a, b) > 0)
    s[own_w <= 1] = 0.0
    return float((s * weights).sum() / weights.sum())


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Number groups 0.. by decreasing size (first appearance breaks ties)."""
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = ids[np.lexsort((first, -counts))]
    remap = np.empty(ids.max() + 1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    return remap[labels]


def heldout_gain(
    p: np.ndarray, c: np.ndarray, v: np.ndarray, hidden: np.ndarray, labels: np.ndarray, n_comments: int
) -> float:
    """Mean log-likelihood gain (nats per vote) of predicting the ``hidden`` votes from their voter's
    group (its agree/disagree/pass counts on the comment plus :data:`SMOOTH` pseudo-votes spread as the
    comment's overall shares) over predicting them from the comment's overall shares alone."""
    outcomes = np.array([1, -1, 0])
    tr = ~hidden
    y = (v[tr, None] == outcomes[None, :]).astype(np.float64)
    overall = np.stack([np.bincount(c[tr], weights=y[:, j], minlength=n_comments) for j in range(3)], 1)
    q = (overall + 1) / (overall.sum(1, keepdims=True) + 3)
    truth = (v[hidden, None] == outcomes[None, :]).argmax(1)
    hc, g_h = c[hidden], labels[p[hidden]]
    k = int(labels.max(initial=-1)) + 1
    if not k or not hidden.any():
        return 0.0
    g_tr = labels[p[tr]]
    ok = g_tr >= 0
    key = g_tr[ok] * n_comments + c[tr][ok]
    counts = np.stack([np.bincount(key, weights=y[ok, j], minlength=k * n_comments) for j in range(3)], 1)
    base = q[hc]
    pred = base.copy()
    has = g_h >= 0
    cnt = counts[g_h[has] * n_comments + hc[has]]
    pred[has] = (cnt + SMOOTH * base[has]) / (cnt.sum(1, keepdims=True) + SMOOTH)
    rows = np.arange(truth.size)
    return float(np.log(pred[rows, truth]).mean() - np.log(base[rows, truth]).mean())


def smooth_k(state: dict | None, chosen: int, buffer: int = 4) -> dict:
    """Pol.is's k smoother for a live story: the groups keep their k until another k has been chosen by
    ``buffer`` recomputations in a row. ``state`` is the previous return value (None at first); returns
    {"k": the k to use, "challenger": the k that is winning, "wins": its run of wins}."""
    if not state or state.get("k", 0) < 1:
        return {"k": chosen, "challenger": chosen, "wins": 0}
    if chosen == state["k"]:
        return {"k": chosen, "challenger": chosen, "wins": 0}
    wins = state.get("wins", 0) + 1 if state.get("challenger") == chosen else 1
    if wins >= buffer:
        return {"k": chosen, "challenger": chosen, "wins": 0}
    return {"k": state["k"], "challenger": chosen, "wins": wins}


def choose_k(scores: dict[int, float], margin: float) -> int:
    """Best silhouette among k <= 5 (Pol.is's range; the smaller k on ties); the best k > 5 replaces it
    only when its silhouette is higher by more than ``margin``."""
    low = {k: v for k, v in scores.items() if k <= POLIS_MAX_K} or scores
    best = min(low, key=lambda k: (-low[k], k))
    high = {k: v for k, v in scores.items() if k > POLIS_MAX_K}
    if high:
        top = min(high, key=lambda k: (-high[k], k))
        if high[top] > scores[best] + margin:
            return top
    return best
