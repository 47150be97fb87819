"""Opinion groups from votes: the cached result per story, and where imported Pol.is rows came from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models._types import utcnow


class OpinionCache(db.Model):
    """A story's latest opinion-group computation, serialised (pages read it; they never compute it).

    ``data`` holds groups, representative and common-ground statements and per-comment statistics keyed by
    comment id; ``positions`` maps user id -> [x, y, group] for every clustered reader. ``fingerprint``
    describes the votes, comments and bans it was computed from, so staleness is one cheap comparison.
    """

    __tablename__ = "opinion_result"

    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    n_votes: Mapped[int] = mapped_column(Integer, default=0)
    n_participants: Mapped[int] = mapped_column(Integer, default=0)
    n_groups: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    fingerprint: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    positions: Mapped[dict] = mapped_column(JSON, default=dict)


class PolisComment(db.Model):
    """An imported Pol.is statement: its id in the export, and whether it is a meta statement (kept
    visible, but out of the vote geometry)."""

    __tablename__ = "polis_comment"
    __table_args__ = (UniqueConstraint("story_id", "polis_id", name="uq_polis_comment_story_polis"),)

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    polis_id: Mapped[int] = mapped_column(Integer)
    is_meta: Mapped[bool] = mapped_column(Boolean, default=False)


class PolisParticipant(db.Model):
    """An imported Pol.is participant: the anonymous account made for them and their id in the export."""

    __tablename__ = "polis_participant"
    __table_args__ = (UniqueConstraint("story_id", "polis_id", name="uq_polis_participant_story_polis"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    polis_id: Mapped[int] = mapped_column(Integer)
    xid: Mapped[str | None] = mapped_column(String(200))


class OpinionGroupName(db.Model):
    """An editor's name for an opinion group, kept with the representative statement it was given for: the
    group that statement represents after a recomputation carries the name."""

    __tablename__ = "opinion_group_name"

    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
