"""Putting the packaged demo story (``forum.demo``) into the database."""

from __future__ import annotations

from collections.abc import Callable

from forum.extensions import db
from forum.models import Comment, Story, User, Vote
from forum.sanitize import render_comment
from forum.services.votes import recount_story


def seed_demo(data, votes, on_progress: Callable[[int], None] | None = None) -> Story:
    """Create the demo story, its readers (who cannot log in), comments and votes. Flushes, never commits."""
    s = data.story
    published = s.published_at
    story = Story(
        slug=s.slug,
        headline=s.headline,
        lede=s.lede,
        body=s.body,
        source_url=s.source_url,
        source_name=s.source_name,
        question=s.question,
        published_at=published,
        created_at=published,
        map_auto_publish=True,  # the demo shows its live map; new stories wait for an editor to publish
    )
    db.session.add(story)
    users: dict[str, User] = {}
    for reader in data.readers:
        users[reader.username] = User(
            username=reader.username, display_name=reader.display_name, password_hash=None
        )
    db.session.add_all(users.values())
    db.session.flush()
    comments: dict[str, Comment] = {}
    for item in data.comments:
        parent = comments.get(item.parent) if item.parent else None
        comment = Comment(
            story_id=story.id,
            author_id=users[item.author].id,
            **Comment.thread_position(parent),
            body=item.body,
            body_html=render_comment(item.body),
            side=item.side,
            created_at=data.posted_at(item),
        )
        db.session.add(comment)
        db.session.flush()
        comments[item.id] = comment
        if on_progress:
            on_progress(1)
    for v in votes:
        comment = comments[v.comment_id]
        db.session.add(
            Vote(
                story_id=story.id,
                comment_id=comment.id,
                user_id=users[v.username].id,
                value=v.value,
                created_at=comment.created_at,
                updated_at=comment.created_at,
            )
        )
    db.session.flush()
    recount_story(story.id)
    return story
