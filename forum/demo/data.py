"""The demo story's content: ``rsp_story.json`` next to this module (read with :mod:`importlib.resources`,
so it works from an installed tree) loaded, parsed and checked into plain dataclasses. Pure: no Flask, no
database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

DATA_FILE = "rsp_story.json"
SIDES = ("agree", "disagree", "unsure")
ARGUMENT_SIDES = ("agree", "disagree", "neutral")


@dataclass(frozen=True)
class DemoStory:
    """The news piece the demo discussion is about."""

    slug: str
    headline: str
    lede: str
    body: str
    source_url: str
    source_name: str
    question: str
    published_at: datetime


@dataclass(frozen=True)
class DemoArgument:
    """A recognisable argument readers make; ``consensus`` ones are agreed across the divide."""

    key: str
    label: str
    side: str
    consensus: bool


@dataclass(frozen=True)
class DemoReader:
    """A demo reader: position from -1 (strongly disagree) to +1 (strongly agree) on the question."""

    username: str
    display_name: str
    position: float
    arguments: tuple[str, ...]


@dataclass(frozen=True)
class DemoComment:
    """A reader comment; ``parent`` is the id of an earlier comment for replies."""

    id: str
    author: str
    parent: str | None
    side: str | None
    argument: str | None
    minutes_after: int
    body: str


@dataclass(frozen=True)
class DemoVote:
    """One reader's vote on one comment: 1 agree, -1 disagree, 0 pass."""

    username: str
    comment_id: str
    value: int


@dataclass(frozen=True)
class DemoData:
    """The whole demo: story, arguments, readers and comments (in publication order)."""

    story: DemoStory
    arguments: tuple[DemoArgument, ...]
    readers: tuple[DemoReader, ...]
    comments: tuple[DemoComment, ...]

    def argument(self, key: str) -> DemoArgument:
        """The argument with this key (KeyError if unknown)."""
        return {a.key: a for a in self.arguments}[key]

    def reader(self, username: str) -> DemoReader:
        """The reader with this username (KeyError if unknown)."""
        return {r.username: r for r in self.readers}[username]

    def comment(self, comment_id: str) -> DemoComment:
        """The comment with this id (KeyError if unknown)."""
        return {c.id: c for c in self.comments}[comment_id]

    def posted_at(self, comment: DemoComment) -> datetime:
        """When a comment was posted: publication time plus its ``minutes_after``."""
        return self.story.published_at + timedelta(minutes=comment.minutes_after)

    def depth(self, comment: DemoComment) -> int:
        """Reply depth: 0 for a top-level comment, 1 for a reply to one, and so on."""
        by_id = {c.id: c for c in self.comments}
        depth = 0
        while comment.parent is not None:
            comment = by_id[comment.parent]
            depth += 1
        return depth


def load_demo() -> DemoData:
    """Read and validate the packaged demo story (raises ValueError if the data is inconsistent)."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_demo(json.loads(text))


def parse_demo(raw: dict[str, Any]) -> DemoData:
    """Build and validate DemoData from the JSON structure of ``rsp_story.json``.

    Raises ValueError when references are broken (unknown author or argument, a parent that is
    missing or not earlier, a reply timed before its parent, duplicate ids, empty bodies).
    """
    data = _parse(raw)
    _validate(data)
    return data


def _parse(raw: dict[str, Any]) -> DemoData:
    story = dict(raw["story"])
    story["published_at"] = datetime.fromisoformat(story["published_at"])
    return DemoData(
        story=DemoStory(**story),
        arguments=tuple(DemoArgument(**a) for a in raw["arguments"]),
        readers=tuple(
            DemoReader(
                username=r["username"],
                display_name=r["display_name"],
                position=float(r["position"]),
                arguments=tuple(r["arguments"]),
            )
            for r in raw["readers"]
        ),
        comments=tuple(DemoComment(**c) for c in raw["comments"]),
    )


def _validate(data: DemoData) -> None:
    keys = {a.key for a in data.arguments}
    users = {r.username for r in data.readers}
    if len(keys) != len(data.arguments) or len(users) != len(data.readers):
        raise ValueError("duplicate argument keys or usernames")
    if any(a.side not in ARGUMENT_SIDES for a in data.arguments):
        raise ValueError("argument side must be agree, disagree or neutral")
    for reader in data.readers:
        if not -1.0 <= reader.position <= 1.0 or not set(reader.arguments) <= keys:
            raise ValueError(f"bad reader {reader.username}")
    seen: dict[str, DemoComment] = {}
    for c in data.comments:
        problems = [
            c.id in seen and "duplicate id",
            c.author not in users and "unknown author",
            c.parent is not None and c.parent not in seen and "parent missing or later",
            c.parent in seen and seen[c.parent].minutes_after >= c.minutes_after and "reply before parent",
            c.side is not None and c.side not in SIDES and "bad side",
            c.argument is not None and c.argument not in keys and "unknown argument",
            not c.body.strip() and "empty body",
        ]
        if any(problems):
            raise ValueError(f"comment {c.id}: {', '.join(p for p in problems if p)}")
        seen[c.id] = c
