"""Reading a story's debate map for pages, the widget, reports and the API.

Two views of the same map: the live one (what the analysis and the editors made, for editors' preview) and
the published one (what readers and the widget see: the editors' last published snapshot, or the live map
without hidden viewpoints when the story auto-publishes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, PublishedMap, Story, Viewpoint, ViewpointMember
from forum.sanitize import plain_text
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
class SnapshotViewpoint:
    """A viewpoint as published (same attributes the templates read from :class:`Viewpoint`)."""

    id: int
    title: str
    headline: str
    editor_summary: str | None
    side: int
    share: float
    n_members: int
    n_authors: int
    key_phrases: list[str]
    quote_ids: list[int]
    member_ids: list[int]
    x: float | None
    y: float | None
    radius: float | None
    is_other: bool
    active: bool = True
    hidden: bool = False
    theme: str | None = None
    theme_index: int = 0
    secondary_ids: list[int] = field(default_factory=list)
    quote_sentences: dict[str, str] = field(default_factory=dict)

    @property
    def side_name(self) -> str:
        return {1: "agree", -1: "disagree"}.get(self.side, "mixed")


@dataclass
class Quote:
    """A quote under a key point: the comment, and its text cut around the sentence that makes the point
    (``before`` + ``sentence`` + ``after``; ``sentence`` is empty when no sentence is marked)."""

    comment: Comment
    before: str
    sentence: str
    after: str


QUOTE_CONTEXT = 160  # characters of the comment kept on each side of the highlighted sentence


def quote(comment: Comment, sentence: str | None) -> Quote:
    """Cut ``comment``'s plain text around ``sentence`` (marked), with an ellipsis where text was left out."""
    text = plain_text(comment.body)
    at = text.find(sentence) if sentence else -1
    if at < 0:
        cut = text if len(text) <= 2 * QUOTE_CONTEXT else text[: 2 * QUOTE_CONTEXT].rsplit(" ", 1)[0] + " …"
        return Quote(comment, cut, "", "")
    before, after = text[:at], text[at + len(sentence) :]
    if len(before) > QUOTE_CONTEXT:
        before = "… " + before[-QUOTE_CONTEXT:].split(" ", 1)[-1]
    if len(after) > QUOTE_CONTEXT:
        after = after[:QUOTE_CONTEXT].rsplit(" ", 1)[0] + " …"
    return Quote(comment, before, sentence, after)


@dataclass
class ViewpointView:
    viewpoint: Viewpoint | SnapshotViewpoint
    quotes: list[Comment]
    reaction: Reaction
    group_reactions: list = field(default_factory=list)
    n_commenters: int = 0  # everyone who commented on the story, for "12 of 50 commenters"

    @property
    def share_pct(self) -> int:
        return round(100 * self.viewpoint.share)

    @property
    def short_label(self) -> str:
        """Three content words of the key point, to label its bubble ("labs grade policy")."""
        from forum.analysis.themes import content_words

        return " ".join(content_words(self.viewpoint.title)[:3])

    @property
    def n_secondary(self) -> int:
        return len(getattr(self.viewpoint, "secondary_ids", None) or [])

    @property
    def marked_quotes(self) -> list[Quote]:
        """The quotes with the sentence of each that makes the key point."""
        marks = getattr(self.viewpoint, "quote_sentences", None) or {}
        return [quote(c, marks.get(str(c.id))) for c in self.quotes]


@dataclass
class Theme:
    """A heading of the map and the key points listed under it."""

    name: str
    items: list[ViewpointView]


@dataclass
class MapView:
    story: Story
    viewpoints: list[ViewpointView]
    other: ViewpointView | None
    n_comments: int
    n_placed: int
    published_at: datetime | None = None
    is_live: bool = True
    opinions: Any = None  # forum.services.opinions.OpinionsPage: groups, common ground, divisive statements

    n_commenters: int = 0

    @property
    def ready(self) -> bool:
        return bool(self.viewpoints)

    @property
    def themes(self) -> list[Theme]:
        """The key points under their themes, themes in map order (editors' viewpoints with no theme come
        under "Editors' key points")."""
        groups: dict[tuple[int, str], list[ViewpointView]] = {}
        for item in self.viewpoints:
            v = item.viewpoint
            name = getattr(v, "theme", None) or (
                "Editors' key points" if getattr(v, "curated", False) else "Key points"
            )
            groups.setdefault(
                (getattr(v, "theme_index", 0) if getattr(v, "theme", None) else 99, name), []
            ).append(item)
        return [Theme(name, items) for (_, name), items in sorted(groups.items(), key=lambda kv: kv[0][0])]


