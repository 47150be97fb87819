"""The demo story every new reader sees first, with its readers, comments and simulated votes.

The content lives in ``rsp_story.json`` next to this module (read with :mod:`importlib.resources`, so
it works from an installed tree). :func:`load_demo` returns it as plain dataclasses and
:func:`generate_votes` simulates how the demo readers vote on each other's comments. Both are pure:
no Flask, no database; the seeding command turns the results into rows.

Votes follow a small model: a reader leans towards comments on their own side of the question
(``position`` times the comment's stance), a little more towards arguments they care about, and
almost everyone agrees with comments making a *consensus* argument (common ground). Per-reader
Gaussian noise, drawn from a seeded generator, keeps the matrix human-looking; each reader also crosses
the line on some arguments (takes the other side there) and casts a few stray votes, so no opinion group
votes as one block and the opinion map shows real proportions.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

__all__ = [
    "DemoArgument",
    "DemoComment",
    "DemoData",
    "DemoReader",
    "DemoStory",
    "DemoVote",
    "generate_votes",
    "load_demo",
    "parse_demo",
]

DATA_FILE = "rsp_story.json"
SIDES = ("agree", "disagree", "unsure")
ARGUMENT_SIDES = ("agree", "disagree", "neutral")

# Vote model parameters (see generate_votes).
MIN_VOTES, MAX_VOTES = 50, 140  # of 205 comments: about 23 votes per comment, so groups show proportions
POSITION_WEIGHT = 2.4  # how strongly a reader's position drives agreement with a stance
CARE_BONUS = 0.6  # extra lean towards an argument the reader cares about
CONSENSUS_LEAN = 1.5  # lean towards common-ground arguments, whatever the position
CONSENSUS_TILT = 0.5  # how much position still colours a common-ground comment
OFF_TOPIC_LEAN = -0.1  # off-topic comments: mostly passes
NOISE_SD = 0.75  # per-vote noise
BIAS_SD = 0.25  # per-reader agreeableness
PASS_BAND = 0.5  # |lean + noise| below this is a pass
CROSS_SHARE = 0.15  # chance that a reader takes the other side on one argument (readers who cross lines)
STRAY_SHARE = 0.06  # chance that a vote ignores the reader's leanings (misreading, mood, a stray click)


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


def _stance(comment: DemoComment, argument: DemoArgument | None) -> float:
    """+1 for a comment arguing "agree", -1 for "disagree", weaker when the author did not pick a side."""
    if comment.side == "agree":
        return 1.0
    if comment.side == "disagree":
        return -1.0
    if argument is None:
        return 0.0
    arg_stance = {"agree": 1.0, "disagree": -1.0}.get(argument.side, 0.0)
    return arg_stance * (0.5 if comment.side == "unsure" else 0.8)


def _lean(reader: DemoReader, comment: DemoComment, argument: DemoArgument | None) -> float:
    """How much the reader is inclined to agree (positive) or disagree (negative) before noise."""
    cares = argument is not None and argument.key in reader.arguments
    stance = _stance(comment, argument)
    if argument is not None and argument.consensus:
        return CONSENSUS_LEAN + CONSENSUS_TILT * reader.position * stance + (CARE_BONUS if cares else 0.0)
    if argument is None and comment.side is None:
        return OFF_TOPIC_LEAN
    lean = POSITION_WEIGHT * reader.position * stance
    if cares and lean >= 0:
        lean += CARE_BONUS
    return lean


def generate_votes(data: DemoData, seed: int = 7) -> list[DemoVote]:
    """Simulate the demo readers' votes on each other's comments.

    Each reader votes on a seeded random sample of 50-140 comments that are not their own, at most
    once per comment. The result is deterministic for a given ``seed`` (each reader draws from its
    own generator seeded by ``seed`` and the username) and ordered by reader, then comment.
    """
    arguments = {a.key: a for a in data.arguments}
    order = {c.id: i for i, c in enumerate(data.comments)}
    votes: list[DemoVote] = []
    for reader in data.readers:
        rng = random.Random(f"{seed}:{reader.username}")
        candidates = [c for c in data.comments if c.author != reader.username]
        count = min(len(candidates), rng.randint(MIN_VOTES, MAX_VOTES))
        chosen = sorted(rng.sample(candidates, count), key=lambda c: order[c.id])
        bias = rng.gauss(0.0, BIAS_SD)
        crossed = {a.key for a in data.arguments if not a.consensus and rng.random() < CROSS_SHARE}
        for comment in chosen:
            argument = arguments.get(comment.argument) if comment.argument else None
            lean = _lean(reader, comment, argument)
            if argument is not None and argument.key in crossed:
                lean = -lean
            score = lean + bias + rng.gauss(0.0, NOISE_SD)
            value = 1 if score > PASS_BAND else -1 if score < -PASS_BAND else 0
            if rng.random() < STRAY_SHARE:
                value = rng.choice((1, -1, 0))
            votes.append(DemoVote(reader.username, comment.id, value))
    return votes
