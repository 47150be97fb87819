"""The demo story every new reader sees first, with its readers, comments and simulated votes.

:func:`load_demo` (in :mod:`forum.demo.data`) returns the packaged content as plain dataclasses and
:func:`generate_votes` (in :mod:`forum.demo.votes`) simulates how the demo readers vote on each other's
comments. Both are pure: no Flask, no database; the seeding command turns the results into rows.
"""

from forum.demo.data import (
    DemoArgument,
    DemoComment,
    DemoData,
    DemoReader,
    DemoStory,
    DemoVote,
    load_demo,
    parse_demo,
)
from forum.demo.votes import generate_votes

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
