"""Viewpoint clustering: group comment embeddings into viewpoints with an automatic number of groups.

Algorithm (deterministic for a given input and ``random_state``):

1. Map the frozen sentence embeddings through the shipped adapter (:mod:`forum.analysis.adapter`), a
   small residual projection trained on ArgKP train topics to pull texts making the same point together.
   When no comment states a side (and n <= ``max_exact``), the adapter's learned stance directions are
   also stretched.
2. Within each side (agree / disagree; or all comments when no side is known), partition a k-nearest-
   neighbour cosine graph spectrally into fine groups (about ``fine_size`` comments each, at most
   ``max_clusters``), then merge fine groups whose centroids lie within ``merge_distance``.  The number
   of viewpoints follows from the data, not from a fixed k.
3. Groups smaller than ``min_cluster_size`` and comments less similar than ``min_similarity`` to their
   group's centroid become leftovers (label -1).
4. Comments of unknown side, when others stated one, join the nearest viewpoint of either side.

Large inputs: only a seeded sample of ``max_exact`` comments per side is partitioned (sparse Lanczos
eigenvectors) and every comment is then assigned to the nearest sample centroid in the original space,
so time and memory grow linearly with n (100k x 384 in a few seconds, no n x n matrix).

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
    step = 8192  # bounded memory: (step, k) similarities at a time
    for start in range(0, n, step):
        sims = _normalise(X[start : start + step]) @ C.T
        best = np.argmax(sims, axis=1)
        ok = sims[np.arange(len(best)), best] >= min_similarity
        labels[start : start + step] = np.where(ok, best, -1)
    return labels


def _spectral(Z: np.ndarray, k: int, n_neighbors: int, random_state: int) -> np.ndarray:
    """Spectral partition of a symmetric k-nearest-neighbour cosine graph into ``k`` groups.

    Normalised-adjacency eigenvectors (dense, n is at most ``max_exact``) discretised by the
    deterministic QR-pivoting method (Damle et al. 2019, as scikit-learn's ``assign_labels="cluster_qr"``).
    ``random_state`` seeds the Lanczos start vector on larger inputs; every step is deterministic.
    """
    from scipy.linalg import eigh, qr, svd
    from scipy.sparse import diags
    from scipy.sparse.linalg import eigsh
    from sklearn.neighbors import kneighbors_graph

    n = Z.shape[0]
    if k <= 1 or n <= k:
        return np.zeros(n, dtype=np.int64) if k <= 1 else np.arange(n, dtype=np.int64)
    A = kneighbors_graph(Z, min(n_neighbors, n - 1), metric="cosine", mode="connectivity")
    W = 0.5 * (A + A.T)
    d = np.sqrt(np.asarray(W.sum(axis=1)).ravel())
    N = diags(1.0 / d) @ W @ diags(1.0 / d)
    if n <= 300:
        _, vecs = eigh(N.toarray(), subset_by_index=[n - k, n - 1])
    else:  # sparse Lanczos: seconds instead of minutes on a loaded machine; seeded start vector
        v0 = np.random.default_rng(random_state).uniform(0.5, 1.5, n)
        _, vecs = eigsh(N, k=k, which="LA", v0=v0, tol=1e-8)
    vecs = vecs / d[:, None]
    _, _, piv = qr(vecs.T, pivoting=True)
    ut, _, v = svd(vecs[piv[:k], :].T)
    return np.abs(vecs @ (ut @ v.conj())).argmax(axis=1).astype(np.int64)


def _merge(Z: np.ndarray, labels: np.ndarray, merge_distance: float) -> np.ndarray:
    """Merge groups whose centroids are within ``merge_distance`` (cosine, average linkage); 0..k-1."""
    ids = np.unique(labels)
    if len(ids) < 2:
        return np.zeros_like(labels)
    C = _normalise(np.stack([Z[labels == k].mean(axis=0) for k in ids]))
    tree = linkage(C.astype(np.float64), method="average", metric="cosine")
    groups = fcluster(tree, t=merge_distance, criterion="distance") - 1
    lookup = np.zeros(ids.max() + 1, dtype=np.int64)
    lookup[ids] = groups
    out = lookup[labels]
    _, out = np.unique(out, return_inverse=True)
    return out.astype(np.int64)


class ViewpointClusterer:
    """Cluster comment embeddings into viewpoints, choosing the number of viewpoints automatically.

    Parameters:
        min_cluster_size: groups smaller than this become leftovers (-1).
        random_state: seed for the sample drawn on large inputs and for the spectral step.
        adapter: name of a shipped embedding adapter (``"default"``), or None for the raw embeddings.
        merge_distance: fine groups whose centroids are closer than this cosine distance are merged
            (average linkage); this, not a fixed k, sets how many viewpoints come out.
            None = the adapter's tuned value (0.25 without one).
        min_similarity: leftover cut-off, cosine similarity to the own centroid in the clustering space.
            None = the adapter's tuned value (0.3 without one).
        fine_size: typical size of a fine group in the graph partition before merging.
        max_clusters: upper bound on fine groups (and so on viewpoints) per side.
        n_neighbors: neighbours per comment in the similarity graph.
        max_exact: largest number of comments (per side) partitioned exactly; beyond that a seeded
            sample is partitioned and every comment is assigned to the nearest centroid.
        refine_iter: nearest-centroid reassignment passes after the partition (0 keeps the graph's).
    """

    def __init__(
        self,
        *,
        min_cluster_size: int = 3,
        random_state: int = 0,
        adapter: str | None = "default",
        merge_distance: float | None = None,
        min_similarity: float | None = None,
        fine_size: float = 25.0,
        max_clusters: int = 40,
        n_neighbors: int = 10,
        max_exact: int = 2000,
        refine_iter: int = 0,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.random_state = random_state
        self.adapter = adapter
        self.merge_distance = merge_distance
        self.min_similarity = min_similarity
        self.fine_size = fine_size
        self.max_clusters = max_clusters
        self.n_neighbors = n_neighbors
        self.max_exact = max_exact
        self.refine_iter = refine_iter

    # -- helpers -------------------------------------------------------------------------------
    def _resolve(self, dim: int) -> tuple[object | None, float, float]:
        """The adapter (only when it was trained for embeddings of this dimension) and the thresholds."""
        adapter = None
        merge, min_sim = 0.25, 0.3
        if self.adapter is not None:
            from forum.analysis.adapter import load_adapter

            adapter = load_adapter(self.adapter)
            if adapter is not None and adapter.dim_in != dim:
                adapter = None
            if adapter is not None:
                merge, min_sim = adapter.merge_distance, adapter.min_similarity
        if self.merge_distance is not None:
            merge = self.merge_distance
        if self.min_similarity is not None:
            min_sim = self.min_similarity
        return adapter, float(merge), float(min_sim)

    def _cluster_block(self, Zb: np.ndarray, space, merge_distance: float, min_sim: float, rng) -> np.ndarray:
        """Cluster one side's rows; returns labels 0..k-1 or -1.

        ``Zb`` holds the rows in the space used for assignment; ``space`` maps a sample of them into the
        clustering space (identity when ``Zb`` is already adapted, i.e. on small inputs).
        """
        n = Zb.shape[0]
        if n < self.min_cluster_size or n < 2:
            return np.full(n, -1, dtype=np.int64)
        idx = np.arange(n)
        if n > self.max_exact:
            idx = np.sort(rng.choice(n, size=self.max_exact, replace=False))
        sample = space(Zb[idx])
        fine = _spectral(sample, self._n_fine(len(idx)), self.n_neighbors, self.random_state)
        merged = _merge(sample, fine, merge_distance)
        if n > self.max_exact or self.refine_iter:
            # centroids in the assignment space, from the sample, then every row to its nearest one
            centroids = self._centroids(Zb[idx], merged, self.min_cluster_size)
            labels = assign_to_centroids(Zb, centroids, min_sim)
            for _ in range(self.refine_iter):
                centroids = self._centroids(Zb, labels, self.min_cluster_size)
                labels = assign_to_centroids(Zb, centroids, min_sim)
            return labels
        # exact case: keep the graph partition, drop small groups and comments far from their centroid
        sizes = np.bincount(merged)
        labels = np.where(sizes[merged] >= self.min_cluster_size, merged, -1)
        for k in np.unique(labels[labels >= 0]):
            members = labels == k
            c = sample[members].mean(axis=0)
            c /= max(np.linalg.norm(c), 1e-12)
            labels[members & (sample @ c < min_sim)] = -1
        return labels

    def _n_fine(self, n: int) -> int:
        """Number of fine groups for the graph partition before merging (grows with n, capped)."""
        return int(np.clip(round(n / self.fine_size), 1, self.max_clusters))

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
        adapter, merge, min_sim = self._resolve(X.shape[1])
        known = [s for s in (1, -1) if np.any(sides == s)]

        def space(rows: np.ndarray) -> np.ndarray:
            if adapter is None:
                return rows
            Z = adapter.transform(rows)
            # nobody stated a side: stretch the learned stance directions (tuned on topic-sized inputs;
            # on large samples it kept well-separated groups from merging, so only there)
            return Z if known or not small else adapter.emphasise_stance(Z)

        # small inputs are adapted whole; large ones only through the clustered sample, and the
        # assignment of every row to the sample's centroids happens in the original space
        small = n <= self.max_exact
        Z = space(X) if small else X
        rng = np.random.default_rng(self.random_state)

        labels = np.full(n, -1, dtype=np.int64)
        cluster_sides: list[int] = []
        groups = known if known else [0]
        for side in groups:
            members = np.flatnonzero(sides == side)
            block = self._cluster_block(Z[members], (lambda r: r) if small else space, merge, min_sim, rng)
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
