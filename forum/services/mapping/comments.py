"""Comments on the debate map one by one: embedding them (with their sentences, for key points) and
placing a new comment in its nearest viewpoint until the next full recomputation.

Functions flush and never commit: the job or command that calls them owns the transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from forum.analysis.embedders import Embedder
from forum.analysis.pipeline import assign_new
from forum.extensions import db
from forum.models import Comment, CommentEmbedding, CommentStatus, Story, Viewpoint, ViewpointMember
from forum.sanitize import plain_text
from forum.services.locks import lock_stories
from forum.services.rows import rows_by_comment, upsert
from forum.services.sentences import missing_sentences, store_sentences

NEAREST_MIN_SIMILARITY = 0.35


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def mappable(story_id: int | None = None):
    """Published comments (of one story, or all): the ones a map covers."""
    query = select(Comment).where(Comment.status == CommentStatus.PUBLISHED)
    return query.where(Comment.story_id == story_id) if story_id is not None else query


def comments_needing_embedding(embedder_name: str, story_id: int | None = None, limit: int | None = None):
    """Published comments with no embedding from this model, or one of an older text (edited since)."""
    query = (
        mappable(story_id)
        .outerjoin(CommentEmbedding, CommentEmbedding.comment_id == Comment.id)
        .where((CommentEmbedding.comment_id.is_(None)) | (CommentEmbedding.model_name != embedder_name))
        .order_by(Comment.id)
    )
    stale = list(db.session.scalars(query.limit(limit) if limit else query))
    edited = db.session.scalars(
        mappable(story_id)
        .join(CommentEmbedding, CommentEmbedding.comment_id == Comment.id)
        .where(Comment.edited_at.is_not(None), CommentEmbedding.created_at < Comment.edited_at)
    )
    return stale + [c for c in edited if c not in stale]


def embed_comments(comments: Sequence[Comment], embedder: Embedder, batch_size: int = 64) -> int:
    """Store embeddings for ``comments`` whose text has none yet; unchanged texts are never re-encoded
    (an identical text already embedded by the same model is reused). Returns how many were encoded."""
    todo: dict[str, list[Comment]] = {}
    texts: dict[str, str] = {}
    stored = rows_by_comment(CommentEmbedding, [c.id for c in comments])
    for comment in comments:
        text = plain_text(comment.body)
        existing = stored.get(comment.id)
        h = text_hash(text)
        if existing is not None and existing.text_hash == h and existing.model_name == embedder.name:
            continue
        todo.setdefault(h, []).append(comment)
        texts[h] = text
    if not todo:
        return 0
    known = {
        row.text_hash: row
        for row in db.session.scalars(
            select(CommentEmbedding).where(
                CommentEmbedding.text_hash.in_(list(todo)), CommentEmbedding.model_name == embedder.name
            )
        )
    }
    missing = [h for h in todo if h not in known]
    vectors: dict[str, bytes] = {h: known[h].vector for h in todo if h in known}
    if missing:
        # the sentences too (key point candidates, and the evidence a comment gives), in the same encode
        # call; a one-sentence comment's sentence is its whole text, encoded once
        sentences = missing_sentences([texts[h] for h in missing], embedder.name)
        unique = list(dict.fromkeys([texts[h] for h in missing] + sentences))
        encoded = dict(
            zip(unique, embedder.encode(unique, batch_size=batch_size).astype(np.float32), strict=True)
        )
        vectors.update({h: encoded[texts[h]].tobytes() for h in missing})
        store_sentences(embedder.name, {t: encoded[t] for t in sentences})
    now = datetime.now(UTC)
    rows = [
        {"comment_id": comment.id, "story_id": comment.story_id, "model_name": embedder.name, "text_hash": h,
         "dim": len(vectors[h]) // 4, "vector": vectors[h], "created_at": now}
        for h, group in todo.items()
        for comment in group
    ]  # fmt: skip
    db.session.flush()
    # An upsert: another worker may be embedding the same comment (the sweep beside a batch, a retry).
    conn = db.session.connection()
    conn.execute(upsert(_EMBEDDING, conn.dialect.name, ("comment_id",), _EMBEDDING_FIELDS), rows)
    for row in stored.values():  # loaded before the write: reload on next use
        db.session.expire(row)
    return len(missing)


_EMBEDDING = CommentEmbedding.__table__
_EMBEDDING_FIELDS = ("story_id", "model_name", "text_hash", "dim", "vector", "created_at")


def place_comments(comments: Iterable[Comment]) -> int:
    """Put new comments in their nearest viewpoint at once (the full map catches up later). Returns how many
    were placed; every comment handled counts towards the story's pending changes."""
    placed = 0
    by_story: dict[int, list[Comment]] = {}
    for comment in comments:
        by_story.setdefault(comment.story_id, []).append(comment)
    lock_stories(by_story)
    fresh = {"populate_existing": True}  # what another worker committed before the lock, not older copies
    for story_id, group in by_story.items():
        active = select(Viewpoint).where(Viewpoint.story_id == story_id, Viewpoint.active.is_(True))
        current = list(db.session.scalars(active.execution_options(**fresh)))
        viewpoints = [v for v in current if not v.is_other]
        other = next((v for v in current if v.is_other), None)
        centroids = np.stack([v.centroid_array for v in viewpoints]) if viewpoints else np.zeros((0, 0))
        ids = [c.id for c in group]
        # One query each for the batch's embeddings and existing memberships (then found in the session).
        embeddings = rows_by_comment(CommentEmbedding, ids)
        members = rows_by_comment(ViewpointMember, ids, selectinload(ViewpointMember.viewpoint), **fresh)
        for comment in group:
            emb = embeddings.get(comment.id)
            if emb is None or comment.status != CommentStatus.PUBLISHED or not viewpoints:
                continue
            index = assign_new(emb.array, centroids, NEAREST_MIN_SIMILARITY)
            target = viewpoints[index] if index >= 0 else other
            if target is None:
                continue
            member = members.get(comment.id)
            if member is None:
                member = ViewpointMember(comment_id=comment.id, story_id=story_id)
                target.n_members += 1
            elif member.viewpoint_id != target.id:
                member.viewpoint.n_members -= 1
                target.n_members += 1
            member.viewpoint = target
            member.source = "nearest"
            db.session.add(member)
            placed += 1
        db.session.execute(
            update(Story)
            .where(Story.id == story_id)
            .values(map_changes_pending=Story.map_changes_pending + len(group))
        )
    db.session.flush()
    return placed


def unplace_comment(comment_id: int) -> None:
    """Take a deleted or rejected comment off the map (the caller holds the story's lock)."""
    member = db.session.get(ViewpointMember, comment_id)
    if member is not None:
        member.viewpoint.n_members = max(0, member.viewpoint.n_members - 1)
        db.session.delete(member)
        db.session.flush()