def _reactions_by_viewpoint(viewpoint_ids: list[int]) -> dict[int, Reaction]:
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


def _reactions_of_snapshot(viewpoints: list[SnapshotViewpoint]) -> dict[int, Reaction]:
    """Current vote counts summed over each published viewpoint's members (one query for all of them)."""
    owner = {cid: v.id for v in viewpoints for cid in v.member_ids}
    reactions = {v.id: Reaction() for v in viewpoints}
    if owner:
        rows = db.session.execute(
            select(Comment.id, Comment.agree_count, Comment.disagree_count, Comment.pass_count).where(
                Comment.id.in_(list(owner))
            )
        )
        for cid, agree, disagree, passed in rows:
            r = reactions[owner[cid]]
            r.agree, r.disagree, r.passed = r.agree + agree, r.disagree + disagree, r.passed + passed
    return reactions


def _quote_ids(v: Viewpoint | SnapshotViewpoint) -> list[int]:
    pinned = getattr(v, "pinned_quote_ids", None) or []
    return list(dict.fromkeys(pinned + list(v.quote_ids or [])))[:3]


def _build(story: Story, viewpoints: list, reactions: dict[int, Reaction], **extra) -> MapView:
    """Assemble a :class:`MapView` from live or snapshot viewpoints (quotes loaded in one query)."""
    wanted = {q for v in viewpoints for q in _quote_ids(v)}
    quotes = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(wanted)))} if wanted else {}
    )
    commenters = db.session.scalar(
        select(func.count(func.distinct(Comment.author_id))).where(
            Comment.story_id == story.id, Comment.status == CommentStatus.PUBLISHED
        )
    )
    views = [
        ViewpointView(
            v,
            [quotes[q] for q in _quote_ids(v) if q in quotes and quotes[q].status == CommentStatus.PUBLISHED],
            reactions.get(v.id, Reaction()),
            n_commenters=commenters or 0,
        )
        for v in viewpoints
        if v.n_members > 0  # a viewpoint no comment makes is never shown
    ]
    counts = db.session.execute(
        select(func.count())
        .select_from(Comment)
        .where(Comment.story_id == story.id, Comment.status == CommentStatus.PUBLISHED)
    ).scalar()
    placed = db.session.scalar(
        select(func.count()).select_from(ViewpointMember).where(ViewpointMember.story_id == story.id)
    )
    return _add_opinion_groups(
        MapView(
            story=story,
            viewpoints=[v for v in views if not v.viewpoint.is_other],
            other=next((v for v in views if v.viewpoint.is_other), None),
            n_comments=counts or 0,
            n_placed=placed or 0,
            n_commenters=commenters or 0,
            **extra,
        )
    )


def _add_opinion_groups(view: MapView) -> MapView:
    """How each opinion group (from votes, cached) reacts to each viewpoint's comments, plus common ground."""
    from forum.services import opinions as opinion_service

    view.opinions = opinion_service.story_overview(view.story)
    if len(view.opinions.groups) < 2:
        return view
    items = view.viewpoints + ([view.other] if view.other else [])
    members: dict[int, list[int]] = {}
    live = [i.viewpoint.id for i in items if not hasattr(i.viewpoint, "member_ids")]
    if live:
        for comment_id, viewpoint_id in db.session.execute(
            select(ViewpointMember.comment_id, ViewpointMember.viewpoint_id).where(
                ViewpointMember.viewpoint_id.in_(live)
            )
        ):
            members.setdefault(viewpoint_id, []).append(comment_id)
    for item in items:
        ids = getattr(item.viewpoint, "member_ids", None) or members.get(item.viewpoint.id, [])
        item.group_reactions = opinion_service.group_reactions(view.opinions.cache, ids)
    return view


