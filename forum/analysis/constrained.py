"""Clustering that respects editors' decisions.

Editors curate viewpoints (merge, split, move comments, define key points). When a story's map is
recomputed, comments an editor placed stay where the editor put them as long as they still fit, and only
the remaining comments are clustered afresh. :class:`ConstrainedClusterer` wraps any clusterer: rows with a
fixed label keep it (labels ``0..m-1`` for the ``m`` curated groups), the rest go to the base clusterer and
get labels from ``m`` on.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ConstrainedClusterer"]


class ConstrainedClusterer:
    """Keep ``fixed`` assignments, cluster the rest with ``base``.

    Parameters
    ----------
    base: a clusterer with ``fit(X, sides)``, ``labels_`` and ``centroids_`` (used for the free rows).
    fixed: (n,) int array; ``fixed[i] >= 0`` pins row ``i`` to curated group ``fixed[i]``, -1 leaves it free.
    n_fixed: number of curated groups (groups with no pinned row keep an empty slot and a zero centroid).
    """

    def __init__(self, base, fixed: np.ndarray, n_fixed: int | None = None):
        self.base = base
        self.fixed = fixed
        self.n_fixed = n_fixed

    def fit(self, X: np.ndarray, sides: np.ndarray | None = None) -> ConstrainedClusterer:
        X = np.asarray(X, dtype=np.float32)
        fixed = np.asarray(self.fixed, dtype=np.int64)
        if fixed.shape != (X.shape[0],):
            raise ValueError(f"fixed must have shape ({X.shape[0]},), got {fixed.shape}")
        m = int(self.n_fixed if self.n_fixed is not None else (fixed.max() + 1 if fixed.size else 0))
        labels = np.where(fixed >= 0, fixed, -1)
        free = np.flatnonzero(fixed < 0)
        centroids = [self._centroid(X[fixed == k]) for k in range(m)]
        if len(free):
            self.base.fit(X[free], None if sides is None else np.asarray(sides)[free])
            base_labels = np.asarray(self.base.labels_, dtype=np.int64)
            labels[free] = np.where(base_labels >= 0, base_labels + m, -1)
            base_centroids = np.asarray(self.base.centroids_, dtype=np.float32)
            for k in range(int(base_labels.max()) + 1 if len(base_labels) else 0):
                have = k < len(base_centroids)
                centroids.append(base_centroids[k] if have else self._centroid(X[free][base_labels == k]))
        self.labels_ = labels
        d = X.shape[1]
        self.centroids_ = (
            np.stack(centroids).astype(np.float32) if centroids else np.zeros((0, d), np.float32)
        )
        self.n_clusters_ = len(centroids)
        return self

    @staticmethod
    def _centroid(rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(rows.shape[1], dtype=np.float32)
        c = rows.mean(axis=0)
        return (c / max(float(np.linalg.norm(c)), 1e-12)).astype(np.float32)
