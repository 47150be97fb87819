"""A story with two camps of voters and some common ground, built straight into the tables (no signals)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from forum.extensions import db
from forum.models import Comment, Story, User, Vote
from forum.services.votes import recount_story
from tests.factories import SHARED_DATA, make_comment, make_story

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_POLIS = SHARED_DATA / "polis"

# Comment stance: +1 camp A agrees and camp B disagrees, -1 the reverse, 0 common ground (both agree).
STANCES = [1, 1, 1, -1, -1, -1, 1, -1, 0, 0, 1, -1]


@dataclass
class Camps:
    story: Story
    comments: list[Comment]
    camp_a: list[User]
    camp_b: list[User]
    authors: list[User]

    @property
    def common(self) -> list[Comment]:
        return [c for c, s in zip(self.comments, STANCES, strict=True) if s == 0]


def add_users(prefix: str, n: int) -> list[User]:
    users = [User(username=f"{prefix}{i}", display_name=f"{prefix.title()} {i}") for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    return users


@pytest.fixture
def camps(session) -> Camps:
    """12 comments; 10 readers in camp A and 8 in camp B vote on all of them (a few passes)."""
    story = make_story(slug="camps", question="Should the old town close to cars?")
    authors = add_users("author", 3)
    comments = [
        make_comment(story, authors[i % 3], f"Statement number {i}, stance {s}.")
        for i, s in enumerate(STANCES)
    ]
    camp_a, camp_b = add_users("campa", 10), add_users("campb", 8)
    for sign, camp in ((1, camp_a), (-1, camp_b)):
        for j, user in enumerate(camp):
            for i, (c, s) in enumerate(zip(comments, STANCES, strict=True)):
                value = 1 if s == 0 else sign * s
                if (i + j) % 7 == 0:
                    value = 0
                db.session.add(Vote(story_id=story.id, comment_id=c.id, user_id=user.id, value=value))
    db.session.flush()
    recount_story(story.id)
    db.session.commit()
    return Camps(story, comments, camp_a, camp_b, authors)