def live_viewpoints(story: Story, *, include_hidden: bool = True) -> list[Viewpoint]:
    query = select(Viewpoint).where(Viewpoint.story_id == story.id, Viewpoint.active.is_(True))
    if not include_hidden:
        query = query.where(Viewpoint.hidden.is_(False))
    return list(db.session.scalars(query.order_by(Viewpoint.is_other, Viewpoint.position, Viewpoint.id)))


def read_map(story: Story, *, include_hidden: bool = True) -> MapView:
    """The live map (editors' preview): current viewpoints, largest first, with quotes and reactions."""
    viewpoints = live_viewpoints(story, include_hidden=include_hidden)
    reactions = _reactions_by_viewpoint([v.id for v in viewpoints]) if viewpoints else {}
    return _build(story, viewpoints, reactions)


def snapshot(story: Story) -> dict[str, Any]:
    """The live map without hidden viewpoints, as plain data (what publishing stores and exports carry)."""
    viewpoints = live_viewpoints(story, include_hidden=False)
    members: dict[int, list[int]] = {v.id: [] for v in viewpoints}
    for comment_id, viewpoint_id in db.session.execute(
        select(ViewpointMember.comment_id, ViewpointMember.viewpoint_id)
        .where(ViewpointMember.viewpoint_id.in_(list(members)))
        .order_by(ViewpointMember.comment_id)
    ):
        members[viewpoint_id].append(comment_id)
    return {
        "story": {"id": story.id, "slug": story.slug, "headline": story.headline, "question": story.question},
        "map_version": story.map_version or 0,
        "viewpoints": [
            {
                "id": v.id,
                "title": v.title,
                "headline": v.headline,
                "editor_summary": v.editor_summary,
                "side": v.side,
                "share": v.share,
                "n_members": v.n_members,
                "n_authors": v.n_authors,
                "key_phrases": list(v.key_phrases or []),
                "quote_ids": _quote_ids(v),
                "member_ids": members[v.id],
                "x": v.x,
                "y": v.y,
                "radius": v.radius,
                "is_other": v.is_other,
                "theme": v.theme,
                "theme_index": v.theme_index or 0,
                "secondary_ids": list(v.secondary_ids or []),
                "quote_sentences": dict(v.quote_sentences or {}),
            }
            for v in viewpoints
            if v.n_members > 0  # a viewpoint no comment makes is never published
        ],
    }


def latest_publication(story: Story) -> PublishedMap | None:
    return db.session.scalar(
        select(PublishedMap)
        .where(PublishedMap.story_id == story.id)
        .order_by(PublishedMap.id.desc())
        .limit(1)
    )


def published_map(story: Story) -> MapView:
    """The map readers and the widget see: the last published snapshot, or the live map (without hidden
    viewpoints) when the story auto-publishes. Empty when nothing has been published yet."""
    if story.map_auto_publish:
        return read_map(story, include_hidden=False)
    publication = latest_publication(story)
    if publication is None:
        return _build(story, [], {}, is_live=False)
    viewpoints = [SnapshotViewpoint(**v) for v in publication.data.get("viewpoints", [])]
    reactions = _reactions_of_snapshot(viewpoints)
    return _build(story, viewpoints, reactions, published_at=publication.created_at, is_live=False)


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
            .where(ViewpointMember.viewpoint_id == viewpoint.id, Comment.status == CommentStatus.PUBLISHED)
            .order_by((Comment.agree_count - Comment.disagree_count).desc(), Comment.id)
        )
    )


def viewpoint_secondaries(viewpoint: Viewpoint) -> list[Comment]:
    """Published comments whose main point is another key point but that make this one too."""
    ids = [int(i) for i in (viewpoint.secondary_ids or [])]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(ids), Comment.status == CommentStatus.PUBLISHED)
            .order_by(Comment.id)
        )
    )


def comment_viewpoint(comment_id: int) -> Viewpoint | None:
    member = db.session.get(ViewpointMember, comment_id)
    return member.viewpoint if member is not None and member.viewpoint.active else None
