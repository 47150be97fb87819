"""Readers' agree / disagree / pass votes on comments."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Comment, User, Vote
from forum.models.stories import VOTE_VALUES
from forum.services import signals
from forum.services.comments import VISIBLE, _require_participant
from forum.services.errors import Forbidden, InvalidInput, NotFound


def _count(comment_id: int, value: int):
    return (
        select(func.count())
        .select_from(Vote)
        .where(Vote.comment_id == comment_id, Vote.value == value)
        .scalar_subquery()
    )


def recount(comment_id: int) -> None:
    """Set a comment's vote counts from the votes table (safe under concurrent voting)."""
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(
            agree_count=_count(comment_id, 1),
            disagree_count=_count(comment_id, -1),
            pass_count=_count(comment_id, 0),
        )
        .execution_options(synchronize_session=False)
    )


def recount_story(story_id: int) -> None:
    """Recount every comment of a story (after bulk imports)."""
    counts: dict[int, dict[int, int]] = {}
    rows = db.session.execute(
        select(Vote.comment_id, Vote.value, func.count())
        .where(Vote.story_id == story_id)
        .group_by(Vote.comment_id, Vote.value)
    )
    for comment_id, value, n in rows:
        counts.setdefault(comment_id, {})[value] = n
    for comment in db.session.scalars(select(Comment).where(Comment.story_id == story_id)):
        c = counts.get(comment.id, {})
        comment.agree_count, comment.disagree_count, comment.pass_count = (
            c.get(1, 0),
            c.get(-1, 0),
            c.get(0, 0),
        )
    db.session.flush()


def cast_vote(comment: Comment, user: User, choice: str | None) -> Vote:
    """Record ``user``'s vote on ``comment`` ("agree", "disagree" or "pass"), replacing an earlier one."""
    if choice not in VOTE_VALUES:
        raise InvalidInput("A vote is agree, disagree or pass.", field="vote")
    if comment.status not in VISIBLE:
        raise NotFound("That comment is not open for votes.")
    if comment.author_id == user.id:
        raise Forbidden("You cannot vote on your own comment.")
    _require_participant(user, comment.story)
    value = VOTE_VALUES[choice]
    # Serialise votes on one comment: with the comment row locked, the recount below runs after any
    # concurrent vote on it has committed, so it counts every vote (PostgreSQL; SQLite serialises writes).
    db.session.execute(select(Comment.id).where(Comment.id == comment.id).with_for_update())
    now = datetime.now(UTC)
    vote = db.session.scalar(select(Vote).where(Vote.comment_id == comment.id, Vote.user_id == user.id))
    if vote is None:
        vote = Vote(story_id=comment.story_id, comment_id=comment.id, user_id=user.id, value=value)
        try:
            with db.session.begin_nested():
                db.session.add(vote)
        except IntegrityError:  # the same reader's concurrent vote got there first
            vote = db.session.scalars(
                select(Vote).where(Vote.comment_id == comment.id, Vote.user_id == user.id)
            ).one()
    vote.value = value
    vote.updated_at = now
    db.session.flush()
    recount(comment.id)
    db.session.refresh(comment)
    signals.vote_cast.send(comment, user_id=user.id, value=value)
    return vote
