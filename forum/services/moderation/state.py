"""A comment's moderation state and what every part of moderation shares: holding a comment for an editor
(audited as the system) and checking the reason an action records."""

from __future__ import annotations

from datetime import UTC, datetime

from forum.extensions import db
from forum.models import Comment, CommentModeration, CommentStatus
from forum.models.moderation import HOLD_REASONS
from forum.services import audit
from forum.services.errors import InvalidInput

MAX_REASON = 500


def clean_reason(reason: str | None, *, required: bool, what: str = "for this") -> str:
    """``reason`` stripped; InvalidInput when it is required and empty, or too long for the audit log."""
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput(f"Give a reason {what}: it goes into the audit log.", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"Reasons can be at most {MAX_REASON} characters.", field="reason")
    return text


def state_for(comment: Comment) -> CommentModeration:
    """The comment's moderation state, added to the session when it has none yet."""
    state = db.session.get(CommentModeration, comment.id)
    if state is None:
        state = CommentModeration(comment_id=comment.id)
        db.session.add(state)
    return state


def moderation_state(comment: Comment) -> CommentModeration | None:
    return db.session.get(CommentModeration, comment.id)


def hold(comment: Comment, reason: str, detail: str = "") -> None:
    """Hold ``comment`` for an editor (pending) for ``reason`` (a HOLD_REASONS key), clearing any earlier
    decision, and audit it as the system."""
    comment.status = CommentStatus.PENDING
    state = state_for(comment)
    state.hold_reason, state.hold_detail, state.held_at = reason, detail[:300] or None, datetime.now(UTC)
    state.decision = state.decided_by_id = state.decided_at = state.decision_reason = None
    label = HOLD_REASONS[reason] + (f": {detail}" if detail else "")
    audit.record("comment.held", None, reason=label, comment=comment, details={"hold": reason})
