"""Small learned adapter over frozen sentence embeddings (all-MiniLM-L6-v2, d=384).

The adapter is a residual projection ``z = normalise(x + tanh(x @ W1 + b1) @ W2)`` (or a plain linear map
``normalise(x @ W)`` when no hidden layer is stored), trained by ``bench/train_adapter.py`` on the ArgKP
train topics so that arguments making the same key point land close together.  It ships as a small
``.npz`` in ``forum/analysis/data/`` together with the clustering thresholds tuned on the train split and a
logistic calibration for key-point match scores.  Pure numpy: no torch at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingAdapter", "load_adapter", "adapter_path"]

DATA_DIR = Path(__file__).resolve().parent / "data"


def adapter_path(name: str = "default") -> Path:
    """Path of the shipped adapter file called ``name``."""
    return DATA_DIR / f"adapter_{name}.npz"


@dataclass(frozen=True)
class EmbeddingAdapter:
    """A fitted adapter; ``transform`` maps (n, d) embeddings to (n, d_out) L2-normalised rows."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray | None = None
    merge_distance: float = 0.25
    min_similarity: float = 0.3
    match_scale: float = 10.0
    match_bias: float = -5.0
    stance_basis: np.ndarray | None = None
    stance_gain: float = 0.0
    meta: dict = field(default_factory=dict)

    @property
    def dim_in(self) -> int:
        return int(self.W1.shape[0])

    @property
    def dim_out(self) -> int:
        return int(self.W1.shape[0] if self.W2 is not None else self.W1.shape[1])

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Adapt (n, d_in) embeddings; returns float32 (n, d_out), L2-normalised."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.dim_in:
            raise ValueError(f"expected (n, {self.dim_in}) embeddings, got {X.shape}")
        Z = X @ self.W1 + self.b1 if self.W2 is None else X + np.tanh(X @ self.W1 + self.b1) @ self.W2
        Z = Z.astype(np.float32, copy=False)
        return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)

    def emphasise_stance(self, Z: np.ndarray) -> np.ndarray:
        """Stretch adapted embeddings along the learned stance subspace (for comments of unknown side).

        ``stance_basis`` (d_out, r) spans the directions along which pro and con arguments of the same
        topic differed on the train topics (sign-free, so it does not need to know which side is which);
        deviations from the input's mean along it are amplified by ``stance_gain``.
        """
        if self.stance_basis is None or self.stance_gain == 0 or len(Z) == 0:
            return Z
        P = self.stance_basis
        Y = Z + self.stance_gain * ((Z - Z.mean(axis=0)) @ P) @ P.T
        return (Y / np.maximum(np.linalg.norm(Y, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def save(self, path: Path) -> None:
        """Write the adapter as a compressed ``.npz`` (float16 weights keep it small)."""
        arrays = {"W1": self.W1.astype(np.float32), "b1": self.b1.astype(np.float32)}
        if self.W2 is not None:
            arrays["W2"] = self.W2.astype(np.float32)
        if self.stance_basis is not None:
            arrays["stance_basis"] = self.stance_basis.astype(np.float32)
        scalars = {
            "merge_distance": self.merge_distance,
            "min_similarity": self.min_similarity,
            "match_scale": self.match_scale,
            "match_bias": self.match_bias,
            "stance_gain": self.stance_gain,
        }
        np.savez_compressed(path, **arrays, **{k: np.float64(v) for k, v in scalars.items()})


@lru_cache(maxsize=4)
def _load(path_str: str) -> EmbeddingAdapter:
    with np.load(path_str) as f:
        return EmbeddingAdapter(
            W1=f["W1"].astype(np.float32),
            b1=f["b1"].astype(np.float32),
            W2=f["W2"].astype(np.float32) if "W2" in f else None,
            merge_distance=float(f["merge_distance"]),
            min_similarity=float(f["min_similarity"]),
            match_scale=float(f["match_scale"]),
            match_bias=float(f["match_bias"]),
            stance_basis=f["stance_basis"].astype(np.float32) if "stance_basis" in f else None,
            stance_gain=float(f["stance_gain"]) if "stance_gain" in f else 0.0,
        )


def load_adapter(name: str | None = "default") -> EmbeddingAdapter | None:
    """Load the shipped adapter ``name`` (cached); None when ``name`` is None or no file ships."""
    if name is None:
        return None
    path = adapter_path(name)
    if not path.exists():
        return None
    return _load(str(path))
