"""Readers' flags: a reader reports a published comment; enough open flags hold it for an editor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, CommentFlag, CommentStatus, User
from forum.services import audit, signals
from forum.services.errors import Conflict, Forbidden, NotFound
from forum.services.moderation.state import clean_reason, hold

FLAGS_TO_HOLD = 3


def open_flags(comment_ids: Sequence[int]) -> dict[int, list[CommentFlag]]:
    flags: dict[int, list[CommentFlag]] = {}
    if comment_ids:
        rows = db.session.scalars(
            select(CommentFlag)
            .where(CommentFlag.comment_id.in_(list(comment_ids)), CommentFlag.resolved_at.is_(None))
            .order_by(CommentFlag.id)
        )
        for flag in rows:
            flags.setdefault(flag.comment_id, []).append(flag)
    return flags


def flag_comment(comment: Comment, user: User, reason: str | None) -> CommentFlag:
    """A reader reports a published comment. Several readers' flags hold it for an editor."""
    text = clean_reason(reason, required=True, what="for flagging this comment")
    if not user.can_participate:
        raise Forbidden("Your account cannot flag comments at the moment.")
    if comment.status != CommentStatus.PUBLISHED:
        raise NotFound("That comment is not public.")
    if comment.author_id == user.id:
        raise Forbidden("You cannot flag your own comment.")
    existing = db.session.scalar(
        select(CommentFlag).where(CommentFlag.comment_id == comment.id, CommentFlag.user_id == user.id)
    )
    if existing is not None and existing.resolved_at is None:
        raise Conflict("You have flagged this comment already; an editor will look at it.")
    if existing is not None:
        existing.reason, existing.created_at, existing.resolved_at = text, datetime.now(UTC), None
        flag = existing
    else:
        flag = CommentFlag(comment_id=comment.id, user_id=user.id, reason=text)
        db.session.add(flag)
    audit.record("comment.flagged", user, reason=text, comment=comment)
    db.session.flush()
    if len(open_flags([comment.id]).get(comment.id, [])) >= FLAGS_TO_HOLD:
        hold(comment, "flags", f"{FLAGS_TO_HOLD} readers")
        db.session.flush()
        signals.comment_changed.send(comment, action="moderated")
    return flag
