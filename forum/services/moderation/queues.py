"""The moderation queues: held, flagged and rejected comments, filtered and paged, and how many each holds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentFlag, CommentModeration, CommentStatus
from forum.models.moderation import HOLD_REASONS
from forum.services import pagination
from forum.services.errors import InvalidInput
from forum.services.moderation.flags import open_flags

QUEUE_STATES = ("pending", "flagged", "rejected")
QUEUE_PER_PAGE = 50


@dataclass
class QueueItem:
    comment: Comment
    state: CommentModeration | None
    flags: list[CommentFlag]


@dataclass
class QueuePage:
    items: list[QueueItem]
    state: str
    page: int
    pages: int
    total: int


def _flagged():
    return (
        select(CommentFlag.id)
        .where(CommentFlag.comment_id == Comment.id, CommentFlag.resolved_at.is_(None))
        .exists()
    )


def queue(
    state: str = "pending",
    *,
    story_id: int | None = None,
    hold_reason: str | None = None,
    author_id: int | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = QUEUE_PER_PAGE,
) -> QueuePage:
    """Comments waiting for an editor: ``pending`` (held), ``flagged`` (public, with open flags) or
    ``rejected``; oldest first, filtered by story, hold reason, author or text."""
    if state not in QUEUE_STATES:
        raise InvalidInput(f"Show one of: {', '.join(QUEUE_STATES)}.", field="state")
    if hold_reason and hold_reason not in HOLD_REASONS:
        raise InvalidInput("Unknown hold reason.", field="reason")
    query = select(Comment).outerjoin(CommentModeration, CommentModeration.comment_id == Comment.id)
    if state == "flagged":
        query = query.where(Comment.status == CommentStatus.PUBLISHED, _flagged())
    else:
        query = query.where(Comment.status == state)
    if story_id is not None:
        query = query.where(Comment.story_id == story_id)
    if hold_reason:
        query = query.where(CommentModeration.hold_reason == hold_reason)
    if author_id is not None:
        query = query.where(Comment.author_id == author_id)
    if text and text.strip():
        query = query.where(func.lower(Comment.body).contains(text.strip().lower(), autoescape=True))
    total = pagination.count(query)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    order = (Comment.created_at.desc(),) if state == "rejected" else (Comment.created_at, Comment.id)
    comments = list(db.session.scalars(query.order_by(*order).limit(per_page).offset((page - 1) * per_page)))
    flags = open_flags([c.id for c in comments])
    items = [QueueItem(c, db.session.get(CommentModeration, c.id), flags.get(c.id, [])) for c in comments]
    return QueuePage(items, state, page, pages, total)


def queue_counts(story_id: int | None = None) -> dict[str, int]:
    """How many comments each queue holds."""

    def count(condition) -> int:
        query = select(func.count()).select_from(Comment).where(condition)
        if story_id is not None:
            query = query.where(Comment.story_id == story_id)
        return db.session.scalar(query) or 0

    return {
        "pending": count(Comment.status == CommentStatus.PENDING),
        "flagged": count((Comment.status == CommentStatus.PUBLISHED) & _flagged()),
        "rejected": count(Comment.status == CommentStatus.REJECTED),
    }
