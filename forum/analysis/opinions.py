"""Opinion groups from agree/disagree/pass votes, the Pol.is way, without a dense vote matrix.

Votes come in as three parallel arrays (participant index, comment index, value: agree +1, disagree -1,
pass 0). The pipeline follows the Pol.is math worker (``math/src/polismath/math``): participant filter
(min(7, C) votes, topped up to the 15 most active), column-mean imputation and centring, two principal
components, the sparsity-aware projection, then its two-stage clustering: k-means with 100 base clusters
over the participants, weighted k-means of the base-cluster centres for k = 2..min(5, 2 + n_base / 12),
k chosen by the silhouette of the base clusters. Both k-means stages start, as Pol.is does on a fresh
conversation, from the first k distinct points (deterministic) and stop when no centre moves by 0.01
(base: at most 100 steps, groups: at most 20). Statistics (repness, consensus, group-informed consensus,
priorities) live in :mod:`forum.analysis.opinion_stats` and are re-exported here.

Memory: after mean imputation and centring, a missing cell is exactly 0, so the centred matrix is as
sparse as the votes (value - column mean at voted cells). PCA is a truncated SVD of that sparse matrix,
and every count is a sparse product, so nothing of size participants x comments is ever dense.
Differences from Pol.is: more than 5 groups are allowed (up to ``max_k``) when such a k beats the best
k <= 5 by a silhouette margin of ``k_margin``; groups smaller than ``min_group_size`` are merged into the
nearest group; there is no incremental state (Pol.is restarts each update from the previous update's
clusters and changes k only after a new k wins 4 updates in a row), so groups depend on the final votes
only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, svds
from sklearn.utils.extmath import randomized_svd

from forum.analysis.opinion_stats import (
    AGREE,
    DISAGREE,
    PASS,
    Z90,
    CommentStats,
    ConsensusStatement,
    RepStatement,
    choose_next_comment,
    comment_statistics,
    consensus,
    next_comment_priorities,
)

__all__ = [
    "AGREE", "DISAGREE", "PASS", "Z90", "CommentStats", "ConsensusStatement", "GroupReaction", "OpinionGroup",
    "OpinionGroups", "OpinionResult", "RepStatement", "choose_next_comment", "compute_opinion_groups",
    "next_comment_priorities",
]  # fmt: skip
POLIS_MAX_K = 5


@dataclass
class OpinionGroup:
    """One opinion group: its members (participant indices) and representative statements."""

    index: int
    members: np.ndarray
    size: int
    center: tuple[float, float]
    representative: list[RepStatement]


@dataclass
class GroupReaction:
    """How one group voted over a set of comments (a viewpoint): shares of its votes."""

    group: int
    n_votes: int
    agree: float
    disagree: float
    passed: float


@dataclass
class OpinionResult:
    """Everything :func:`compute_opinion_groups` found."""

    groups: list[OpinionGroup]
    positions: np.ndarray  # (n_participants, 2), NaN for participants who were not clustered
    participant_group: np.ndarray  # group index per participant, -1 when not clustered
    comment_stats: CommentStats
    consensus_agree: list[ConsensusStatement]
    consensus_disagree: list[ConsensusStatement]
    divisive: list[int]
    k: int

    def group_reactions(self, comments: Sequence[int] | np.ndarray) -> list[GroupReaction]:
        """Each group's agree/disagree/pass shares over a set of comments (e.g. one viewpoint)."""
        idx = np.unique(np.asarray(comments, dtype=np.int64))
        cs = self.comment_stats
        out = []
        for g in range(self.k):
            a, d = cs.group_agree[g, idx].sum(), cs.group_disagree[g, idx].sum()
            s = cs.group_seen[g, idx].sum()
            f = 1.0 / s if s else 0.0
            out.append(GroupReaction(g, int(s), float(a * f), float(d * f), float((s - a - d) * f)))
        return out

    def comment_priorities(self, meta: np.ndarray | None = None) -> np.ndarray:
        """Pol.is next-comment priority for every comment (0 for excluded ones)."""
        cs = self.comment_stats
        pr = next_comment_priorities(
            cs.group_agree.sum(0), cs.group_disagree.sum(0), cs.group_seen.sum(0), cs.extremity, meta
        )
        return np.where(cs.active, pr, 0.0)


