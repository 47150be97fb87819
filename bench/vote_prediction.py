"""Scoring opinion groups by what they predict and how steady they are (shared by the opinion benches).

- Hidden-vote prediction: hide a seeded 10% of the votes (on comments in the geometry) of participants with
  at least 7 votes, compute groups on the rest, and predict each hidden vote from its voter's group: the
  group's agree / disagree / pass counts on that comment plus ``SMOOTH`` pseudo-votes spread as the
  comment's overall shares (themselves Laplace-smoothed, +1 each). The baseline predicts every vote from the
  comment's overall shares alone (no groups); a voter without a group gets the baseline. Reported: mean
  log-loss gain over the baseline (nats per hidden vote; higher is better) and accuracy (the most likely
  outcome is the vote cast).
- Stability: mean ARI between the groups from all votes and from five seeded 90% subsamples of the votes,
  over the participants grouped in both.

Labels are arrays over participant indices, -1 for "no group".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SMOOTH = 2.0  # pseudo-votes pulling a group's shares towards the comment's overall shares
HIDE = 0.10
MIN_VOTES = 7
SUBSAMPLE = 0.9
N_SUBSAMPLES = 5
OUTCOMES = np.array([1, -1, 0])  # agree, disagree, pass: the columns of the share arrays


def hidden_split(p: np.ndarray, c: np.ndarray, active: np.ndarray, seed: int = 0) -> np.ndarray:
    """Boolean mask of the hidden votes: a seeded 10% of the votes, on active comments, of participants
    with at least 7 votes."""
    n_votes = np.bincount(p)
    eligible = np.flatnonzero((n_votes[p] >= MIN_VOTES) & active[c])
    rng = np.random.default_rng(seed)
    chosen = rng.choice(eligible, size=int(round(HIDE * eligible.size)), replace=False)
    mask = np.zeros(p.size, dtype=bool)
    mask[chosen] = True
    return mask


def subsample(n: int, seed: int) -> np.ndarray:
    """Boolean mask of a seeded 90% of ``n`` votes."""
    rng = np.random.default_rng(1000 + seed)
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=int(round(SUBSAMPLE * n)), replace=False)] = True
    return mask


def _onehot(v: np.ndarray) -> np.ndarray:
    return (np.asarray(v)[:, None] == OUTCOMES[None, :]).astype(np.float64)


def prediction_scores(
    p: np.ndarray, c: np.ndarray, v: np.ndarray, hidden: np.ndarray, labels: np.ndarray, n_comments: int
) -> dict[str, float]:
    """Log-loss gain and accuracy of group-based predictions of the hidden votes (and the baseline's)."""
    tr = ~hidden
    y = _onehot(v[tr])
    overall = np.stack([np.bincount(c[tr], weights=y[:, j], minlength=n_comments) for j in range(3)], 1)
    q = (overall + 1) / (overall.sum(1, keepdims=True) + 3)
    hp, hc, hv = p[hidden], c[hidden], v[hidden]
    truth = _onehot(hv).argmax(1)
    base = q[hc]
    k = int(labels.max(initial=-1)) + 1
    pred = base.copy()
    if k:
        g_tr = labels[p[tr]]
        ok = g_tr >= 0
        key = g_tr[ok] * n_comments + c[tr][ok]
        counts = np.stack([np.bincount(key, weights=y[ok, j], minlength=k * n_comments) for j in range(3)], 1)
        g_h = labels[hp]
        has = g_h >= 0
        cnt = counts[g_h[has] * n_comments + hc[has]]
        pred[has] = (cnt + SMOOTH * base[has]) / (cnt.sum(1, keepdims=True) + SMOOTH)
    rows = np.arange(hv.size)
    ll_base = -np.log(base[rows, truth]).mean()
    ll = -np.log(pred[rows, truth]).mean()
    return {
        "gain": float(ll_base - ll),
        "accuracy": float((pred.argmax(1) == truth).mean()),
        "accuracy_base": float((base.argmax(1) == truth).mean()),
        "n_hidden": int(hv.size),
    }


def ari_common(a: np.ndarray, b: np.ndarray) -> float:
    """ARI over the participants grouped in both labelings."""
    from sklearn.metrics import adjusted_rand_score

    both = (a >= 0) & (b >= 0)
    return float(adjusted_rand_score(a[both], b[both])) if both.any() else float("nan")


def evaluate(
    fit: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    p: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    active: np.ndarray,
    n_comments: int,
    seed: int = 0,
) -> dict:
    """Everything for one method on one conversation; ``fit(p, c, v)`` returns labels per participant."""
    full = fit(p, c, v)
    hidden = hidden_split(p, c, active, seed)
    out = prediction_scores(p, c, v, hidden, fit(p[~hidden], c[~hidden], v[~hidden]), n_comments)
    aris = []
    for s in range(N_SUBSAMPLES):
        m = subsample(p.size, s)
        aris.append(ari_common(full, fit(p[m], c[m], v[m])))
    out["stability"] = float(np.mean(aris))
    out["k"] = int(full.max(initial=-1)) + 1
    out["labels"] = full
    return out
