"""A per-story lock across processes (web and workers) for what is derived from its comments and votes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from forum.extensions import db
from forum.models import Story


def lock_stories(story_ids: Iterable[int]) -> None:
    """Take the analysis lock of each story, to the end of the transaction: the workers that recompute its
    map, place new comments in it or take them off it, the editors who reshape it, and the workers that
    store its opinion groups, run one at a time per story, each seeing what the one before committed.
    Without it, a comment placed while another worker recomputes lands in a viewpoint the new map retires,
    two member counts race, and two first computations of opinion groups collide.

    The lock is the story row's ``FOR NO KEY UPDATE`` (PostgreSQL), which posts and votes do not wait for:
    their foreign keys take ``FOR KEY SHARE``. SQLite serialises writers by itself. Locks are taken in id
    order, so two workers locking the same stories cannot deadlock. Encode with the model before locking:
    that is the slow part, and needs no lock."""
    for story_id in sorted(set(story_ids)):
        db.session.execute(select(Story.id).where(Story.id == story_id).with_for_update(key_share=True))


def lock_story(story: Story) -> None:
    """:func:`lock_stories` for a loaded story, re-reading it in the same query (``SELECT ... FOR NO KEY
    UPDATE``): its fields are then as the previous holder of the lock committed them."""
    db.session.refresh(story, with_for_update={"key_share": True})
