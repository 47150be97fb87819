"""Comments' sentences and their stored embeddings, for the key points of the debate map.

Every published comment is split into sentences (:func:`forum.analysis.sentences.candidate_sentences`)
when it is embedded; each sentence text is encoded once per model and kept in ``sentence_embedding``
however many comments repeat it. Functions flush and never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select

from forum.analysis.sentences import Sentence, candidate_sentences
from forum.extensions import db
from forum.models import SentenceEmbedding
from forum.services.rows import upsert

_TABLE = SentenceEmbedding.__table__


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_vectors(model_name: str, texts: Sequence[str]) -> dict[str, bytes]:
    """The stored vectors of ``texts`` (by text) for this model; texts not yet embedded are absent."""
    by_hash: dict[str, str] = {_hash(t): t for t in texts}
    found: dict[str, bytes] = {}
    hashes = list(by_hash)
    for i in range(0, len(hashes), 500):
        rows = db.session.execute(
            select(SentenceEmbedding.text_hash, SentenceEmbedding.vector).where(
                SentenceEmbedding.model_name == model_name,
                SentenceEmbedding.text_hash.in_(hashes[i : i + 500]),
            )
        )
        found.update((by_hash[h], v) for h, v in rows)
    return found


def missing_sentences(texts: Sequence[str], model_name: str) -> list[str]:
    """The distinct sentences of ``texts`` (plain comment texts) with no stored vector for this model."""
    wanted = sorted({s.text for s in candidate_sentences(texts)})
    have = stored_vectors(model_name, wanted) if wanted else {}
    return [t for t in wanted if t not in have]


def store_sentences(model_name: str, vectors: dict[str, np.ndarray]) -> None:
    """Store sentence vectors (by sentence text); a vector another worker stored meanwhile is overwritten
    with the same values."""
    if not vectors:
        return
    now = datetime.now(UTC)
    rows = [
        {"model_name": model_name, "text_hash": _hash(t), "dim": int(v.shape[0]),
         "vector": np.asarray(v, dtype=np.float32).tobytes(), "created_at": now}
        for t, v in vectors.items()
    ]  # fmt: skip
    conn = db.session.connection()
    statement = upsert(
        _TABLE, conn.dialect.name, ("model_name", "text_hash"), ("dim", "vector", "created_at")
    )
    for i in range(0, len(rows), 1000):
        conn.execute(statement, rows[i : i + 1000])


def sentences_with_vectors(
    texts: Sequence[str], model_name: str, dim: int
) -> tuple[list[Sentence], np.ndarray]:
    """The sentences of ``texts`` that have a stored embedding, and those embeddings ((s, dim) float32)."""
    sentences = candidate_sentences(texts)
    stored = stored_vectors(model_name, [s.text for s in sentences])
    kept = [s for s in sentences if s.text in stored and len(stored[s.text]) == 4 * dim]
    if not kept:
        return [], np.zeros((0, dim), dtype=np.float32)
    S = np.frombuffer(b"".join(stored[s.text] for s in kept), dtype=np.float32).reshape(len(kept), dim)
    return kept, S
