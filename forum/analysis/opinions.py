"""Opinion groups from agree/disagree/pass votes, the Pol.is way, without a dense vote matrix.

Votes come in as three parallel arrays (participant index, comment index, value: agree +1, disagree -1,
pass 0). The pipeline follows the Pol.is math worker (``math/src/polismath/math``): participant filter
(min(7, C) votes, topped up to the 15 most active), column-mean imputation and centring, principal
components, the sparsity-aware projection, then its two-stage clustering: k-means with 100 base clusters
over the participants (started from the first 100 distinct points, at most 100 steps, stopping when no
centre moves by 0.01), weighted k-means of the base-cluster centres for k = 2..min(5, 2 + n_base / 12),
k chosen by the silhouette of the base clusters. Statistics (repness, consensus, group-informed consensus,
priorities) live in :mod:`forum.analysis.opinion_stats`, the k-means steps in
:mod:`forum.analysis.opinion_kmeans`, checking the votes and the principal components in
:mod:`forum.analysis.opinion_geometry`.

Differences from Pol.is, each chosen by leave-one-conversation-out on shared Pol.is exports
(``bench/polis_loco.py``, ``docs/benchmarks.md``): three principal components are clustered (two are drawn);
the group stage takes the lowest-inertia of Pol.is's first-distinct start and 10 seeded k-means++ starts
(``init="polis"`` restores Pol.is's single start); groups smaller than ``min_group_size`` are merged into the
nearest group. ``k_rule="predict"`` chooses k by how well the groups predict held-out votes instead, and
``max_k`` above 5 allows more groups when they clear a silhouette margin. There is no incremental state
here: a live story's k is smoothed across recomputations by :func:`smooth_k` (a new k must win 4 in a row,
as in Pol.is), which the service keeps with the cached result.

Memory: after mean imputation and centring, a missing cell is exactly 0, so the centred matrix is as
sparse as the votes (value - column mean at voted cells). PCA is a truncated SVD of that sparse matrix,
and every count is a sparse product, so nothing of size participants x comments is ever dense.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forum.analysis.opinion_geometry import clean_votes, geometry, vote_mask
from forum.analysis.opinion_kmeans import (
    POLIS_MAX_K,
    base_silhouette,
    best_of_restarts,
    choose_k,
    heldout_gain,
    merge_small,
    polis_kmeans,
    relabel_by_size,
    smooth_k,
)
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
    "next_comment_priorities", "polis_kmeans", "smooth_k",
]  # fmt: skip


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

    Parameters follow Pol.is defaults (``base_k``, ``base_iters``, ``group_iters``) where Pol.is has one.
    ``n_components`` principal components place participants for clustering (the first two are drawn).
    ``k_rule``: ``"predict"`` picks k in 2..``max_k`` by how well the groups predict held-out votes
    (``k_folds`` seeded splits of ``heldout`` of the votes; the smallest k within ``k_margin`` nats of the
    best), ``"silhouette"`` by Pol.is's base-cluster silhouette (a k > 5 only when it beats the best
    k <= 5 by ``k_margin``). ``init``: ``"restarts"`` takes the lowest-inertia of the Pol.is first-distinct
    start and ``n_init`` seeded k-means++ starts, ``"polis"`` the first-distinct start alone.
    ``min_group_size`` forbids groups of one or two people; ``random_state`` seeds every random step.
    ``prefer_k`` (from :func:`smooth_k`) keeps that k whenever it is among the candidates; ``k_chosen_``
    records what the rule chose.
    """

    def __init__(
        self,
        min_votes: int = 7,
        greedy_n: int = 15,
        base_k: int = 100,
        max_k: int = 5,
        min_group_size: int = 3,
        pick_max: int = 5,
        scale_prior: float | None = None,
        random_state: int = 0,
        k_margin: float = 0.03,
        base_iters: int = 100,
        group_iters: int = 20,
        n_components: int = 3,
        k_rule: str = "silhouette",
        init: str = "restarts",
        n_init: int = 10,
        k_folds: int = 3,
        heldout: float = 0.1,
        prefer_k: int | None = None,
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
        self.n_components = n_components
        self.k_rule = k_rule
        self.init = init
        self.n_init = n_init
        self.k_folds = k_folds
        self.heldout = heldout
        self.prefer_k = prefer_k

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
        if self.k_rule not in ("predict", "silhouette") or self.init not in ("restarts", "polis"):
            raise ValueError("k_rule must be 'predict' or 'silhouette', init 'restarts' or 'polis'")
        p, c, v = clean_votes(participant_idx, comment_idx, value, n_participants, n_comments)
        active = vote_mask(excluded_comments, n_comments, invert=True)
        keep_ptpt = vote_mask(excluded_participants, n_participants, invert=True)
        ok = keep_ptpt[p]
        p, c, v = p[ok], c[ok], v[ok]
        # Like Pol.is, the participant filter counts every vote, moderated-out comments included.
        n_cols = int(np.count_nonzero(np.bincount(c, minlength=n_comments)))
        clustered = self._select_participants(np.bincount(p, minlength=n_participants), n_cols)
        prior = self.scale_prior
        if prior is None:  # Pol.is zeroes moderated-out columns, which count as votes in its scaling
            prior = float(np.count_nonzero(np.bincount(c[~active[c]], minlength=n_comments)))
        geo = active[c]
        pg, cg, vg = p[geo], c[geo], v[geo]
        shape = (n_participants, n_comments)
        positions, components, extremity = geometry(
            pg, cg, vg, shape, prior, self.random_state, self.n_components
        )
        labels = np.full(n_participants, -1, dtype=np.int64)
        self.silhouettes_: dict[int, float] = {}
        self.k_gains_: dict[int, float] = {}
        self.k_chosen_ = 1  # the k the rule chose (before prefer_k)
        if clustered.size:
            base_of, candidates = self._candidates(positions[clustered])
            if candidates:
                k = self.k_chosen_ = int(
                    self._choose_k(candidates, base_of, pg, cg, vg, shape, clustered, prior)
                )
                if self.prefer_k in candidates:  # k smoothing across recomputations: see smooth_k
                    k = self.prefer_k
                labels[clustered] = relabel_by_size(candidates[k][base_of])
            else:
                labels[clustered] = 0
        k = int(labels.max(initial=-1)) + 1  # 0 when nobody voted
        pos = np.full((n_participants, 2), np.nan)
        pos[clustered] = positions[clustered, :2]
        comp2 = components[:, :2]
        self.result_ = _assemble(p, c, v, labels, k, pos, comp2, extremity, active, self.pick_max)
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

    def _candidates(self, x: np.ndarray) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """Base k-means (k=base_k) on participants, then for each k a weighted k-means of the base centres.
        Returns each participant's base cluster and {k: group of each base cluster}; scores silhouettes."""
        n = x.shape[0]
        self.silhouettes_ = {}
        if n < 2 * self.min_group_size:
            return np.zeros(n, dtype=np.int64), {}
        centres, base_of = polis_kmeans(x, np.ones(n), self.base_k, self.base_iters)
        weights = np.bincount(base_of, minlength=len(centres)).astype(np.float64)
        labels: dict[int, np.ndarray] = {}
        for k in range(2, self._k_limit(len(centres), n) + 1):
            if self.init == "polis" and k <= POLIS_MAX_K:  # one run from the first k distinct centres
                _, lab = polis_kmeans(centres, weights, k, self.group_iters)
            else:
                rng = np.random.default_rng([self.random_state, k])
                lab = best_of_restarts(centres, weights, k, self.base_iters, self.n_init, rng)
            lab = merge_small(lab, centres, weights, self.min_group_size)
            if lab.max() < 1 or lab.max() + 1 in labels:
                continue
            labels[int(lab.max()) + 1] = lab
            self.silhouettes_[int(lab.max()) + 1] = base_silhouette(centres, lab)
        self._centres = centres
        return base_of, labels

    def _choose_k(self, candidates, base_of, p, c, v, shape, clustered, prior) -> int:
        if self.k_rule == "silhouette" or len(candidates) == 1:
            return choose_k(self.silhouettes_, self.k_margin)
        gains = {k: 0.0 for k in candidates}
        n_p, n_c = shape
        in_clustered = np.zeros(n_p, dtype=bool)
        in_clustered[clustered] = True
        eligible = np.flatnonzero(in_clustered[p])
        for fold in range(self.k_folds):
            rng = np.random.default_rng([self.random_state, 7, fold])
            hidden = np.zeros(p.size, dtype=bool)
            hidden[rng.choice(eligible, size=int(round(self.heldout * eligible.size)), replace=False)] = True
            tr = ~hidden
            pos, _, _ = geometry(p[tr], c[tr], v[tr], shape, prior, self.random_state, self.n_components)
            sub = OpinionGroups(**{**self.get_params(), "k_rule": "silhouette"})
            b_of, cands = sub._candidates(pos[clustered])
            for k in gains:
                lab = np.full(n_p, -1, dtype=np.int64)
                if k in cands:
                    lab[clustered] = cands[k][b_of]
                elif cands:  # merging left fewer groups at this k: score the nearest k found
                    lab[clustered] = cands[min(cands, key=lambda j: (abs(j - k), j))][b_of]
                gains[k] += heldout_gain(p, c, v, hidden, lab, n_c) / self.k_folds
        self.k_gains_ = gains
        best = max(gains.values())
        return min(k for k, g in gains.items() if g >= best - self.k_margin)

    def get_params(self) -> dict:
        """Constructor parameters (scikit-learn style)."""
        return {name: getattr(self, name) for name in inspect.signature(type(self)).parameters}

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
