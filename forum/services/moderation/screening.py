"""Screening new comments: whether a just-posted comment waits for an editor (banned words, the story's
moderation mode) and holding near-duplicates of a reader's recent comments once they are embedded."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from sqlalchemy import exists, select

from forum.extensions import db
from forum.models import Comment, CommentEmbedding, CommentModeration, CommentStatus, Story
from forum.services.moderation.banned_words import banned_words_in
from forum.services.moderation.state import hold
from forum.services.rows import rows_by_comment
from forum.times import as_utc

LINK_RE = re.compile(r"(?:\bhttps?://|\bwww\.)\S", re.IGNORECASE)
NEAR_DUPLICATE_SIMILARITY = 0.95
NEAR_DUPLICATE_WINDOW = timedelta(hours=24)


def has_link(comment: Comment) -> bool:
    return bool(LINK_RE.search(comment.body)) or "<a " in (comment.body_html or "")


def _is_new_reader(author_id: int, comment_id: int) -> bool:
    published = select(Comment.id).where(
        Comment.author_id == author_id, Comment.status == CommentStatus.PUBLISHED, Comment.id != comment_id
    )
    return not db.session.scalar(select(exists(published)))


def hold_reason_for(comment: Comment, story: Story) -> tuple[str, str] | None:
    """Why a new comment should wait for an editor (reason key, detail), or None to publish it at once."""
    words = banned_words_in(comment.body, story.id)
    if words:
        return "banned-word", ", ".join(words)
    mode = story.moderation_mode or "post"
    if mode == "all":
        return "all", ""
    if mode == "links" and has_link(comment):
        return "links", ""
    if mode == "first" and _is_new_reader(comment.author_id, comment.id):
        return "first", ""
    return None


def screen_new_comment(comment: Comment) -> str:
    """Decide a just-posted comment's status: published, or pending with a hold reason (audited as the
    system). Returns the status."""
    reason = hold_reason_for(comment, comment.story or db.session.get(Story, comment.story_id))
    if reason is not None:
        hold(comment, *reason)
        db.session.flush()
    return comment.status


def hold_near_duplicates(
    comments: Iterable[Comment], threshold: float = NEAR_DUPLICATE_SIMILARITY
) -> list[Comment]:
    """Hold published comments that nearly repeat (cosine similarity of embeddings >= ``threshold``) one of
    the 50 latest earlier comments by the same reader on the same story from the last day. Comments an editor
    approved are left alone. Returns the comments held.

    A batch costs three queries however large it is (the worker embeds bursts of comments at once)."""
    todo = [c for c in comments if c.status == CommentStatus.PUBLISHED]
    if not todo:
        return []
    ids = [c.id for c in todo]
    states = rows_by_comment(CommentModeration, ids)
    approved = {i for i, state in states.items() if state.decision == "approved"}
    mine = rows_by_comment(CommentEmbedding, ids)
    todo = [c for c in todo if c.id not in approved and c.id in mine]
    if not todo:
        return []
    oldest = min(as_utc(c.created_at) for c in todo) - NEAR_DUPLICATE_WINDOW
    rows = db.session.execute(
        select(
            Comment.id,
            Comment.author_id,
            Comment.story_id,
            Comment.created_at,
            CommentEmbedding.model_name,
            CommentEmbedding.vector,
        )
        .join(CommentEmbedding, CommentEmbedding.comment_id == Comment.id)
        .where(
            Comment.author_id.in_({c.author_id for c in todo}),
            Comment.story_id.in_({c.story_id for c in todo}),
            Comment.status.in_((CommentStatus.PUBLISHED, CommentStatus.PENDING)),
            Comment.created_at >= oldest,
            CommentEmbedding.model_name.in_({e.model_name for e in mine.values()}),
        )
        .order_by(Comment.id)
    ).all()
    history: dict[tuple[int, int], list] = {}
    for row in rows:
        history.setdefault((row.author_id, row.story_id), []).append(row)
    held = []
    for comment in todo:
        since = as_utc(comment.created_at) - NEAR_DUPLICATE_WINDOW
        same_reader = history.get((comment.author_id, comment.story_id), ())
        model = mine[comment.id].model_name  # vectors of another model (mid re-embedding) do not compare
        earlier = [
            r
            for r in same_reader
            if r.id < comment.id and as_utc(r.created_at) >= since and r.model_name == model
        ][-50:]
        if not earlier:
            continue
        matrix = np.stack([np.frombuffer(r.vector, dtype=np.float32) for r in earlier])
        vec = mine[comment.id].array
        sims = matrix @ vec / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vec) + 1e-12)
        best = int(np.argmax(sims))
        if sims[best] >= threshold:
            hold(comment, "near-duplicate", f"comment {earlier[best].id} ({sims[best]:.2f})")
            held.append(comment)
    db.session.flush()
    return held
