"""Keep viewpoint identity across recomputations of a map.

When a story's map is recomputed, each new group is matched to at most one old viewpoint by the
Jaccard similarity of their member comment ids (Hungarian assignment, maximising total overlap); pairs
below ``threshold`` do not match. Matched groups keep the old id (and its URL, votes, edits), the others
are new; unmatched old viewpoints are gone.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence, Set
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

__all__ = ["ChangeReport", "IdentityMatch", "jaccard_matrix", "match_viewpoints"]


@dataclass
class ChangeReport:
    """What changed between two versions of a map.

    kept: (new index, old id, Jaccard) for each matched group.
    new: new indices without an old counterpart.
    gone: old ids without a new counterpart.
    moved: comments in a viewpoint in both versions whose viewpoint changed.
    added: comments in a new group but in no old viewpoint; removed: the reverse (deleted comments, or
    comments that fell out of every group, e.g. into "Other" when it is not passed in).
    """

    kept: list[tuple[int, Hashable, float]] = field(default_factory=list)
    new: list[int] = field(default_factory=list)
    gone: list[Hashable] = field(default_factory=list)
    moved: int = 0
    added: int = 0
    removed: int = 0


@dataclass
class IdentityMatch:
    """``mapping[i]`` is the old id new group ``i`` keeps, or None if it is new."""

    mapping: list[Hashable | None]
    report: ChangeReport


def jaccard_matrix(a: Sequence[Set[int]], b: Sequence[Set[int]]) -> np.ndarray:
    """Jaccard similarity between every set of ``a`` and every set of ``b``: shape (len(a), len(b))."""
    universe: dict[int, int] = {}
    for group in (*a, *b):
        for m in group:
            universe.setdefault(m, len(universe))

    def incidence(groups: Sequence[Set[int]]) -> sparse.csr_matrix:
        rows = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
        cols = np.fromiter((universe[m] for g in groups for m in g), dtype=np.int64, count=len(rows))
        data = np.ones(len(rows), dtype=np.float64)
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(groups), max(1, len(universe))))

    if not a or not b:
        return np.zeros((len(a), len(b)))
    A, B = incidence(a), incidence(b)
    inter = (A @ B.T).toarray()
    sizes_a = np.array([len(g) for g in a], dtype=np.float64)
    sizes_b = np.array([len(g) for g in b], dtype=np.float64)
    union = sizes_a[:, None] + sizes_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def match_viewpoints(
    old: Mapping[Hashable, Set[int]], new: Sequence[Set[int]], threshold: float = 0.3
) -> IdentityMatch:
    """Match new groups (member id sets) to old viewpoints (id -> member id set).

    Returns the new-index -> old-id mapping (None for new groups) and a :class:`ChangeReport`.
    Deterministic: old ids are considered in the order ``old`` yields them.
    """
    old_ids = list(old)
    old_sets = [set(old[i]) for i in old_ids]
    new_sets = [set(g) for g in new]
    J = jaccard_matrix(new_sets, old_sets)
    mapping: list[Hashable | None] = [None] * len(new_sets)
    report = ChangeReport()
    if J.size:
        rows, cols = linear_sum_assignment(-J)
        for r, c in zip(rows, cols, strict=True):
            if J[r, c] >= threshold:
                mapping[r] = old_ids[c]
                report.kept.append((int(r), old_ids[c], float(J[r, c])))
    report.kept.sort(key=lambda t: t[0])
    matched_old = {old_id for _, old_id, _ in report.kept}
    report.new = [i for i, m in enumerate(mapping) if m is None]
    report.gone = [i for i in old_ids if i not in matched_old]

    before = {m: old_id for old_id, g in zip(old_ids, old_sets, strict=True) for m in g}
    after: dict[int, object] = {}
    for i, g in enumerate(new_sets):
        key = mapping[i] if mapping[i] is not None else ("new", i)
        for m in g:
            after[m] = key
    report.moved = sum(1 for m, key in after.items() if m in before and before[m] != key)
    report.added = sum(1 for m in after if m not in before)
    report.removed = sum(1 for m in before if m not in after)
    return IdentityMatch(mapping=mapping, report=report)
