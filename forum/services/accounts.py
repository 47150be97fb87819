"""Registering and authenticating readers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from forum.models.users import ROLES
from forum.services.errors import Conflict, InvalidInput

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
MIN_PASSWORD = 8
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
    if not user.check_password(password or "") or user.status == "banned":
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
