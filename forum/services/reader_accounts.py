"""A reader's own account: their email address, a password reset by email, a copy of their data and deleting
the account (GDPR). Services flush and never commit; mail is sent by the caller after the commit."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update

from forum.extensions import db
from forum.models import AuditEntry, Comment, CommentStatus, Story, User, UserStatus, Vote
from forum.models.moderation import CommentFlag
from forum.models.stories import DELETED_COMMENT_POLICIES
from forum.services import accounts, audit, signals
from forum.services.errors import Conflict, Forbidden, InvalidInput

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
MAX_EMAIL = 254
RESET_SALT = "forum-password-reset"
# The one account every deleted reader's anonymised comments move to. Its username cannot be registered
# (a tilde is outside accounts.USERNAME_RE) and it cannot log in (no password, banned).
DELETED_USERNAME = "~deleted"
DELETED_NAME = "deleted reader"
VOTE_WORDS = {1: "agree", -1: "disagree", 0: "pass"}


# --- email --------------------------------------------------------------------------------------------------


def clean_email(email: str | None) -> str | None:
    """The address in the form stored (trimmed, lower case), None for an empty one; refuses a bad one."""
    value = (email or "").strip().lower()
    if not value:
        return None
    if len(value) > MAX_EMAIL or not EMAIL_RE.match(value):
        raise InvalidInput("That does not look like an email address (name@example.org).", field="email")
    return value


def set_email(user: User, email: str | None) -> User:
    """Give ``user`` an email address (optional: empty removes it). Addresses are unique."""
    value = clean_email(email)
    if value is not None:
        clash = db.session.scalar(select(User.id).where(User.email == value, User.id != user.id))
        if clash is not None:
            raise Conflict("Another account uses that email address.", field="email")
    user.email = value
    db.session.flush()
    return user


def find_by_email(email: str | None) -> User | None:
    try:
        value = clean_email(email)
    except InvalidInput:
        return None
    if value is None:
        return None
    return db.session.scalar(select(User).where(User.email == value))


# --- password reset ---------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RESET_SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the password (or the address the link went to) changes: a used link is dead."""
    material = f"{user.password_hash or ''}|{user.email or ''}|{user.status}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def reset_hours() -> int:
    return int(current_app.config.get("FORUM_RESET_TOKEN_HOURS", 2))


def read_reset_token(token: str | None) -> User:
    """The account a reset link stands for; refuses links that are forged, expired or used already."""
    try:
        data = _serializer().loads(token or "", max_age=reset_hours() * 3600)
    except SignatureExpired:
        raise Forbidden("This reset link has expired: ask for a new one.") from None
    except BadSignature:
        raise Forbidden("This reset link is not valid: ask for a new one.") from None
    user = (
        db.session.get(User, data.get("u"))
        if isinstance(data, dict) and isinstance(data.get("u"), int)
        else None
    )
    if user is None or data.get("f") != _fingerprint(user) or user.status == UserStatus.BANNED:
        raise Forbidden("This reset link was used already or is no longer valid: ask for a new one.")
    return user


def request_reset(email: str | None) -> tuple[User, str] | None:
    """The account with this address and a reset token for it, or None (unknown address, a banned
    account): the caller answers the same either way, so nobody learns which addresses have accounts."""
    user = find_by_email(email)
    if user is None or user.status == UserStatus.BANNED or user.username == DELETED_USERNAME:
        return None
    return user, make_reset_token(user)


def _check_new_password(password: str | None, confirm: str | None) -> str:
    password = password or ""
    if len(password) < accounts.MIN_PASSWORD:
        raise InvalidInput(f"Passwords need at least {accounts.MIN_PASSWORD} characters.", field="password")
    if len(password) > 200:
        raise InvalidInput("Passwords can be at most 200 characters.", field="password")
    if password != (confirm or ""):
        raise InvalidInput("The two passwords differ.", field="confirm")
    return password


def reset_password(token: str | None, password: str | None, confirm: str | None) -> User:
    """Set a new password through a reset link. The link works once, and every session of the account ends
    (a thief signed in elsewhere is signed out)."""
    user = read_reset_token(token)
    user.set_password(_check_new_password(password, confirm))
    accounts.end_all_sessions(user)
    db.session.flush()
    return user


