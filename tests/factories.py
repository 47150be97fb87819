"""Small factories for test data (flushed, rolled back with the test's session)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Story, Viewpoint
from forum.sanitize import render_comment

_seq = itertools.count(1)


def make_story(**fields) -> Story:
    n = next(_seq)
    values = {
        "slug": f"story-{n}",
        "headline": f"Headline {n}",
        "lede": "A short lede.",
        "body": "First paragraph.\n\nSecond paragraph.",
        "source_url": "https://news.example/story",
        "question": "Should we?",
    }
    values.update(fields)
    story = Story(**values)
    db.session.add(story)
    db.session.commit()
    return story


def make_comment(
    story: Story,
    author,
    body: str = "A considered opinion.",
    *,
    parent: Comment | None = None,
    minutes_ago: int = 0,
    **fields,
) -> Comment:
    comment = Comment(
        story_id=story.id,
        author_id=author.id,
        **Comment.thread_position(parent),
        body=body,
        body_html=render_comment(body),
        created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        **fields,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def active_viewpoints(story: Story) -> list[Viewpoint]:
    """The story's live viewpoints (not "other comments"), in map order."""
    return list(
        db.session.scalars(
            select(Viewpoint)
            .where(Viewpoint.story_id == story.id, Viewpoint.active, Viewpoint.is_other.is_(False))
            .order_by(Viewpoint.position)
        )
    )
