"""Previews of an editor's key point: which comments it would gather, shown before the editor adds it.

The web process asks for a preview (:func:`request_preview`, which stores a pending row); the worker, which
holds the model, embeds the statement and stores the matches (:func:`compute_preview`); the review page
shows the editor's latest preview (:func:`latest_preview`). Functions flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, KeyPointPreview, PreviewStatus, Story, User
from forum.services import mapping
from forum.services.errors import NotFound

PREVIEW_QUOTES = 8


@dataclass
class PreviewView:
    """A preview for the page: the statement, how many comments it gathers, and the best matches."""

    preview: KeyPointPreview
    n_matches: int
    comments: list[Comment]

    @property
    def pending(self) -> bool:
        return self.preview.status == PreviewStatus.PENDING


def request_preview(story: Story, editor: User, statement: str) -> KeyPointPreview:
    """Store a pending preview of ``statement`` (already checked by ``review.clean_key_point``)."""
    preview = KeyPointPreview(
        story_id=story.id, editor_id=editor.id, statement=statement, status=PreviewStatus.PENDING
    )
    db.session.add(preview)
    db.session.flush()
    return preview


def compute_preview(preview_id: int, embedder) -> KeyPointPreview:
    """Embed the statement and store the comments whose match reaches the model's threshold, best first."""
    preview = db.session.get(KeyPointPreview, preview_id)
    if preview is None:
        raise NotFound("There is no such key point preview.")
    story = db.session.get(Story, preview.story_id)
    vector = embedder.encode([preview.statement])[0]
    matches = mapping.key_point_matches(story, vector, embedder.name, gathered_only=True)
    preview.matches = [[cid, round(score, 4)] for cid, score in matches]
    preview.status = PreviewStatus.DONE
    db.session.flush()
    return preview


def latest_preview(story: Story, editor: User) -> PreviewView | None:
    """The editor's most recent preview on this story, with its best-matching comments."""
    preview = db.session.scalar(
        select(KeyPointPreview)
        .where(KeyPointPreview.story_id == story.id, KeyPointPreview.editor_id == editor.id)
        .order_by(KeyPointPreview.id.desc())
        .limit(1)
    )
    if preview is None:
        return None
    ids = [int(cid) for cid, _ in (preview.matches or [])]
    shown = ids[:PREVIEW_QUOTES]
    found = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(shown)))} if shown else {}
    )
    return PreviewView(preview, len(ids), [found[i] for i in shown if i in found])
