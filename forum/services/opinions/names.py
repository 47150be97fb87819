"""Editors' names for opinion groups, kept by the representative statement each belongs to (so a name
follows its group across recomputations while that statement still represents it)."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Story, User
from forum.models.opinions import OpinionGroupName
from forum.services.errors import InvalidInput

MAX_NAME = 80


def group_names(story: Story) -> dict[int, str]:
    """Editors' names for the story's groups, keyed by the representative statement each belongs to."""
    rows = db.session.execute(
        select(OpinionGroupName.comment_id, OpinionGroupName.name).where(
            OpinionGroupName.story_id == story.id
        )
    )
    return dict(rows.all())


def save_group_name(story: Story, comment_id: int, name: str | None, editor: User) -> None:
    """Set (or, with an empty name, clear) the name of the group that ``comment_id`` represents."""
    text = " ".join((name or "").split())
    if len(text) > MAX_NAME:
        raise InvalidInput(f"A group name is at most {MAX_NAME} characters.", field="name")
    row = db.session.get(OpinionGroupName, (story.id, comment_id))
    if not text:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        row = OpinionGroupName(story_id=story.id, comment_id=comment_id, name=text, set_by_id=editor.id)
        db.session.add(row)
    else:
        row.name, row.set_by_id = text, editor.id
    db.session.flush()
