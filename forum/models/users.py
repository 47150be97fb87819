"""Readers, editors and admins."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from werkzeug.security import check_password_hash, generate_password_hash

from forum.extensions import db
from forum.models._types import utcnow
from forum.statuses import USER_STATUSES, UserStatus

ROLES = ("reader", "editor", "admin")


STATUSES = USER_STATUSES


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Optional; unique when given (stored trimmed and in lower case); where password-reset links go.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(10), default="reader")
    status: Mapped[str] = mapped_column(String(10), default=UserStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Every session (and widget token) carries the version it was issued under; bumping it ends them all.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the session version, so that a cookie
        issued before :meth:`end_sessions` no longer loads the user (see ``forum.web._load_user``)."""
        return f"{self.id}.{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Invalidate every session and widget token of this user (they carry the old version)."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        method = current_app.config.get("FORUM_PASSWORD_HASH", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        return self.role in ("editor", "admin")

    @property
    def can_participate(self) -> bool:
        return self.status == UserStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<User {self.username}>"


def _credentials_changed(target: User, value, oldvalue, initiator) -> None:
    """A password, role or status change ends every session of an existing account (a new one has none)."""
    if oldvalue in (NO_VALUE, NEVER_SET) or value == oldvalue:
        return
    target.end_sessions()


for _attribute in (User.password_hash, User.role, User.status):
    # active_history: compare with the stored value even when the attribute was expired by a commit.
    event.listen(_attribute, "set", _credentials_changed, active_history=True)
