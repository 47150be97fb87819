"""Accounts: registering and authenticating readers, finding and listing them, suspending and banning them,
and granting staff roles. Status and role changes are audited in the same transaction."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, User, UserStatus, Vote
from forum.models.users import ROLES
from forum.services import audit, signals
from forum.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from forum.services.moderation.state import clean_reason

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
MIN_PASSWORD = 8
READER_ACTIONS = {"suspend": UserStatus.SUSPENDED, "ban": UserStatus.BANNED, "reinstate": UserStatus.ACTIVE}
# A real hash to check against when the username is unknown, so both paths cost the same (no enumeration).
_DUMMY = User(username="-", display_name="-")
_DUMMY.set_password("not a real password")


def register_user(
    username: str,
    password: str,
    display_name: str | None = None,
    role: str = "reader",
    *,
    password_hash: str | None = None,
) -> User:
    """Create an account. Usernames are unique regardless of case. ``password_hash``, when given, is the
    hash of ``password`` computed beforehand (bulk creation hashes many passwords in parallel)."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "Usernames are 3-40 letters, digits, dots, dashes or underscores.", field="username"
        )
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"Passwords need at least {MIN_PASSWORD} characters.", field="password")
    if len(password) > 200:
        raise InvalidInput("Passwords can be at most 200 characters.", field="password")
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", field="role")
    display = (display_name or "").strip() or username
    if len(display) > 80:
        raise InvalidInput("Display names can be at most 80 characters.", field="display_name")
    if find_user(username) is not None:
        raise Conflict("That username is taken.", field="username")
    user = User(username=username, display_name=display, role=role)
    if password_hash is None:
        user.set_password(password)
    else:
        user.password_hash = password_hash
    db.session.add(user)
    db.session.flush()
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    )


def authenticate(username: str, password: str) -> User | None:
    """The user with these credentials, or None. Unknown names, wrong passwords and banned accounts look
    the same."""
    user = find_user(username)
    if user is None:
        _DUMMY.check_password(password or "")
        return None
    if not user.check_password(password or "") or user.status == UserStatus.BANNED:
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Sign ``user`` out everywhere: every session cookie and widget token issued so far stops working on
    its next request (they carry the user's session version, which this bumps). Flushes, does not commit.

    Signing out calls it, and so does any change of password, role or status (the ``User`` model bumps the
    version itself when those change). A view that changes the password of the signed-in reader and wants
    to keep them signed in calls ``login_user(user)`` again after this, which issues a cookie with the new
    version."""
    user.end_sessions()
    db.session.flush()


# --- readers and roles --------------------------------------------------------------------------------------


def get_user(user_id: int | str | None) -> User:
    try:
        user = db.session.get(User, int(user_id))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        user = None
    if user is None:
        raise NotFound("There is no such user.")
    return user


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


def _invalidate_opinions(user: User) -> None:
    """A ban (or its end) changes whose votes count: have the background jobs recompute what they touch."""
    for comment in db.session.scalars(
        select(Comment).where(Comment.author_id == user.id, Comment.status == CommentStatus.PUBLISHED)
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
    text = clean_reason(reason, required=action != "reinstate", what=f"to {action} this reader")
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
    if UserStatus.BANNED in (before, status):
        _invalidate_opinions(user)
    return user


def set_role(user: User, role: str, admin: User | None, reason: str | None = "") -> User:
    """Grant or revoke staff roles (``admin`` None: the system, from the command line, which works with no
    admin yet). Admins cannot change their own role (so there is always an admin)."""
    if role not in ROLES:
        raise InvalidInput(f"Choose one of: {', '.join(ROLES)}.", field="role")
    text = clean_reason(reason, required=False)
    if admin is not None and user.id == admin.id:
        raise Forbidden("You cannot change your own role; ask another admin.")
    before = user.role
    if before == role:
        raise Conflict(f"{user.display_name} is a{'n' if role == 'admin' else ''} {role} already.")
    user.role = role
    audit.record("role.changed", admin, reason=text, target_user=user, details={"from": before, "to": role})
    db.session.flush()
    return user
