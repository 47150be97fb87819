"""Reading a story's debate map for pages, the widget and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Story, Viewpoint, ViewpointMember
from forum.services.errors import NotFound


@dataclass
class Reaction:
    """How readers voted on a viewpoint's comments."""

    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passed

    def pct(self, part: int) -> int:
        return round(100 * part / self.total) if self.total else 0


@dataclass
class ViewpointView:
    viewpoint: Viewpoint
    quotes: list[Comment]
    reaction: Reaction
    group_reactions: list = field(default_factory=list)

    @property
    def share_pct(self) -> int:
        return round(100 * self.viewpoint.share)


@dataclass
class MapView:
    story: Story
    viewpoints: list[ViewpointView]
    other: ViewpointView | None
    n_comments: int
    n_placed: int

    @property
    def ready(self) -> bool:
        return bool(self.viewpoints)


def _reactions(viewpoint_ids: list[int]) -> dict[int, Reaction]:
    rows = db.session.execute(
        select(
            ViewpointMember.viewpoint_id,
            func.sum(Comment.agree_count),
            func.sum(Comment.disagree_count),
            func.sum(Comment.pass_count),
        )
        .join(Comment, Comment.id == ViewpointMember.comment_id)
        .where(ViewpointMember.viewpoint_id.in_(viewpoint_ids))
        .group_by(ViewpointMember.viewpoint_id)
    )
    return {vid: Reaction(int(a or 0), int(d or 0), int(p or 0)) for vid, a, d, p in rows}


def read_map(story: Story) -> MapView:
    """The story's current viewpoints, largest first, each with its quotes and vote reaction."""
    viewpoints = list(
        db.session.scalars(
            select(Viewpoint)
            .where(Viewpoint.story_id == story.id, Viewpoint.active.is_(True))
            .order_by(Viewpoint.is_other, Viewpoint.position)
        )
    )
    quote_ids = {q for v in viewpoints for q in (v.quote_ids or [])}
    quotes = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(quote_ids)))}
        if quote_ids
        else {}
    )
    reactions = _reactions([v.id for v in viewpoints]) if viewpoints else {}
    views = [
        ViewpointView(
            v,
            [quotes[q] for q in (v.quote_ids or []) if q in quotes and quotes[q].status == "published"],
            reactions.get(v.id, Reaction()),
        )
        for v in viewpoints
    ]
    n_comments = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(Comment.story_id == story.id, Comment.status == "published")
    )
    n_placed = db.session.scalar(
        select(func.count()).select_from(ViewpointMember).where(ViewpointMember.story_id == story.id)
    )
    return MapView(
        story=story,
        viewpoints=[v for v in views if not v.viewpoint.is_other],
        other=next((v for v in views if v.viewpoint.is_other), None),
        n_comments=n_comments or 0,
        n_placed=n_placed or 0,
    )


def get_viewpoint(story: Story, viewpoint_id: int) -> Viewpoint:
    viewpoint = db.session.get(Viewpoint, viewpoint_id)
    if viewpoint is None or viewpoint.story_id != story.id:
        raise NotFound("There is no such viewpoint on this story.")
    return viewpoint


def viewpoint_members(viewpoint: Viewpoint) -> list[Comment]:
    """The viewpoint's comments, most agreed first."""
    return list(
        db.session.scalars(
            select(Comment)
            .join(ViewpointMember, ViewpointMember.comment_id == Comment.id)
            .where(ViewpointMember.viewpoint_id == viewpoint.id, Comment.status == "published")
            .order_by((Comment.agree_count - Comment.disagree_count).desc(), Comment.id)
        )
    )


def comment_viewpoint(comment_id: int) -> Viewpoint | None:
    member = db.session.get(ViewpointMember, comment_id)
    return member.viewpoint if member is not None and member.viewpoint.active else None


def published_map(story: Story) -> MapView:
    """The map readers and the widget see. Until editors publish maps (the editor workspace), the live map."""
    return read_map(story)
