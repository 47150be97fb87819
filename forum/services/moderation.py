"""Moderation: holding new comments, readers' flags, editors' decisions, the queue, banned words, suspending
and banning readers, and granting roles. Every state change is audited in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import exists, func, or_, select

from forum.extensions import db
from forum.models import (
    BannedWord,
    Comment,
    CommentEmbedding,
    CommentFlag,
    CommentModeration,
    Story,
    User,
    Vote,
)
from forum.models.moderation import HOLD_REASONS
from forum.models.users import ROLES
from forum.services import audit, signals
from forum.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from forum.services.rows import rows_by_comment
from forum.times import as_utc

LINK_RE = re.compile(r"(?:\bhttps?://|\bwww\.)\S", re.IGNORECASE)
FLAGS_TO_HOLD = 3
NEAR_DUPLICATE_SIMILARITY = 0.95
NEAR_DUPLICATE_WINDOW = timedelta(hours=24)
MAX_REASON = 500
QUEUE_STATES = ("pending", "flagged", "rejected")
QUEUE_PER_PAGE = 50
READER_ACTIONS = {"suspend": "suspended", "ban": "banned", "reinstate": "active"}
#: the reasons an editor picks from when rejecting (the first is the default); the reader sees the words
REJECT_REASONS = {
    "off-topic": "Off topic",
    "abuse": "Abuse or personal attack",
    "spam": "Spam or advertising",
    "personal-data": "Shares someone's personal data",
    "other": "Other",
}
DEFAULT_REJECT_REASON = "off-topic"


def _clean_reason(reason: str | None, *, required: bool, what: str = "for this") -> str:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput(f"Give a reason {what}: it goes into the audit log.", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"Reasons can be at most {MAX_REASON} characters.", field="reason")
    return text


def _state(comment: Comment) -> CommentModeration:
    state = db.session.get(CommentModeration, comment.id)
    if state is None:
        state = CommentModeration(comment_id=comment.id)
        db.session.add(state)
    return state


def moderation_state(comment: Comment) -> CommentModeration | None:
    return db.session.get(CommentModeration, comment.id)


# --- holding new comments -----------------------------------------------------------------------------------


def _word_pattern(word: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)


def banned_words_in(text: str, story_id: int | None) -> list[str]:
    """The banned words (whole words or phrases, any case) that ``text`` uses, for this story."""
    words = db.session.scalars(
        select(BannedWord.word).where(or_(BannedWord.story_id.is_(None), BannedWord.story_id == story_id))
    )
    return sorted({w for w in words if _word_pattern(w).search(text)})


def has_link(comment: Comment) -> bool:
    return bool(LINK_RE.search(comment.body)) or "<a " in (comment.body_html or "")


def _is_new_reader(author_id: int, comment_id: int) -> bool:
    published = select(Comment.id).where(
        Comment.author_id == author_id, Comment.status == "published", Comment.id != comment_id
    )
    return not db.session.scalar(select(exists(published)))


def hold_reason_for(comment: Comment, story: Story) -> tuple[str, str] | None:
    """Why a new comment should wait for an editor (reason key, detail), or None to publish it at once."""
    words = banned_words_in(comment.body, story.id)
    if words:
        return "banned-word", ", ".join(words)
    mode = story.moderation_mode or "post"
    if mode == "all":
        return "all", ""
    if mode == "links" and has_link(comment):
        return "links", ""
    if mode == "first" and _is_new_reader(comment.author_id, comment.id):
        return "first", ""
    return None


def _hold(comment: Comment, reason: str, detail: str = "") -> None:
    comment.status = "pending"
    state = _state(comment)
    state.hold_reason, state.hold_detail, state.held_at = reason, detail[:300] or None, datetime.now(UTC)
    state.decision = state.decided_by_id = state.decided_at = state.decision_reason = None
    label = HOLD_REASONS[reason] + (f": {detail}" if detail else "")
    audit.record("comment.held", None, reason=label, comment=comment, details={"hold": reason})


def screen_new_comment(comment: Comment) -> str:
    """Decide a just-posted comment's status: published, or pending with a hold reason (audited as the
    system). Returns the status."""
    reason = hold_reason_for(comment, comment.story or db.session.get(Story, comment.story_id))
    if reason is not None:
        _hold(comment, *reason)
        db.session.flush()
    return comment.status


def hold_near_duplicates(
    comments: Iterable[Comment], threshold: float = NEAR_DUPLICATE_SIMILARITY
) -> list[Comment]:
    """Hold published comments that nearly repeat (cosine similarity of embeddings >= ``threshold``) one of
    the 50 latest earlier comments by the same reader on the same story from the last day. Comments an editor
    approved are left alone. Returns the comments held.

    A batch costs three queries however large it is (the worker embeds bursts of comments at once)."""
    todo = [c for c in comments if c.status == "published"]
    if not todo:
        return []
    ids = [c.id for c in todo]
    states = rows_by_comment(CommentModeration, ids)
    approved = {i for i, state in states.items() if state.decision == "approved"}
    mine = rows_by_comment(CommentEmbedding, ids)
    todo = [c for c in todo if c.id not in approved and c.id in mine]
    if not todo:
        return []
    oldest = min(as_utc(c.created_at) for c in todo) - NEAR_DUPLICATE_WINDOW
    rows = db.session.execute(
        select(
            Comment.id,
            Comment.author_id,
            Comment.story_id,
            Comment.created_at,
            CommentEmbedding.model_name,
            CommentEmbedding.vector,
        )
        .join(CommentEmbedding, CommentEmbedding.comment_id == Comment.id)
        .where(
            Comment.author_id.in_({c.author_id for c in todo}),
            Comment.story_id.in_({c.story_id for c in todo}),
            Comment.status.in_(("published", "pending")),
            Comment.created_at >= oldest,
            CommentEmbedding.model_name.in_({e.model_name for e in mine.values()}),
        )
        .order_by(Comment.id)
    ).all()
    history: dict[tuple[int, int], list] = {}
    for row in rows:
        history.setdefault((row.author_id, row.story_id), []).append(row)
    held = []
    for comment in todo:
        since = as_utc(comment.created_at) - NEAR_DUPLICATE_WINDOW
        same_reader = history.get((comment.author_id, comment.story_id), ())
        model = mine[comment.id].model_name  # vectors of another model (mid re-embedding) do not compare
        earlier = [
            r
            for r in same_reader
            if r.id < comment.id and as_utc(r.created_at) >= since and r.model_name == model
        ][-50:]
        if not earlier:
            continue
        matrix = np.stack([np.frombuffer(r.vector, dtype=np.float32) for r in earlier])
        vec = mine[comment.id].array
        sims = matrix @ vec / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vec) + 1e-12)
        best = int(np.argmax(sims))
        if sims[best] >= threshold:
            _hold(comment, "near-duplicate", f"comment {earlier[best].id} ({sims[best]:.2f})")
            held.append(comment)
    db.session.flush()
    return held


# --- readers' flags -----------------------------------------------------------------------------------------


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
    text = _clean_reason(reason, required=True, what="for flagging this comment")
    if not user.can_participate:
        raise Forbidden("Your account cannot flag comments at the moment.")
    if comment.status != "published":
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
        _hold(comment, "flags", f"{FLAGS_TO_HOLD} readers")
        db.session.flush()
        signals.comment_changed.send(comment, action="moderated")
    return flag


# --- editors' decisions -------------------------------------------------------------------------------------


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
    text = _clean_reason(details, required=False)
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
        text = _clean_reason(reason, required=False)
    for comment in comments:
        if comment.status == "deleted":
            raise InvalidInput(f"Comment {comment.id} was deleted by its author; it cannot be moderated.")
    target = "published" if action == "approve" else "rejected"
    flags = open_flags([c.id for c in comments])
    now = datetime.now(UTC)
    changed = 0
    for comment in comments:
        before, n_flags = comment.status, len(flags.get(comment.id, []))
        if before == target and not n_flags:
            continue
        comment.status = target
        state = _state(comment)
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
    previous = _state(comment).decision_reason
    _hold(comment, "resubmitted", f"rejected before as “{previous}”" if previous else "")


def can_resubmit(comment: Comment, user: User | None) -> bool:
    """Whether ``user`` may edit their rejected ``comment`` and send it back for moderation: their own, the
    story still open and their account able to post."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and comment.status == "rejected"
        and comment.author_id == user.id
        and user.can_participate
        and comment.story.is_open
    )


