"""The audit log: every moderation action, written in the same transaction as the change it records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Comment, Story, User

PER_PAGE = 50


def record(
    action: str,
    actor: User | None,
    *,
    reason: str = "",
    comment: Comment | None = None,
    story: Story | None = None,
    target_user: User | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Add one audit entry to the session (flushed with the change it records). ``actor`` None is the system.
    A comment entry keeps the comment's text as it is now."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        reason=reason or "",
        comment_id=comment.id if comment is not None else None,
        story_id=comment.story_id if comment is not None else (story.id if story is not None else None),
        target_user_id=(
            target_user.id
            if target_user is not None
            else (comment.author_id if comment is not None else None)
        ),
        comment_text=comment.body if comment is not None else None,
        details=details or {},
    )
    db.session.add(entry)
    return entry


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def entries(
    *,
    action: str | None = None,
    story_id: int | None = None,
    comment_id: int | None = None,
    user_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> AuditPage:
    """The log, newest first, optionally for one action (or action prefix such as ``comment.``), story,
    comment or user (as actor or target)."""
    query = select(AuditEntry)
    if action:
        query = query.where(
            AuditEntry.action.startswith(action) if action.endswith(".") else AuditEntry.action == action
        )
    if story_id is not None:
        query = query.where(AuditEntry.story_id == story_id)
    if comment_id is not None:
        query = query.where(AuditEntry.comment_id == comment_id)
    if user_id is not None:
        query = query.where((AuditEntry.actor_id == user_id) | (AuditEntry.target_user_id == user_id))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AuditPage(list(rows), page, pages, total)
