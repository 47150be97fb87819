"""The geometry behind opinion groups: checking the vote arrays, then the principal components of the
mean-imputed, centred vote matrix (kept sparse) and the Pol.is sparsity-aware projection of participants.

See :mod:`forum.analysis.opinions` for the pipeline that calls these.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, svds
from sklearn.utils.extmath import randomized_svd

from forum.analysis.opinion_stats import AGREE, DISAGREE, PASS


def clean_votes(
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


def vote_mask(mask: np.ndarray | None, n: int, invert: bool) -> np.ndarray:
    if mask is None:
        return np.ones(n, dtype=bool) if invert else np.zeros(n, dtype=bool)
    m = np.asarray(mask, dtype=bool).ravel()
    if m.shape != (n,):
        raise ValueError(f"mask must have length {n}")
    return ~m if invert else m


def geometry(
    p: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    shape: tuple[int, int],
    prior: float,
    seed: int,
    dims: int = 2,
) -> tuple[np.ndarray, ...]:
    """PCA of the mean-imputed, centred matrix, kept sparse; sparsity-aware participant projection.

    Returns positions (n_participants, dims), loadings (n_comments, dims) and each comment's extremity
    (on the first two components, as Pol.is). The projection is scaled by sqrt((C + prior) / (|V_i| +
    prior)); prior 0 is the textbook Pol.is factor, and Pol.is itself behaves as if prior = number of
    moderated-out comments that have votes.
    """
    n_p, n_c = shape
    votes = sp.csr_matrix((v.astype(np.float64), (p, c)), shape=shape)
    n_votes = np.diff(votes.indptr)
    col_n = np.bincount(votes.indices, minlength=n_c)
    col_sum = np.bincount(votes.indices, weights=votes.data, minlength=n_c)
    mean = np.divide(col_sum, col_n, out=np.zeros(n_c), where=col_n > 0)
    centred = votes.copy()
    centred.data = centred.data - mean[centred.indices]
    rows, cols = np.flatnonzero(n_votes > 0), np.flatnonzero(col_n > 0)
    components = np.zeros((n_c, dims))
    positions, extremity = np.zeros((n_p, dims)), np.zeros(n_c)
    if rows.size < 2 or cols.size < 2:
        return positions, components, extremity
    sub = centred[rows][:, cols]
    sub.eliminate_zeros()
    if sub.nnz == 0:  # every vote is its comment's mean (everyone agrees so far): readers differ in nothing
        return positions, components, extremity
    n_comp = min(dims, min(sub.shape) - 1) if min(sub.shape) > 3 else min(dims, min(sub.shape))
    if min(sub.shape) <= max(3, dims + 1):
        _, s, vt = np.linalg.svd(sub.toarray(), full_matrices=False)
    else:
        v0 = np.random.default_rng(seed).standard_normal(min(sub.shape))
        try:
            _, s, vt = svds(sub, k=n_comp, v0=v0)
        except ArpackError:  # a degenerate matrix (rank below 2, say): the randomised method copes
            _, s, vt = randomized_svd(sub, n_comp, random_state=seed)
    vt = vt[np.argsort(-s)][:dims]
    flip = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(1)])  # deterministic sign
    components[cols, : len(vt)] = (vt * flip[:, None]).T
    n_cols = cols.size
    scale = np.sqrt((n_cols + prior) / np.maximum(n_votes + prior, 1))
    positions = np.asarray(centred @ components) * scale[:, None]
    extremity = np.sqrt(n_cols) * np.abs(1 - mean) * np.linalg.norm(components[:, :2], axis=1)
    return positions, components, extremity