# --- the queue ----------------------------------------------------------------------------------------------


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
        query = query.where(Comment.status == "published", _flagged())
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
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
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
        "pending": count(Comment.status == "pending"),
        "flagged": count((Comment.status == "published") & _flagged()),
        "rejected": count(Comment.status == "rejected"),
    }


# --- readers and roles --------------------------------------------------------------------------------------


def get_user(user_id: int | str | None) -> User:
    try:
        user = db.session.get(User, int(user_id))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        user = None
    if user is None:
        raise NotFound("There is no such user.")
    return user


def _invalidate_opinions(user: User) -> None:
    """A ban (or its end) changes whose votes count: have the background jobs recompute what they touch."""
    for comment in db.session.scalars(
        select(Comment).where(Comment.author_id == user.id, Comment.status == "published")
    ):
        signals.comment_changed.send(comment, action="moderated")
    voted = db.session.scalars(select(Vote).where(Vote.user_id == user.id).order_by(Vote.story_id, Vote.id))
    seen: set[int] = set()
    for vote in voted:
        if vote.story_id not in seen:
            seen.add(vote.story_id)
            signals.vote_cast.send(vote.comment_id, story_id=vote.story_id, user_id=user.id, value=vote.value)


def set_reader_status(user: User, action: str, editor: User, reason: str | None) -> User:
    """Suspend (cannot post, vote or flag), ban (also cannot log in; their votes leave the opinion groups) or
    reinstate a reader. Suspending and banning need a reason. Staff accounts are the admins' to change."""
    if action not in READER_ACTIONS:
        raise InvalidInput("Choose suspend, ban or reinstate.", field="action")
    text = _clean_reason(reason, required=action != "reinstate", what=f"to {action} this reader")
    if user.id == editor.id:
        raise Forbidden("You cannot change your own account's status.")
    if user.is_staff and editor.role != "admin":
        raise Forbidden("Only an admin can suspend or ban a member of staff.")
    status = READER_ACTIONS[action]
    before = user.status
    if before == status:
        raise Conflict(f"{user.display_name} is {status} already.")
    user.status = status
    audit.record(
        f"reader.{action}", editor, reason=text, target_user=user, details={"from": before, "to": status}
    )
    db.session.flush()
    if "banned" in (before, status):
        _invalidate_opinions(user)
    return user


