"""Stories, their comments (threaded, with edit history) and readers' votes on comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._types import utcnow
from forum.models.users import User
from forum.statuses import COMMENT_STATUSES, STORY_STATUSES, CommentStatus, StoryStatus

SIDES = ("agree", "disagree", "unsure")


VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}
# What happens to a reader's comments on a story when they delete their account: kept under "deleted reader"
# (the default) or their text removed.
DELETED_COMMENT_POLICIES = ("anonymise", "remove")


class Story(db.Model):
    __tablename__ = "story"
    __table_args__ = (
        CheckConstraint(f"status IN {STORY_STATUSES!r}", name="status"),
        CheckConstraint(f"deleted_comments IN {DELETED_COMMENT_POLICIES!r}", name="deleted_comments"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    headline: Mapped[str] = mapped_column(String(300))
    lede: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str | None] = mapped_column(String(500))
    source_name: Mapped[str | None] = mapped_column(String(120))
    question: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=StoryStatus.OPEN)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The debate map: when it was last fully computed, and how many comment changes it has not absorbed yet.
    map_computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    map_changes_pending: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped by every recomputation and every editor edit: forms carry it to refuse stale edits.
    map_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Readers see the published map; with auto-publish they see the live one.
    map_auto_publish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # How new comments are treated: see forum.models.moderation.MODERATION_MODES.
    moderation_mode: Mapped[str] = mapped_column(String(10), default="post", server_default="post")
    # Whether the home page and GET /api/stories list it. A story the widget created on its own is not
    # listed until something vouches for it (the publisher's signed story token, or its first published
    # comment): see forum.services.sites.
    listed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    # See DELETED_COMMENT_POLICIES.
    deleted_comments: Mapped[str] = mapped_column(String(10), default="anonymise", server_default="anonymise")

    @property
    def is_open(self) -> bool:
        return self.status == StoryStatus.OPEN


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint(f"side IS NULL OR side IN {SIDES!r}", name="side"),
        CheckConstraint(f"status IN {COMMENT_STATUSES!r}", name="status"),
        UniqueConstraint("author_id", "idempotency_key", name="uq_comment_author_idempotency"),
        Index("ix_comment_story_status_created", "story_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    # The thread's top-level comment (None for a top-level comment itself): loads a whole thread at once.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    side: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=CommentStatus.PUBLISHED)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    agree_count: Mapped[int] = mapped_column(Integer, default=0)
    disagree_count: Mapped[int] = mapped_column(Integer, default=0)
    pass_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    story: Mapped[Story] = relationship()
    author: Mapped[User] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side="Comment.id", foreign_keys=[parent_id])
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", order_by="CommentRevision.id", cascade="all, delete-orphan"
    )

    @staticmethod
    def thread_position(parent: Comment | None) -> dict[str, int | None]:
        """The threading columns of a reply to ``parent`` (or of a top-level comment when None)."""
        if parent is None:
            return {"parent_id": None, "root_id": None, "depth": 0}
        return {"parent_id": parent.id, "root_id": parent.root_id or parent.id, "depth": parent.depth + 1}

    @property
    def vote_total(self) -> int:
        return self.agree_count + self.disagree_count + self.pass_count


class CommentRevision(db.Model):
    """A comment's text as it was before an edit or deletion (the history editors see)."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    side: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(20), default="edit")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="revisions")


class Vote(db.Model):
    """One reader's current vote on one comment: 1 agree, -1 disagree, 0 pass."""

    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("comment_id", "user_id", name="uq_vote_comment_user"),
        CheckConstraint("value IN (-1, 0, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
