"""The vote mode: which comment a reader sees next (the Pol.is way), recording a vote cast there, and how
many the reader has cast."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from forum.analysis.opinions import choose_next_comment, next_comment_priorities
from forum.extensions import db
from forum.models import Comment, CommentStatus, Story, User, Vote
from forum.services import votes as vote_service
from forum.services.errors import InvalidInput, NotFound
from forum.services.opinions.codec import decode
from forum.services.opinions.compute import get_cached, meta_comment_ids

MIN_VOTES_TO_SEE = 7  # votes a reader casts before the opinion map shows their own place (as in Pol.is)


@dataclass
class VoteStep:
    """What the vote mode shows next: a comment (None when all are done) and the reader's progress."""

    comment: Comment | None
    n_voted: int
    n_total: int

    @property
    def needed(self) -> int:
        return max(0, MIN_VOTES_TO_SEE - self.n_voted)


def next_comment(story: Story, user: User) -> VoteStep:
    """Pick the next comment for ``user`` the Pol.is way: never one they voted on or wrote; a random draw
    weighted by priority (new and informative comments first), seeded by story, reader and vote count."""
    rows = db.session.execute(
        select(Comment.id, Comment.author_id, Comment.agree_count, Comment.disagree_count, Comment.pass_count)
        .where(Comment.story_id == story.id, Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.id)
    ).all()
    mine = select(Vote.comment_id).where(Vote.story_id == story.id, Vote.user_id == user.id)
    voted = set(db.session.scalars(mine))
    if not rows:
        return VoteStep(None, 0, 0)
    ids, author, agree, disagree, passes = (np.asarray(col) for col in zip(*rows, strict=True))
    own = author == user.id
    voted_mask = np.isin(ids, list(voted))
    n_voted, n_total = int((voted_mask & ~own).sum()), int((~own).sum())
    cache = get_cached(story)
    stats = decode(cache.data).comments if cache else {}
    extremity = np.asarray([stats[i].extremity if i in stats else 0.0 for i in ids.tolist()])
    meta = meta_comment_ids(story.id)
    pr = next_comment_priorities(
        agree, disagree, agree + disagree + passes, extremity, np.isin(ids, list(meta))
    )
    rng = np.random.default_rng([story.id, user.id, n_voted])
    pick = choose_next_comment(pr, voted_mask, own, rng)
    comment = db.session.get(Comment, int(ids[pick])) if pick is not None else None
    return VoteStep(comment, n_voted, n_total)


def vote_in_mode(story: Story, user: User, comment_id: str | None, choice: str | None) -> dict[str, int]:
    """Record a vote cast in the vote mode; the comment must belong to ``story``. Returns its new counts."""
    try:
        cid = int(comment_id or "")
    except ValueError:
        raise InvalidInput("Which comment? The form did not say.", field="comment_id") from None
    comment = db.session.get(Comment, cid)
    if comment is None or comment.story_id != story.id:
        raise NotFound("There is no such comment on this story.")
    return vote_service.cast_vote(comment, user, choice)


def votes_cast(story: Story, user: User) -> int:
    """How many of the story's published comments ``user`` has voted on."""
    return db.session.scalar(
        select(func.count())
        .select_from(Vote)
        .join(Comment, Comment.id == Vote.comment_id)
        .where(Vote.story_id == story.id, Vote.user_id == user.id, Comment.status == CommentStatus.PUBLISHED)
    )
