"""How strongly each comment of a story makes a key point: the map's own matching (the comment or its best
sentence), for an editor's key point and its preview."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from forum.analysis.keypoints import given_threshold, match_scores
from forum.extensions import db
from forum.models import Comment, CommentEmbedding, CommentStatus, Story
from forum.sanitize import plain_text
from forum.services.sentences import sentences_with_vectors


def key_point_matches(
    story: Story, statement_vector: np.ndarray, model_name: str, *, gathered_only: bool = False
) -> list[tuple[int, float]]:
    """Every analysed comment of ``story`` with how strongly it makes the key point whose embedding is
    ``statement_vector`` (the map's own matching: the comment or its best sentence), best first. With
    ``gathered_only``, just the comments an editor's key point gathers (from the model's given threshold)."""
    rows = db.session.execute(
        select(Comment.id, Comment.body, CommentEmbedding.vector)
        .join(CommentEmbedding, CommentEmbedding.comment_id == Comment.id)
        .where(
            Comment.story_id == story.id,
            Comment.status == CommentStatus.PUBLISHED,
            CommentEmbedding.model_name == model_name,
        )
        .order_by(Comment.id)
    ).all()
    if not rows:
        return []
    X = np.stack([np.frombuffer(r.vector, dtype=np.float32) for r in rows])
    sentences, S = sentences_with_vectors([plain_text(r.body) for r in rows], model_name, X.shape[1])
    scores = match_scores(
        np.asarray(statement_vector, dtype=np.float32).reshape(1, -1),
        X,
        sentence_embeddings=S,
        sentence_owner=[s.owner for s in sentences],
    )[0]
    floor = given_threshold(model_name) if gathered_only else -np.inf
    matches = ((int(r.id), float(v)) for r, v in zip(rows, scores, strict=True) if v >= floor)
    return sorted(matches, key=lambda t: -t[1])
