"""Viewpoint clustering: group comment embeddings into viewpoints with an automatic number of groups.

Algorithm (deterministic for a given input and ``random_state``):

1. Optionally map the frozen sentence embeddings through a small learned adapter
   (:mod:`forum.analysis.adapter`) that pulls together texts making the same point.
2. Within each side (agree / disagree; or all comments when sides are unknown), run average-linkage
   agglomerative clustering on cosine distance, cut at ``distance_threshold``; the number of groups
   follows from the threshold, not from a fixed k.  For large inputs only a seeded sample of at most
   ``max_exact`` comments is clustered exactly and the rest are assigned to the nearest centroid, so
   time and memory stay linear in n.
3. A few nearest-centroid refinement passes; groups smaller than ``min_cluster_size`` and comments
   less similar than ``min_similarity`` to every centroid become leftovers (label -1).
4. Comments of unknown side are assigned to the nearest centroid of either side.

Centroids are returned in the original embedding space, L2-normalised, so that new comments can be
assigned with :func:`assign_to_centroids` without the adapter.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

__all__ = ["ViewpointClusterer", "assign_to_centroids"]


def _normalise(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(norms, 1e-12)


def assign_to_centroids(X: np.ndarray, centroids: np.ndarray, min_similarity: float) -> np.ndarray:
    """Label each row of ``X`` with its most cosine-similar centroid, or -1 below ``min_similarity``.

    Args:
        X: (n, d) embeddings (normalised here, so any scale is accepted).
        centroids: (k, d) centroids; k may be 0.
        min_similarity: cosine similarity a row needs to its best centroid to be assigned.

    Returns:
        (n,) int array of centroid indices, -1 for rows that fit no centroid.
    """
    X = np.asarray(X, dtype=np.float32)
    n = X.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(centroids) == 0:
        return labels
    C = _normalise(centroids)
    Xn = _normalise(X)
    step = 8192  # bounded memory: (step, k) similarities at a time
    for start in range(0, n, step):
        sims = Xn[start : start + step] @ C.T
        best = np.argmax(sims, axis=1)
        ok = sims[np.arange(len(best)), best] >= min_similarity
        labels[start : start + step] = np.where(ok, best, -1)
    return labels


class ViewpointClusterer:
    """Cluster comment embeddings into viewpoints, choosing the number of viewpoints automatically.

    Parameters:
        min_cluster_size: groups smaller than this become leftovers (-1).
        random_state: seed for the sample drawn on large inputs.
        adapter: name of a shipped embedding adapter (``"default"``), or None for the raw embeddings.
        distance_threshold: cosine distance at which the average-linkage tree is cut, in the space the
            clustering runs in (adapted or raw). None = the adapter's tuned value (or 0.6 without one).
        min_similarity: leftover cut-off, cosine similarity to the nearest centroid in the clustering
            space. None = the adapter's tuned value (or 0.3 without one).
        max_exact: largest number of comments (per side) clustered exactly; beyond that a sample.
        refine_iter: nearest-centroid refinement passes after the tree cut.
    """

    def __init__(
        self,
        *,
        min_cluster_size: int = 3,
        random_state: int = 0,
        adapter: str | None = "default",
        distance_threshold: float | None = None,
        min_similarity: float | None = None,
        max_exact: int = 2500,
        refine_iter: int = 2,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.random_state = random_state
        self.adapter = adapter
        self.distance_threshold = distance_threshold
        self.min_similarity = min_similarity
        self.max_exact = max_exact
        self.refine_iter = refine_iter

    # -- helpers -------------------------------------------------------------------------------
    def _resolve(self) -> tuple[object | None, float, float]:
        adapter = None
        threshold, min_sim = 0.6, 0.3
        if self.adapter is not None:
            from forum.analysis.adapter import load_adapter

            adapter = load_adapter(self.adapter)
            if adapter is not None:
                threshold, min_sim = adapter.distance_threshold, adapter.min_similarity
        if self.distance_threshold is not None:
            threshold = self.distance_threshold
        if self.min_similarity is not None:
            min_sim = self.min_similarity
        return adapter, float(threshold), float(min_sim)

    def _cluster_block(self, Z: np.ndarray, threshold: float, min_sim: float, rng) -> np.ndarray:
        """Cluster one side's adapted embeddings; returns labels 0..k-1 or -1."""
        n = Z.shape[0]
        if n < max(2, self.min_cluster_size):
            return np.full(n, -1, dtype=np.int64)
        if n > self.max_exact:
            idx = np.sort(rng.choice(n, size=self.max_exact, replace=False))
        else:
            idx = np.arange(n)
        sample = Z[idx].astype(np.float64)
        tree = linkage(sample, method="average", metric="cosine")
        cut = fcluster(tree, t=threshold, criterion="distance") - 1
        centroids = self._centroids(sample, cut, self.min_cluster_size)
        labels = assign_to_centroids(Z, centroids, min_sim)
        for _ in range(self.refine_iter):
            centroids = self._centroids(Z, labels, self.min_cluster_size)
            new = assign_to_centroids(Z, centroids, min_sim)
            if np.array_equal(new, labels):
                break
            labels = new
        centroids = self._centroids(Z, labels, self.min_cluster_size)
        return assign_to_centroids(Z, centroids, min_sim)

    @staticmethod
    def _centroids(Z: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
        """Normalised mean of each label with at least ``min_size`` members, ordered by size (desc)."""
        ids, counts = np.unique(labels[labels >= 0], return_counts=True)
        keep = ids[counts >= min_size]
        keep = keep[np.argsort(-counts[counts >= min_size], kind="stable")]
        if len(keep) == 0:
            return np.zeros((0, Z.shape[1]), dtype=np.float32)
        return _normalise(np.stack([Z[labels == k].mean(axis=0) for k in keep]))

    # -- public API ------------------------------------------------------------------------------
    def fit(self, X: np.ndarray, sides: np.ndarray | None = None) -> ViewpointClusterer:
        """Cluster ``X`` (n, d) L2-normalised embeddings; ``sides`` (n,) in {1, -1, 0} or None.

        Sets ``labels_`` (n,), ``n_clusters_``, ``centroids_`` (n_clusters_, d) in the original space,
        and ``sides_`` (n_clusters_,) the side each viewpoint argues (0 when sides were unknown).
        """
        X = _normalise(X)
        n = X.shape[0]
        sides = np.zeros(n, dtype=np.int64) if sides is None else np.asarray(sides).astype(np.int64)
        if sides.shape != (n,):
            raise ValueError(f"sides must have shape ({n},), got {sides.shape}")
        adapter, threshold, min_sim = self._resolve()
        Z = adapter.transform(X) if adapter is not None else X
        rng = np.random.default_rng(self.random_state)

        labels = np.full(n, -1, dtype=np.int64)
        cluster_sides: list[int] = []
        known = [s for s in (1, -1) if np.any(sides == s)]
        groups = known if known else [0]
        for side in groups:
            members = np.flatnonzero(sides == side)
            block = self._cluster_block(Z[members], threshold, min_sim, rng)
            ok = block >= 0
            labels[members[ok]] = block[ok] + len(cluster_sides)
            cluster_sides.extend([side] * (int(block.max()) + 1 if ok.any() else 0))
        if known and np.any(sides == 0) and cluster_sides:
            unknown = np.flatnonzero(sides == 0)
            zc = self._centroids(Z, labels, 1)  # one per cluster, ordered by size
            order = self._size_order(labels)
            got = assign_to_centroids(Z[unknown], zc, min_sim)
            labels[unknown] = np.where(got >= 0, order[np.maximum(got, 0)], -1)
        self._finalise(X, labels, np.asarray(cluster_sides, dtype=np.int64))
        return self

    @staticmethod
    def _size_order(labels: np.ndarray) -> np.ndarray:
        ids, counts = np.unique(labels[labels >= 0], return_counts=True)
        return ids[np.argsort(-counts, kind="stable")]

    def _finalise(self, X: np.ndarray, labels: np.ndarray, cluster_sides: np.ndarray) -> None:
        """Renumber clusters by decreasing size and compute original-space centroids."""
        order = self._size_order(labels)
        remap = np.full(int(labels.max()) + 2 if labels.size else 1, -1, dtype=np.int64)
        remap[order] = np.arange(len(order))
        self.labels_ = np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)
        self.n_clusters_ = len(order)
        self.centroids_ = (
            _normalise(np.stack([X[self.labels_ == k].mean(axis=0) for k in range(self.n_clusters_)]))
            if self.n_clusters_
            else np.zeros((0, X.shape[1]), dtype=np.float32)
        )
        self.sides_ = cluster_sides[order] if len(cluster_sides) else np.zeros(0, dtype=np.int64)