# --- the reader's data ----------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(user: User) -> dict:
    """Everything the forum holds about ``user`` that they wrote or chose: profile, comments with every
    earlier version, votes, the sides they took, the comments they flagged."""
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.created_at, Comment.id)
    ).all()
    stories = {s.id: s for s in db.session.scalars(select(Story))}
    sides: dict[str, str] = {}
    for c in comments:
        if c.side and c.status != CommentStatus.DELETED:
            sides[stories[c.story_id].slug] = c.side  # the latest comment's side is the reader's side
    votes = db.session.execute(
        select(Vote, Comment.story_id)
        .join(Comment, Comment.id == Vote.comment_id)
        .where(Vote.user_id == user.id)
    ).all()
    flags = db.session.scalars(select(CommentFlag).where(CommentFlag.user_id == user.id)).all()
    return {
        "format": "forum-reader-data/1",
        "exported_at": _when(datetime.now().astimezone()),
        "site": current_app.config.get("FORUM_SITE_NAME"),
        "profile": {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role,
            "status": user.status,
            "created_at": _when(user.created_at),
        },
        "comments": [
            {
                "id": c.id,
                "story": stories[c.story_id].slug,
                "story_headline": stories[c.story_id].headline,
                "parent_id": c.parent_id,
                "body": c.body,
                "side": c.side,
                "status": c.status,
                "created_at": _when(c.created_at),
                "edited_at": _when(c.edited_at),
                "votes": {"agree": c.agree_count, "disagree": c.disagree_count, "pass": c.pass_count},
                "versions": [
                    {"body": r.body, "side": r.side, "reason": r.reason, "replaced_at": _when(r.created_at)}
                    for r in c.revisions
                ],
            }
            for c in comments
        ],
        "votes": [
            {
                "comment_id": v.comment_id,
                "story": stories[story_id].slug,
                "vote": VOTE_WORDS[v.value],
                "created_at": _when(v.created_at),
                "updated_at": _when(v.updated_at),
            }
            for v, story_id in votes
        ],
        "sides": sides,
        "flags": [
            {"comment_id": f.comment_id, "reason": f.reason, "created_at": _when(f.created_at)} for f in flags
        ],
    }


# --- deleting the account --------------------------------------------------------------------------------


def deleted_reader() -> User:
    """The placeholder author of deleted readers' comments, made on first use."""
    user = db.session.scalar(select(User).where(User.username == DELETED_USERNAME))
    if user is None:
        user = User(
            username=DELETED_USERNAME, display_name=DELETED_NAME, role="reader", status=UserStatus.BANNED
        )
        db.session.add(user)
        db.session.flush()
    return user


def _recount(comment_ids: set[int]) -> None:
    for comment_id in sorted(comment_ids):
        counts = dict(
            db.session.execute(
                select(Vote.value, func.count()).where(Vote.comment_id == comment_id).group_by(Vote.value)
            ).all()
        )
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(
                agree_count=counts.get(1, 0), disagree_count=counts.get(-1, 0), pass_count=counts.get(0, 0)
            )
        )


def delete_account(user: User, password: str | None) -> dict[str, int]:
    """Delete ``user``'s account, confirmed by their password. Their votes go (the counts and opinion groups
    are recomputed); each comment follows its story's policy: ``anonymise`` keeps the text under "deleted
    reader", ``remove`` deletes the text and its earlier versions (the thread keeps a "deleted" placeholder
    so replies stay in place). Returns how many comments were anonymised and removed, and votes deleted."""
    if not user.password_hash or not user.check_password(password or ""):
        raise Forbidden("That is not your password: the account was not deleted.", field="password")
    if user.is_staff:
        raise Forbidden(
            "Editors and admins cannot delete their own account: ask an admin to change your role first."
        )
    placeholder = deleted_reader()
    result = {"anonymised": 0, "removed": 0, "votes": 0}

    votes = db.session.scalars(select(Vote).where(Vote.user_id == user.id).order_by(Vote.story_id)).all()
    voted_comments = {v.comment_id for v in votes}
    first_per_story = {}
    for v in votes:
        first_per_story.setdefault(v.story_id, v.comment_id)
    db.session.execute(delete(Vote).where(Vote.user_id == user.id))
    _recount(voted_comments)
    result["votes"] = len(votes)

    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    ).all()
    policies = dict(db.session.execute(select(Story.id, Story.deleted_comments)).all())
    for comment in comments:
        policy = policies.get(comment.story_id) or DELETED_COMMENT_POLICIES[0]
        comment.author_id = placeholder.id
        comment.idempotency_key = None
        if policy == "remove":
            comment.revisions.clear()  # the earlier versions go with the text
            comment.body, comment.body_html, comment.side, comment.status = (
                "",
                "",
                None,
                CommentStatus.DELETED,
            )
            result["removed"] += 1
        else:
            result["anonymised"] += 1
    removed = [c.id for c in comments if c.status == CommentStatus.DELETED]
    if removed:  # the audit log's copies of a removed text go too (erasure outranks "never updated")
        db.session.execute(
            update(AuditEntry).where(AuditEntry.comment_id.in_(removed)).values(comment_text=None)
        )
    db.session.flush()
    for comment in comments:
        if comment.status == CommentStatus.DELETED:  # it leaves the map and the vote geometry
            signals.comment_changed.send(comment, action="deleted")
    for story_id, comment_id in first_per_story.items():
        signals.vote_cast.send(comment_id, story_id=story_id, user_id=user.id, value=None)
    audit.record("account.deleted", None, details=dict(result))
    db.session.delete(user)
    db.session.flush()
    return result


def stories_commented_on(user: User) -> list[tuple[Story, int]]:
    """The stories the reader commented on, by headline, with how many comments on each."""
    rows = db.session.execute(
        select(Story, func.count(Comment.id))
        .join(Comment, Comment.story_id == Story.id)
        .where(Comment.author_id == user.id)
        .group_by(Story.id)
        .order_by(Story.headline)
    )
    return [(story, n) for story, n in rows]
