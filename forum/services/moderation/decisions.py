"""Editors' decisions: approving or rejecting comments (with a reason the reader sees), and an author
sending their edited rejected comment back to the queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, CommentStatus, User
from forum.services import audit, signals
from forum.services.errors import InvalidInput, NotFound
from forum.services.moderation.flags import open_flags
from forum.services.moderation.state import clean_reason, hold, state_for

#: the reasons an editor picks from when rejecting (the first is the default); the reader sees the words
REJECT_REASONS = {
    "off-topic": "Off topic",
    "abuse": "Abuse or personal attack",
    "spam": "Spam or advertising",
    "personal-data": "Shares someone's personal data",
    "other": "Other",
}
DEFAULT_REJECT_REASON = "off-topic"


def get_comments(ids: Iterable[int | str]) -> list[Comment]:
    """The comments with these ids (in order, without repeats), or NotFound naming the first unknown id."""
    wanted: list[int] = []
    for raw in ids:
        try:
            cid = int(raw)
        except (TypeError, ValueError):
            raise NotFound(f"There is no comment {str(raw)[:20]!r}.") from None
        if cid not in wanted:
            wanted.append(cid)
    if not wanted:
        raise InvalidInput("Select at least one comment.", field="ids")
    found = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(wanted)))}
    for cid in wanted:
        if cid not in found:
            raise NotFound(f"There is no comment {cid}.")
    return [found[cid] for cid in wanted]


def rejection_reason(preset: str | None, details: str | None) -> str:
    """The reason a rejection records and its reader sees: a preset ("Off topic", the default when none is
    chosen), with the editor's own words after it; "Other" needs the editor's words."""
    key = preset or DEFAULT_REJECT_REASON
    if key not in REJECT_REASONS:
        raise InvalidInput(f"Choose a reason: {', '.join(REJECT_REASONS.values())}.", field="preset")
    text = clean_reason(details, required=False)
    if key == "other":
        if not text:
            message = "You chose “Other”: say in a few words why the comment is rejected."
            raise InvalidInput(message, field="reason")
        return text
    return f"{REJECT_REASONS[key]}: {text}" if text else REJECT_REASONS[key]


def moderate(
    comments: Sequence[Comment],
    action: str,
    editor: User,
    reason: str | None = "",
    preset: str | None = None,
) -> int:
    """Approve or reject ``comments`` (all or nothing). A rejection's reason is a preset (``preset``, off
    topic by default) with ``reason`` as the editor's own words, or ``reason`` alone where no preset is
    named and ``reason`` is given. Approving publishes held or rejected comments and dismisses open flags.
    Returns how many comments changed."""
    if action not in ("approve", "reject"):
        raise InvalidInput("Choose approve or reject.", field="action")
    if action == "reject" and (preset or not (reason or "").strip()):
        text = rejection_reason(preset, reason)
    else:
        text = clean_reason(reason, required=False)
    for comment in comments:
        if comment.status == CommentStatus.DELETED:
            raise InvalidInput(f"Comment {comment.id} was deleted by its author; it cannot be moderated.")
    target = CommentStatus.PUBLISHED if action == "approve" else CommentStatus.REJECTED
    flags = open_flags([c.id for c in comments])
    now = datetime.now(UTC)
    changed = 0
    for comment in comments:
        before, n_flags = comment.status, len(flags.get(comment.id, []))
        if before == target and not n_flags:
            continue
        comment.status = target
        state = state_for(comment)
        state.decision = "approved" if action == "approve" else "rejected"
        state.decided_by_id, state.decided_at, state.decision_reason = editor.id, now, text or None
        for flag in flags.get(comment.id, []):
            flag.resolved_at = now
        audit.record(
            f"comment.{state.decision}",
            editor,
            reason=text,
            comment=comment,
            details={"from": before, "flags": n_flags, "hold": state.hold_reason},
        )
        changed += 1
        if before != target:
            signals.comment_changed.send(comment, action="moderated")
    db.session.flush()
    return changed


def resubmit(comment: Comment) -> None:
    """A rejected comment its author has edited goes back to the queue (held, not published), audited."""
    previous = state_for(comment).decision_reason
    hold(comment, "resubmitted", f"rejected before as “{previous}”" if previous else "")


def can_resubmit(comment: Comment, user: User | None) -> bool:
    """Whether ``user`` may edit their rejected ``comment`` and send it back for moderation: their own, the
    story still open and their account able to post."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and comment.status == CommentStatus.REJECTED
        and comment.author_id == user.id
        and user.can_participate
        and comment.story.is_open
    )