def set_role(user: User, role: str, admin: User, reason: str | None = "") -> User:
    """Grant or revoke staff roles. Admins cannot change their own role (so there is always an admin)."""
    if role not in ROLES:
        raise InvalidInput(f"Choose one of: {', '.join(ROLES)}.", field="role")
    text = _clean_reason(reason, required=False)
    if user.id == admin.id:
        raise Forbidden("You cannot change your own role; ask another admin.")
    before = user.role
    if before == role:
        raise Conflict(f"{user.display_name} is a{'n' if role == 'admin' else ''} {role} already.")
    user.role = role
    audit.record("role.changed", admin, reason=text, target_user=user, details={"from": before, "to": role})
    db.session.flush()
    return user


# --- banned words -------------------------------------------------------------------------------------------


def list_banned_words() -> list[BannedWord]:
    return list(
        db.session.scalars(select(BannedWord).order_by(BannedWord.story_id.is_not(None), BannedWord.word))
    )


def add_banned_word(word: str | None, editor: User | None, story: Story | None = None) -> BannedWord:
    """Add a word or phrase (whole words, any case) to the list for every story or for one (``editor`` None:
    the system, from the command line)."""
    text = " ".join((word or "").split()).lower()
    if not text:
        raise InvalidInput("Type the word or phrase to hold comments for.", field="word")
    if len(text) > 100:
        raise InvalidInput("Banned words can be at most 100 characters.", field="word")
    story_id = story.id if story is not None else None
    clash = select(BannedWord).where(
        BannedWord.word == text,
        BannedWord.story_id.is_(None) if story_id is None else BannedWord.story_id == story_id,
    )
    if db.session.scalar(clash) is not None:
        raise Conflict(f"{text!r} is on the list already.", field="word")
    entry = BannedWord(word=text, story_id=story_id, added_by_id=editor.id if editor else None)
    db.session.add(entry)
    audit.record("banned_word.added", editor, story=story, details={"word": text})
    db.session.flush()
    return entry


def remove_banned_word(word_id: int, editor: User) -> None:
    entry = db.session.get(BannedWord, word_id)
    if entry is None:
        raise NotFound("That word is not on the list.")
    story = db.session.get(Story, entry.story_id) if entry.story_id else None
    audit.record("banned_word.removed", editor, story=story, details={"word": entry.word})
    db.session.delete(entry)
    db.session.flush()


def list_users(
    text: str | None = None, *, status: str | None = None, role: str | None = None, limit: int = 200
) -> list[tuple[User, int]]:
    """Accounts matching a name fragment, status and role, with how many comments each has written."""
    n_comments = select(func.count()).where(Comment.author_id == User.id).correlate(User).scalar_subquery()
    query = select(User, n_comments)
    if text and text.strip():
        needle = text.strip().lower()
        query = query.where(
            func.lower(User.username).contains(needle, autoescape=True)
            | func.lower(User.display_name).contains(needle, autoescape=True)
        )
    if status:
        query = query.where(User.status == status)
    if role:
        query = query.where(User.role == role)
    return [(u, n) for u, n in db.session.execute(query.order_by(User.username).limit(limit))]


def comments_by(user: User, limit: int = 50) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment).where(Comment.author_id == user.id).order_by(Comment.id.desc()).limit(limit)
        )
    )