class OpinionGroups:
    """Estimator: ``OpinionGroups(...).fit(participant_idx, comment_idx, value, ...).result_``.

    Parameters follow Pol.is defaults (``base_k``, ``base_iters``, ``group_iters``, k up to 5).
    ``max_k`` lets k go past 5, but only when that k's silhouette beats the best k <= 5 by ``k_margin``
    (``max_k=5`` is Pol.is's cap); ``min_group_size`` forbids groups of one or two people;
    ``random_state`` seeds the SVD start vector (the k-means starts are deterministic).
    """

    def __init__(
        self,
        min_votes: int = 7,
        greedy_n: int = 15,
        base_k: int = 100,
        max_k: int = 8,
        min_group_size: int = 3,
        pick_max: int = 5,
        scale_prior: float | None = None,
        random_state: int = 0,
        k_margin: float = 0.03,
        base_iters: int = 100,
        group_iters: int = 20,
    ) -> None:
        self.min_votes = min_votes
        self.greedy_n = greedy_n
        self.base_k = base_k
        self.max_k = max_k
        self.min_group_size = min_group_size
        self.pick_max = pick_max
        self.scale_prior = scale_prior
        self.random_state = random_state
        self.k_margin = k_margin
        self.base_iters = base_iters
        self.group_iters = group_iters

    def fit(
        self,
        participant_idx: np.ndarray,
        comment_idx: np.ndarray,
        value: np.ndarray,
        n_participants: int,
        n_comments: int,
        excluded_comments: np.ndarray | None = None,
        excluded_participants: np.ndarray | None = None,
    ) -> OpinionGroups:
        """Compute groups and statistics; duplicate (participant, comment) pairs keep the last vote."""
        p, c, v = _clean_votes(participant_idx, comment_idx, value, n_participants, n_comments)
        active = _mask(excluded_comments, n_comments, invert=True)
        keep_ptpt = _mask(excluded_participants, n_participants, invert=True)
        ok = keep_ptpt[p]
        p, c, v = p[ok], c[ok], v[ok]
        geo = active[c]
        votes = sp.csr_matrix(
            (v[geo].astype(np.float64), (p[geo], c[geo])), shape=(n_participants, n_comments)
        )
        n_active_votes = np.diff(votes.indptr)
        # Like Pol.is, the participant filter counts every vote, moderated-out comments included.
        n_cols = int(np.count_nonzero(np.bincount(c, minlength=n_comments)))
        clustered = self._select_participants(np.bincount(p, minlength=n_participants), n_cols)
        prior = self.scale_prior
        if prior is None:  # Pol.is zeroes moderated-out columns, which count as votes in its scaling
            prior = float(np.count_nonzero(np.bincount(c[~geo], minlength=n_comments)))
        positions, components, extremity = _geometry(votes, n_active_votes, prior, self.random_state)
        labels = np.full(n_participants, -1, dtype=np.int64)
        self.silhouettes_: dict[int, float] = {}
        if clustered.size:
            labels[clustered] = self._cluster(positions[clustered])
        k = int(labels.max(initial=-1)) + 1  # 0 when nobody voted
        pos = np.full((n_participants, 2), np.nan)
        pos[clustered] = positions[clustered]
        self.result_ = _assemble(p, c, v, labels, k, pos, components, extremity, active, self.pick_max)
        return self

    def _select_participants(self, n_votes: np.ndarray, n_cols: int) -> np.ndarray:
        """Pol.is rule: at least min(min_votes, C) votes; top up with the most active to greedy_n."""
        voters = np.flatnonzero(n_votes > 0)
        threshold = min(self.min_votes, n_cols)
        chosen = voters[n_votes[voters] >= threshold]
        if chosen.size < self.greedy_n:
            rest = voters[n_votes[voters] < threshold]
            rest = rest[np.argsort(-n_votes[rest], kind="stable")][: self.greedy_n - chosen.size]
            chosen = np.union1d(chosen, rest)
        return chosen

    def _cluster(self, x: np.ndarray) -> np.ndarray:
        """Base k-means (k=base_k) on participants, then weighted k-means of the base centres."""
        n = x.shape[0]
        if n < 2 * self.min_group_size:
            return np.zeros(n, dtype=np.int64)
        centres, base_of = polis_kmeans(x, np.ones(n), self.base_k, self.base_iters)
        weights = np.bincount(base_of, minlength=len(centres)).astype(np.float64)
        scores, labels = {}, {}
        self.silhouettes_ = scores  # k -> mean silhouette of the base clusters, for inspection
        rng = np.random.default_rng(self.random_state)
        for k in range(2, self._k_limit(len(centres), n) + 1):
            if k <= POLIS_MAX_K:  # as Pol.is: one run from the first k distinct base centres
                _, lab = polis_kmeans(centres, weights, k, self.group_iters)
            else:  # no Pol.is reference past 5: the best of several starts
                lab = best_of_restarts(centres, weights, k, self.base_iters, 10, rng)
            lab = _merge_small(lab, centres, weights, self.min_group_size)
            if lab.max() < 1 or lab.max() + 1 in labels:
                continue
            labels[lab.max() + 1] = lab
            scores[lab.max() + 1] = base_silhouette(centres, lab)
        if not labels:
            return np.zeros(n, dtype=np.int64)
        k = choose_k(scores, self.k_margin)
        return _relabel_by_size(labels[k][base_of])

    def _k_limit(self, n_base: int, n: int) -> int:
        """Pol.is's max-k rule min(5, 2 + n_base // 12), with ``max_k`` in place of 5. (That rule allows k =
        n_base only when n_base is 2: two camps whose members vote alike, two groups, as in Pol.is.)"""
        return min(self.max_k, 2 + n_base // 12, n_base, n // self.min_group_size)


def compute_opinion_groups(
    participant_idx: np.ndarray,
    comment_idx: np.ndarray,
    value: np.ndarray,
    n_participants: int,
    n_comments: int,
    excluded_comments: np.ndarray | None = None,
    excluded_participants: np.ndarray | None = None,
    **params: float | None,
) -> OpinionResult:
    """Functional wrapper around :class:`OpinionGroups`; ``params`` go to its constructor."""
    est = OpinionGroups(**params)
    return est.fit(
        participant_idx,
        comment_idx,
        value,
        n_participants,
        n_comments,
        excluded_comments,
        excluded_participants,
    ).result_


def _clean_votes(
    participant_idx: np.ndarray,
    comment_idx: np.ndarray,
    value: np.ndarray,
    n_participants: int,
    n_comments: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the vote arrays and keep the last vote per (participant, comment)."""
    p = np.asarray(participant_idx, dtype=np.int64).ravel()
    c = np.asarray(comment_idx, dtype=np.int64).ravel()
    raw = np.asarray(value).ravel()
    if not p.shape == c.shape == raw.shape:
        raise ValueError("participant_idx, comment_idx and value must have the same length")
    if p.size and (p.min() < 0 or p.max() >= n_participants or c.min() < 0 or c.max() >= n_comments):
        raise ValueError("participant or comment index out of range")
    if np.any((raw != AGREE) & (raw != DISAGREE) & (raw != PASS)):
        raise ValueError("vote values must be +1 (agree), -1 (disagree) or 0 (pass)")
    _, last = np.unique((p * n_comments + c)[::-1], return_index=True)
    keep = p.size - 1 - last
    return p[keep], c[keep], raw[keep].astype(np.int8)


def _mask(mask: np.ndarray | None, n: int, invert: bool) -> np.ndarray:
    if mask is None:
        return np.ones(n, dtype=bool) if invert else np.zeros(n, dtype=bool)
    m = np.asarray(mask, dtype=bool).ravel()
    if m.shape != (n,):
        raise ValueError(f"mask must have length {n}")
    return ~m if invert else m


def _geometry(votes: sp.csr_matrix, n_votes: np.ndarray, prior: float, seed: int) -> tuple[np.ndarray, ...]:
    """PCA of the mean-imputed, centred matrix, kept sparse; sparsity-aware participant projection.

    The projection is scaled by sqrt((C + prior) / (|V_i| + prior)); prior 0 is the textbook Pol.is
    factor, and Pol.is itself behaves as if prior = number of moderated-out comments that have votes.
    """
    n_p, n_c = votes.shape
    col_n = np.bincount(votes.indices, minlength=n_c)
    col_sum = np.bincount(votes.indices, weights=votes.data, minlength=n_c)
    mean = np.divide(col_sum, col_n, out=np.zeros(n_c), where=col_n > 0)
    centred = votes.copy()
    centred.data = centred.data - mean[centred.indices]
    rows, cols = np.flatnonzero(n_votes > 0), np.flatnonzero(col_n > 0)
    components = np.zeros((n_c, 2))
    positions, extremity = np.zeros((n_p, 2)), np.zeros(n_c)
    if rows.size < 2 or cols.size < 2:
        return positions, components, extremity
    sub = centred[rows][:, cols]
    sub.eliminate_zeros()
    if sub.nnz == 0:  # every vote is its comment's mean (everyone agrees so far): readers differ in nothing
        return positions, components, extremity
    if min(sub.shape) <= 3:
        _, s, vt = np.linalg.svd(sub.toarray(), full_matrices=False)
    else:
        v0 = np.random.default_rng(seed).standard_normal(min(sub.shape))
        try:
            _, s, vt = svds(sub, k=2, v0=v0)
        except ArpackError:  # a degenerate matrix (rank below 2, say): the randomised method copes
            _, s, vt = randomized_svd(sub, 2, random_state=seed)
    vt = vt[np.argsort(-s)][:2]
    flip = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(1)])  # deterministic sign
    components[cols, : len(vt)] = (vt * flip[:, None]).T
    n_cols = cols.size
    scale = np.sqrt((n_cols + prior) / np.maximum(n_votes + prior, 1))
    positions = np.asarray(centred @ components) * scale[:, None]
    extremity = np.sqrt(n_cols) * np.abs(1 - mean) * np.linalg.norm(components, axis=1)
    return positions, components, extremity


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
        sums = np.stack([np.bincount(lab, weights=w * x[:, j], minlength=len(cent)) for j in range(2)], 1)
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


def _merge_small(labels: np.ndarray, centres: np.ndarray, weights: np.ndarray, min_size: int) -> np.ndarray:
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


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = ids[np.lexsort((first, -counts))]
    remap = np.empty(ids.max() + 1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    return remap[labels]


def _assemble(p, c, v, labels, k, pos, components, extremity, active, pick) -> OpinionResult:
    stats, reps, divisive = comment_statistics(p, c, v, labels, k, components, extremity, active, pick)
    groups = []
    for i in range(k):
        members = np.flatnonzero(labels == i)
        centre = pos[members].mean(0)
        groups.append(
            OpinionGroup(i, members, int(members.size), (float(centre[0]), float(centre[1])), reps[i])
        )
    return OpinionResult(
        groups, pos, labels, stats, consensus(stats.agree, stats.seen, active, "agree", pick),
        consensus(stats.disagree, stats.seen, active, "disagree", pick), divisive, k,
    )  # fmt: skip
