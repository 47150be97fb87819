"""Moderation: why a comment was held and what an editor decided, readers' flags, the banned-words list and
the audit log of every moderation action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._types import utcnow
from forum.models.stories import Comment
from forum.models.users import User

#: how a story treats new comments
MODERATION_MODES = {
    "post": "Publish at once (post-moderation)",
    "all": "Hold every comment",
    "first": "Hold the first comment of a new reader",
    "links": "Hold comments with links",
}
#: why a comment waits in the queue
HOLD_REASONS = {
    "all": "Story holds every comment",
    "first": "First comment of a new reader",
    "links": "Contains a link",
    "banned-word": "Banned word",
    "near-duplicate": "Near-duplicate of the reader's own comment",
    "flags": "Flagged by several readers",
    "resubmitted": "Edited by its author after a rejection",
}


class CommentModeration(db.Model):
    """One comment's moderation state: why it was held (if it was) and the last editor's decision."""

    __tablename__ = "comment_moderation"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    hold_reason: Mapped[str | None] = mapped_column(String(20), index=True)
    hold_detail: Mapped[str | None] = mapped_column(String(300))
    held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    comment: Mapped[Comment] = relationship()
    decided_by: Mapped[User | None] = relationship()


class CommentFlag(db.Model):
    """A reader's report that a comment breaks the rules, open until an editor decides on the comment."""

    __tablename__ = "comment_flag"
    __table_args__ = (UniqueConstraint("comment_id", "user_id", name="uq_comment_flag_comment_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class BannedWord(db.Model):
    """A word or phrase whose use holds a comment for moderation (whole words, any case). Applies to every
    story when ``story_id`` is empty, to one story otherwise."""

    __tablename__ = "banned_word"
    __table_args__ = (UniqueConstraint("word", "story_id", name="uq_banned_word_word_story"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(100))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(db.Model):
    """One moderation action: who (None: the system), when, what, why, and the comment's text at that moment.
    Written in the same transaction as the change it records; never updated."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    story_id: Mapped[int | None] = mapped_column(ForeignKey("story.id", ondelete="SET NULL"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"), index=True)
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    comment_text: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
    comment: Mapped[Comment | None] = relationship()
