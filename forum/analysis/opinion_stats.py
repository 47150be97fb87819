"""Statistics over opinion groups: representative statements, consensus, group-informed consensus,
divisiveness and the Pol.is next-comment priority.

Everything here works on per-group vote counts (agree, disagree, seen; shape ``(k, n_comments)``), so it
is independent of how the groups were found. :mod:`forum.analysis.opinions` re-exports the public names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def prop_test(n_succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Pol.is one-sample proportion z against 1/2: 2 sqrt(n + 1) ((s + 1) / (n + 1) - 1/2)."""
    return 2 * np.sqrt(n + 1) * ((n_succ + 1) / (n + 1) - 0.5)


def two_prop_test(s1: np.ndarray, s2: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Pol.is two-proportion z (group versus rest), 0 where the pooled share is 0 or 1."""
    pi1, pi2 = (s1 + 1) / (n1 + 1), (s2 + 1) / (n2 + 1)
    pihat = (s1 + s2 + 2) / (n1 + n2 + 2)
    var = pihat * (1 - pihat) * (1 / (n1 + 1) + 1 / (n2 + 1))
    return np.divide(pi1 - pi2, np.sqrt(np.maximum(var, 0)), out=np.zeros_like(pi1), where=var > 0)


def group_repness(
    ga: np.ndarray, gd: np.ndarray, gs: np.ndarray, active: np.ndarray, pick: int
) -> list[list[RepStatement]]:
    """Representative statements per group (Pol.is tests and ranking, best agree first)."""
    rest = [t.sum(0, keepdims=True) - t for t in (ga, gd, gs)]
    pa, pd = (ga + 1) / (gs + 2), (gd + 1) / (gs + 2)
    pat, pdt = prop_test(ga, gs), prop_test(gd, gs)
    ra, rd = pa / ((rest[0] + 1) / (rest[2] + 2)), pd / ((rest[1] + 1) / (rest[2] + 2))
    rat, rdt = two_prop_test(ga, rest[0], gs, rest[2]), two_prop_test(gd, rest[1], gs, rest[2])
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


def consensus(
    a: np.ndarray, s: np.ndarray, active: np.ndarray, direction: str, pick: int
) -> list[ConsensusStatement]:
    """Majority consensus: p > 0.5 and the one-sample test passes; ranked by p * p_test, top ``pick``."""
    p, pt = (a + 1) / (s + 2), prop_test(a, s)
    ok = np.flatnonzero(active & (p > 0.5) & (pt > Z90))
    ok = ok[np.lexsort((ok, -(p[ok] * pt[ok])))][:pick]
    return [
        ConsensusStatement(int(c), direction, float(p[c]), float(pt[c]), int(a[c]), int(s[c])) for c in ok
    ]


def comment_statistics(
    p: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    labels: np.ndarray,
    k: int,
    components: np.ndarray,
    extremity: np.ndarray,
    active: np.ndarray,
    pick: int,
) -> tuple[CommentStats, list[list[RepStatement]], list[int]]:
    """Totals and per-group counts from the vote triples, with GIC, divisiveness and repness.

    ``labels`` is the group of each participant (-1: not clustered). Returns the statistics, each
    group's representative statements and the most divisive comments (agree rates 0.3+ apart).
    """
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
    reps = group_repness(ga, gd, gs, active, pick) if k > 1 else [[] for _ in range(k)]
    stats = CommentStats(
        agree, disagree, seen - agree - disagree, seen, ga, gd, gs, gic, gic_d,
        np.where(active, extremity, 0.0), np.where(active, divisiveness, 0.0), components, active,
    )  # fmt: skip
    return stats, reps, divisive
