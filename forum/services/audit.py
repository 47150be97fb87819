"""The audit log: every moderation action, written in the same transaction as the change it records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Comment, Story, User
from forum.services import pagination

PER_PAGE = 50

# What each logged action is called on the editors' pages (the raw code stays in the database and exports).
ACTION_WORDS = {
    "comment.held": "Comment held for moderation",
    "comment.approved": "Comment approved",
    "comment.rejected": "Comment rejected",
    "comment.flagged": "Comment flagged by a reader",
    "comment.imported": "Comments imported",
    "reader.suspend": "Reader suspended",
    "reader.ban": "Reader banned",
    "reader.reinstate": "Reader reinstated",
    "role.changed": "Role changed",
    "story.created": "Story created",
    "story.edited": "Story edited",
    "story.opened": "Story opened",
    "story.closed": "Story closed",
    "banned_word.added": "Banned word added",
    "banned_word.removed": "Banned word removed",
    "map.rename": "Viewpoint renamed",
    "map.summary": "Viewpoint summary written",
    "map.hide": "Viewpoint hidden",
    "map.show": "Viewpoint shown again",
    "map.merge": "Viewpoints merged",
    "map.split": "Viewpoint split",
    "map.move": "Comment moved to another viewpoint",
    "map.pin": "Quotes pinned",
    "map.key_point": "Editor's key point added",
    "map.publish": "Map published",
    "map.auto_publish": "Auto-publish switched",
}


def describe(action: str) -> str:
    """An audit action in words ("comment.approved" -> "Comment approved"); unknown codes are spelt out."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


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
    total = pagination.count(query)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AuditPage(list(rows), page, pages, total)
