"""The status values rows carry, as ``StrEnum``s (each member equals its stored string). Plain Python with no
database or Flask, so the file readers in ``forum.interop`` use them too; ``forum.models`` builds its check
constraints from them and re-exports them."""

from __future__ import annotations

from enum import StrEnum


class StoryStatus(StrEnum):
    """Whether a story's discussion takes new comments and votes."""

    OPEN = "open"
    CLOSED = "closed"


class CommentStatus(StrEnum):
    """A comment's place in moderation: shown, held for an editor, refused, or removed by its author."""

    PUBLISHED = "published"
    PENDING = "pending"
    REJECTED = "rejected"
    DELETED = "deleted"


class UserStatus(StrEnum):
    """Whether an account may post and vote: active, or suspended or banned by an editor."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"


class MapRunStatus(StrEnum):
    """A map run's outcome (a run is stored once it has finished)."""

    DONE = "done"


class PreviewStatus(StrEnum):
    """A key point preview: waiting for the worker, computed, or failed."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


STORY_STATUSES = tuple(s.value for s in StoryStatus)
COMMENT_STATUSES = tuple(s.value for s in CommentStatus)
USER_STATUSES = tuple(s.value for s in UserStatus)
