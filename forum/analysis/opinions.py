"""Opinion groups from agree/disagree/pass votes, the Pol.is way, without a dense vote matrix.

Votes come in as three parallel arrays (participant index, comment index, value: agree +1, disagree -1,
pass 0). The pipeline follows Pol.is (see docs): participant filter (min(7, C) votes, topped up to the 15
most active), column-mean imputation and centring, two principal components, the sparsity-aware
projection, k-means groups chosen by silhouette, representative statements (pat/rat/pdt/rdt), majority
and group-informed consensus, comment extremity and next-comment priority.

Memory: after mean imputation and centring, a missing cell is exactly 0, so the centred matrix is as
sparse as the votes (value - column mean at voted cells). PCA is a truncated SVD of that sparse matrix,
and every count is a sparse product, so nothing of size participants x comments is ever dense.
Differences from Pol.is: groups are chosen over k = 2..max_k (default 8) by a participant-weighted
silhouette on the base clusters, groups smaller than ``min_group_size`` are merged into the nearest
group, there is no k smoothing across updates, and everything is seeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

Z90 = 1.2816  # one-sided 90% z threshold used by Pol.is
AGREE, DISAGREE, PASS = 1, -1, 0


@dataclass
class RepStatement:
    """A comment that represents a group: its members lean ``direction`` on it more than the rest."""

    comment: int
    direction: str  # "agree" | "disagree"
    p: float  # smoothed share of the group voting that way, (n + 1) / (n_s + 2)
    ratio: float  # p divided by the same share among all other groups' members
    p_test: float  # pat / pdt: one-sample z against 1/2
    ratio_test: float  # rat / rdt: two-proportion z, group versus rest
    n_success: int
    n_trials: int
    best_agree: bool = False


@dataclass
class ConsensusStatement:
    """A comment most participants agree (or disagree) with."""

    comment: int
    direction: str
    p: float
    p_test: float
    n_success: int
    n_trials: int


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
class CommentStats:
    """Per-comment statistics; ``group_*`` arrays have shape (k, n_comments)."""

    agree: np.ndarray
    disagree: np.ndarray
    passes: np.ndarray
    seen: np.ndarray
    group_agree: np.ndarray
    group_disagree: np.ndarray
    group_seen: np.ndarray
    gic: np.ndarray  # group-informed consensus, prod_g (A_g + 1) / (S_g + 2)
    gic_disagree: np.ndarray
    extremity: np.ndarray  # Pol.is comment "divisiveness": length of an agree-only voter's projection
    divisiveness: np.ndarray  # largest gap between two groups' smoothed agree rates
    components: np.ndarray  # (n_comments, 2) principal-component loadings, 0 for excluded comments
    active: np.ndarray  # bool: in the geometry (not excluded)

    @property
    def group_passes(self) -> np.ndarray:
        return self.group_seen - self.group_agree - self.group_disagree


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


def next_comment_priorities(
    agree: np.ndarray,
    disagree: np.ndarray,
    seen: np.ndarray,
    extremity: np.ndarray,
    meta: np.ndarray | None = None,
) -> np.ndarray:
    """Pol.is priority from vote totals (A, D, S) and extremity E; meta comments get the fixed 7**2.

    importance = (1 - (P + 1) / (S + 2)) * (E + 1) * (A + 1) / (S + 2), P = S - A - D;
    priority = (importance * (1 + 8 * 2 ** (-S / 5))) ** 2, so new comments bubble up.
    """
    a, d, s = (np.asarray(x, dtype=np.float64) for x in (agree, disagree, seen))
    e = np.nan_to_num(np.asarray(extremity, dtype=np.float64))
    importance = (1 - (s - a - d + 1) / (s + 2)) * (e + 1) * (a + 1) / (s + 2)
    pr = (importance * (1 + 8 * 2.0 ** (-s / 5))) ** 2
    if meta is not None:
        pr = np.where(np.asarray(meta, dtype=bool), 49.0, pr)
    return pr


def choose_next_comment(
    priorities: np.ndarray, voted_mask: np.ndarray, own_mask: np.ndarray, rng: np.random.Generator
) -> int | None:
    """Draw a comment the voter has neither voted on nor written, with probability ~ priority.

    Returns None when no comment is left. Zero or non-finite priorities are never drawn unless every
    remaining comment has one, in which case the draw is uniform over them.
    """
    pr = np.asarray(priorities, dtype=np.float64)
    open_ = ~np.asarray(voted_mask, dtype=bool) & ~np.asarray(own_mask, dtype=bool)
    cand = np.flatnonzero(open_)
    if cand.size == 0:
        return None
    w = np.where(np.isfinite(pr[cand]) & (pr[cand] > 0), pr[cand], 0.0)
    if w.sum() <= 0:
        return int(rng.choice(cand))
    return int(rng.choice(cand, p=w / w.sum()))


class OpinionGroups:
    """Estimator: ``OpinionGroups(...).fit(participant_idx, comment_idx, value, ...).result_``.

    Parameters follow Pol.is defaults; ``max_k`` lifts its cap of 5 groups, ``min_group_size`` forbids
    groups of one or two people, ``random_state`` seeds SVD and k-means so results are reproducible.
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
    ) -> None:
        self.min_votes = min_votes
        self.greedy_n = greedy_n
        self.base_k = base_k
        self.max_k = max_k
        self.min_group_size = min_group_size
        self.pick_max = pick_max
        self.scale_prior = scale_prior
        self.random_state = random_state

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
        if clustered.size:
            labels[clustered] = self._cluster(positions[clustered])
        k = int(labels.max()) + 1
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
        """Base k-means (k=base_k), then weighted k-means on base centres for k = 2..max_k."""
        n = x.shape[0]
        if n < 2 * self.min_group_size:
            return np.zeros(n, dtype=np.int64)
        rng = np.random.default_rng(self.random_state)
        uniq, inverse, counts = np.unique(x, axis=0, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        if len(uniq) > self.base_k:
            centres, lab = _kmeans(uniq, self.base_k, counts.astype(np.float64), rng, n_init=1)
            base_of = lab[inverse]
        else:
            centres, base_of = uniq, inverse
        weights = np.bincount(base_of, minlength=len(centres)).astype(np.float64)
        keep = weights > 0
        remap = np.cumsum(keep) - 1
        centres, weights, base_of = centres[keep], weights[keep], remap[base_of]
        dist = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
        max_k = min(self.max_k, len(centres) - 1, n // self.min_group_size)
        best, best_score = np.zeros(len(centres), dtype=np.int64), -np.inf
        for k in range(2, max_k + 1):
            _, lab = _kmeans(centres, k, weights, rng, n_init=10)
            lab = _merge_small(lab, centres, weights, self.min_group_size)
            if lab.max() < 1:
                continue
            score = _weighted_silhouette(dist, lab, weights)
            if score > best_score + 1e-9:
                best, best_score = lab, score
        return _relabel_by_size(best[base_of])


def compute_opinion_groups(
    participant_idx: np.ndarray,
    comment_idx: np.ndarray,
    value: np.ndarray,
    n_participants: int,
    n_comments: int,
    excluded_comments: np.ndarray | None = None,
    excluded_participants: np.ndarray | None = None,
    **params: int,
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
    if min(sub.shape) <= 3:
        _, s, vt = np.linalg.svd(sub.toarray(), full_matrices=False)
    else:
        v0 = np.random.default_rng(seed).standard_normal(min(sub.shape))
        _, s, vt = svds(sub, k=2, v0=v0)
    vt = vt[np.argsort(-s)][:2]
    flip = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(1)])  # deterministic sign
    components[cols, : len(vt)] = (vt * flip[:, None]).T
    n_cols = cols.size
    scale = np.sqrt((n_cols + prior) / np.maximum(n_votes + prior, 1))
    positions = np.asarray(centred @ components) * scale[:, None]
    extremity = np.sqrt(n_cols) * np.abs(1 - mean) * np.linalg.norm(components, axis=1)
    return positions, components, extremity


def _kmeans(
    x: np.ndarray, k: int, w: np.ndarray, rng: np.random.Generator, n_init: int, iters: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Lloyd k-means with k-means++ starts; numpy only (no thread pools for tiny inputs)."""
    best, best_inertia = (x[:k].copy(), np.zeros(len(x), dtype=np.int64)), np.inf
    sq = (x**2).sum(1)
    for _ in range(n_init):
        cent = x[[rng.choice(len(x), p=w / w.sum())]]
        d2 = ((x - cent[0]) ** 2).sum(1)
        while len(cent) < k and (w * d2).sum() > 0:
            nxt = x[rng.choice(len(x), p=w * d2 / (w * d2).sum())]
            cent = np.vstack([cent, nxt])
            d2 = np.minimum(d2, ((x - nxt) ** 2).sum(1))
        for _ in range(iters):
            dist = sq[:, None] - 2 * x @ cent.T + (cent**2).sum(1)[None, :]
            lab = dist.argmin(1)
            mass = np.bincount(lab, weights=w, minlength=len(cent))
            sums = np.stack([np.bincount(lab, weights=w * x[:, j], minlength=len(cent)) for j in range(2)], 1)
            new = np.where(mass[:, None] > 0, sums / np.maximum(mass, 1e-12)[:, None], cent)
            if np.abs(new - cent).max() < 1e-10:
                break
            cent = new
        inertia = float((w * np.maximum(dist[np.arange(len(x)), lab], 0)).sum())
        if inertia < best_inertia - 1e-12:
            best, best_inertia = (cent, np.unique(lab, return_inverse=True)[1].ravel()), inertia
    return best


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


def _prop_test(n_succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 2 * np.sqrt(n + 1) * ((n_succ + 1) / (n + 1) - 0.5)


def _two_prop_test(s1: np.ndarray, s2: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    pi1, pi2 = (s1 + 1) / (n1 + 1), (s2 + 1) / (n2 + 1)
    pihat = (s1 + s2 + 2) / (n1 + n2 + 2)
    var = pihat * (1 - pihat) * (1 / (n1 + 1) + 1 / (n2 + 1))
    return np.divide(pi1 - pi2, np.sqrt(np.maximum(var, 0)), out=np.zeros_like(pi1), where=var > 0)


def _group_repness(ga: np.ndarray, gd: np.ndarray, gs: np.ndarray, active: np.ndarray, pick: int) -> list:
    """Representative statements per group (Pol.is tests and ranking, best agree first)."""
    rest = [t.sum(0, keepdims=True) - t for t in (ga, gd, gs)]
    pa, pd = (ga + 1) / (gs + 2), (gd + 1) / (gs + 2)
    pat, pdt = _prop_test(ga, gs), _prop_test(gd, gs)
    ra, rd = pa / ((rest[0] + 1) / (rest[2] + 2)), pd / ((rest[1] + 1) / (rest[2] + 2))
    rat, rdt = _two_prop_test(ga, rest[0], gs, rest[2]), _two_prop_test(gd, rest[1], gs, rest[2])
    out = []
    for g in range(ga.shape[0]):

        def stmt(c: int, best: bool = False, g: int = g) -> RepStatement:
            if rat[g, c] > rdt[g, c] or best:
                vals = ("agree", pa[g, c], ra[g, c], pat[g, c], rat[g, c], ga[g, c])
            else:
                vals = ("disagree", pd[g, c], rd[g, c], pdt[g, c], rdt[g, c], gd[g, c])
            d, p, r, pt, rt, n = vals
            return RepStatement(
                int(c), d, float(p), float(r), float(pt), float(rt), int(n), int(gs[g, c]), best
            )

        voted = active & (ga[g] + gd[g] > 0)
        agree_ok = voted & (ra[g] > 1) & ((pat[g] > Z90) | (pa[g] > 0.5))
        best_agree = None
        if agree_ok.any():
            m = np.where(agree_ok, ra[g] * rat[g] * pa[g] * pat[g], -np.inf)
            best_agree = int(m.argmax())
        ok = active & (((pat[g] > Z90) & (rat[g] > Z90)) | ((pdt[g] > Z90) & (rdt[g] > Z90)))
        cands = np.flatnonzero(ok)
        if cands.size == 0:
            if best_agree is not None:
                out.append([stmt(best_agree, True)])
                continue
            z = np.where(voted, np.maximum(rat[g], rdt[g]), -np.inf)
            out.append([stmt(int(z.argmax()))] if z.max() > 0 else [])
            continue
        sel = [stmt(int(c)) for c in cands if c != best_agree]
        sel.sort(key=lambda s: (-(s.ratio * s.ratio_test * s.p * s.p_test), s.comment))
        head = [stmt(best_agree, True)] if best_agree is not None else []
        chosen = (head + sel)[:pick]
        out.append(
            [s for s in chosen if s.direction == "agree"] + [s for s in chosen if s.direction != "agree"]
        )
    return out


def _consensus(a: np.ndarray, s: np.ndarray, active: np.ndarray, direction: str, pick: int) -> list:
    p, pt = (a + 1) / (s + 2), _prop_test(a, s)
    ok = np.flatnonzero(active & (p > 0.5) & (pt > Z90))
    ok = ok[np.lexsort((ok, -(p[ok] * pt[ok])))][:pick]
    return [
        ConsensusStatement(int(c), direction, float(p[c]), float(pt[c]), int(a[c]), int(s[c])) for c in ok
    ]


def _assemble(p, c, v, labels, k, pos, components, extremity, active, pick) -> OpinionResult:
    n_c = active.size
    agree = np.bincount(c[v == AGREE], minlength=n_c)
    disagree = np.bincount(c[v == DISAGREE], minlength=n_c)
    seen = np.bincount(c, minlength=n_c)
    g = labels[p]
    m = g >= 0
    key = g[m] * n_c + c[m]

    def per_group(sel: np.ndarray) -> np.ndarray:
        return np.bincount(key[sel], minlength=k * n_c).reshape(k, n_c)

    vm = v[m]
    ga, gd, gs = per_group(vm == AGREE), per_group(vm == DISAGREE), per_group(np.ones(vm.size, dtype=bool))
    if k:
        gic = np.prod((ga + 1) / (gs + 2), axis=0)
        gic_d = np.prod((gd + 1) / (gs + 2), axis=0)
    else:
        gic, gic_d = (agree + 1) / (seen + 2), (disagree + 1) / (seen + 2)
    rate = (ga + 1) / (gs + 2)
    divisiveness = rate.max(0) - rate.min(0) if k > 1 else np.zeros(n_c)
    div = np.flatnonzero(active & (divisiveness >= 0.3))
    divisive = [int(x) for x in div[np.lexsort((div, -divisiveness[div]))][:pick]]
    reps = _group_repness(ga, gd, gs, active, pick) if k > 1 else [[] for _ in range(k)]
    groups = []
    for i in range(k):
        members = np.flatnonzero(labels == i)
        centre = pos[members].mean(0)
        groups.append(
            OpinionGroup(i, members, int(members.size), (float(centre[0]), float(centre[1])), reps[i])
        )
    stats = CommentStats(
        agree, disagree, seen - agree - disagree, seen, ga, gd, gs, gic, gic_d,
        np.where(active, extremity, 0.0), np.where(active, divisiveness, 0.0), components, active,
    )  # fmt: skip
    return OpinionResult(
        groups, pos, labels, stats, _consensus(agree, seen, active, "agree", pick),
        _consensus(disagree, seen, active, "disagree", pick), divisive, k,
    )  # fmt: skip
