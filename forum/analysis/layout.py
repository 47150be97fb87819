"""2-D map of viewpoints: similar viewpoints sit near each other, circle area follows the share of authors.

The default layout is classical multidimensional scaling (MDS) of the centroids' cosine distances,
scaled into the unit square, followed by a pass that pushes overlapping circles apart. It is closed-form
and deterministic (eigenvector signs are fixed), so the same viewpoints always land in the same place.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["Layout", "MDSLayout", "classical_mds", "remove_overlaps"]


class Layout(Protocol):
    """Places viewpoints on the unit square: ``positions_`` (k, 2) in [0, 1]², ``radii_`` (k,)."""

    positions_: np.ndarray
    radii_: np.ndarray

    def fit(self, centroids: np.ndarray, weights: np.ndarray) -> Layout:
        """Lay out ``centroids`` (k, d) with circle areas proportional to ``weights`` (k,)."""
        ...


def classical_mds(centroids: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS of the cosine distances between rows; deterministic signs."""
    C = np.asarray(centroids, dtype=np.float64)
    k = C.shape[0]
    out = np.zeros((k, n_components))
    if k < 2:
        return out
    norms = np.linalg.norm(C, axis=1, keepdims=True)
    C = C / np.where(norms == 0, 1, norms)
    D2 = np.clip(1.0 - C @ C.T, 0.0, 2.0) ** 2  # squared cosine distances
    J = np.eye(k) - 1.0 / k
    B = -0.5 * J @ D2 @ J
    vals, vecs = np.linalg.eigh((B + B.T) / 2)
    order = np.argsort(-vals, kind="stable")[:n_components]
    for c, j in enumerate(order):
        v = vecs[:, j]
        v = v * (1.0 if v[np.argmax(np.abs(v))] >= 0 else -1.0)  # fix the sign
        out[:, c] = v * np.sqrt(max(vals[j], 0.0))
    return out


def remove_overlaps(
    positions: np.ndarray, radii: np.ndarray, padding: float = 0.005, max_iter: int = 500
) -> np.ndarray:
    """Push overlapping circles apart (and back inside the unit square) until none overlap.

    Each pass moves every overlapping pair apart along the line between their centres, each by half the
    overlap (plus a little slack); coincident centres are separated along a fixed, index-dependent
    direction. Passes run on the pairs found close at the last full check, so many circles stay cheap;
    stops when a full check finds no overlap or after ``max_iter`` passes.
    """
    P = np.array(positions, dtype=np.float64, copy=True)
    r = np.asarray(radii, dtype=np.float64)
    k = len(P)
    if k == 0:
        return P
    angle = np.arange(k) * 2.399963  # a tiny fixed jitter breaks symmetric deadlocks (e.g. on a line)
    P += 1e-3 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lo, hi = r[:, None], 1.0 - r[:, None]
    P = np.clip(P, lo, hi)
    if k < 2:
        return P
    all_i, all_j = np.triu_indices(k, 1)
    slack = max(padding, 1e-3)
    margin = 2 * float(r.max()) + slack
    passes = 0
    while passes < max_iter:
        # Check every pair, then iterate on the pairs that are close for a few passes (cheap for many k).
        gap = np.linalg.norm(P[all_j] - P[all_i], axis=1) - (r[all_i] + r[all_j] + padding)
        near = gap < margin
        if not (gap[near] < -1e-7).any():
            break
        iu, ju = all_i[near], all_j[near]
        need = r[iu] + r[ju] + padding
        fallback = np.stack([np.cos(iu * 2.399963 + ju), np.sin(iu * 2.399963 + ju)], axis=1)
        for _ in range(10):
            passes += 1
            if not _push_pass(P, r, iu, ju, need, slack, fallback):
                break
    return P


def _push_pass(P, r, iu, ju, need, slack, fallback) -> bool:
    """One pass over candidate pairs, in place; False when none of them overlapped."""
    delta = P[ju] - P[iu]
    dist = np.sqrt(np.einsum("ij,ij->i", delta, delta))
    overlap = need - dist
    hit = np.flatnonzero(overlap > 1e-7)
    if len(hit) == 0:
        return False
    d = dist[hit, None]
    direction = np.where(d > 1e-9, delta[hit] / np.maximum(d, 1e-12), fallback[hit])
    push = (0.5 * (overlap[hit] + slack))[:, None] * direction  # overshoot a little: fewer passes
    k = len(P)
    for axis in (0, 1):
        P[:, axis] += np.bincount(ju[hit], push[:, axis], minlength=k) - np.bincount(
            iu[hit], push[:, axis], minlength=k
        )
    np.clip(P, r[:, None], 1.0 - r[:, None], out=P)
    return True


class MDSLayout:
    """Classical MDS of the centroids, normalised to the unit square, then overlap removal.

    Parameters
    ----------
    max_radius: radius of the largest circle before scaling down to fit.
    min_radius: smallest radius any viewpoint gets (so small groups stay clickable).
    max_fill: the circles together cover at most this fraction of the square (radii shrink to fit).
    padding: gap kept between circles.
    spread: 0..1, how much the MDS coordinates are blended with their ranks before overlap removal
        (many viewpoints otherwise crowd the centre; ranks keep left/right and up/down order).
    """

    def __init__(
        self,
        max_radius: float = 0.15,
        min_radius: float = 0.02,
        max_fill: float = 0.35,
        padding: float = 0.005,
        spread: float = 0.5,
    ):
        self.max_radius = max_radius
        self.min_radius = min_radius
        self.max_fill = max_fill
        self.padding = padding
        self.spread = spread

    def fit(self, centroids: np.ndarray, weights: np.ndarray) -> MDSLayout:
        """Compute ``positions_`` (k, 2) in [0, 1]² and ``radii_`` (k,) for ``centroids`` (k, d)."""
        centroids = np.asarray(centroids, dtype=np.float64)
        w = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
        k = centroids.shape[0]
        if len(w) != k:
            raise ValueError(f"got {k} centroids but {len(w)} weights")
        self.radii_ = self._radii(w)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: threads only add contention
            xy = classical_mds(centroids)
        span = xy.max(axis=0) - xy.min(axis=0) if k else np.zeros(2)
        scale = span.max() if k and span.max() > 0 else 1.0
        unit = (xy - xy.min(axis=0)) / scale if k else xy  # aspect ratio kept, in [0, 1]
        unit = unit + (1.0 - (span / scale if k else 0)) / 2  # centre the shorter axis
        if k > 2 and self.spread > 0:  # blend with rank positions: keeps order, evens out dense cores
            ranks = np.argsort(np.argsort(xy, axis=0, kind="stable"), axis=0, kind="stable") / (k - 1)
            unit = (1 - self.spread) * unit + self.spread * ranks
        margin = float(self.radii_.max()) if k else 0.0
        placed = margin + unit * (1.0 - 2 * margin)
        self.positions_ = remove_overlaps(placed, self.radii_, self.padding)
        return self

    def _radii(self, w: np.ndarray) -> np.ndarray:
        if len(w) == 0:
            return np.zeros(0)
        top = w.max() if w.max() > 0 else 1.0
        r = np.maximum(self.max_radius * np.sqrt(w / top), self.min_radius)
        area = np.pi * np.sum((r + self.padding / 2) ** 2)
        if area > self.max_fill:
            r = r * np.sqrt(self.max_fill / area)
        return r
