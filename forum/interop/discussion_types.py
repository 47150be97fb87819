"""What an imported discussion is, whatever file it came from: stories, readers and comments as plain
dataclasses, each with the line its record starts on, and :class:`MalformedFile` for a file that cannot
be imported. The readers are :mod:`forum.interop.discussion_json` and :mod:`forum.interop.discussion_xml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from forum.statuses import CommentStatus

FORMATS = ("disqus", "wxr", "json")
SIDES = ("agree", "disagree", "unsure")


class MalformedFile(ValueError):
    """The file cannot be imported; the message names the file and the line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.reason = path, line, message
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass
class ImportedStory:
    key: str
    headline: str
    question: str = ""
    slug: str = ""
    lede: str = ""
    body: str = ""
    source_url: str = ""
    source_name: str = ""
    published_at: datetime | None = None
    line: int = 0


@dataclass
class ImportedReader:
    key: str
    username: str
    display_name: str
    line: int = 0


@dataclass
class ImportedComment:
    key: str
    story_key: str
    author_key: str
    body: str
    created_at: datetime
    parent_key: str | None = None
    side: str | None = None
    status: str = CommentStatus.PUBLISHED  # or pending, rejected, deleted
    line: int = 0


@dataclass
class Discussion:
    path: str
    format: str
    stories: list[ImportedStory] = field(default_factory=list)
    readers: dict[str, ImportedReader] = field(default_factory=dict)
    comments: list[ImportedComment] = field(default_factory=list)


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 date and time (a trailing Z allowed; UTC when it names no zone), or None."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
