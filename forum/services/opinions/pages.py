"""Reading the cached opinion result for pages: the opinion map (groups, their statements, the dots),
the debate map's overview, and renaming a group from the map."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, CommentStatus, OpinionCache, Story, User
from forum.services.errors import InvalidInput, NotFound
from forum.services.opinions.codec import GroupData, OpinionData, decode
from forum.services.opinions.compute import get_cached
from forum.services.opinions.names import group_names, save_group_name
from forum.services.opinions.vote_mode import MIN_VOTES_TO_SEE, votes_cast

NAME_WORDS, NAME_CHARS = 9, 70  # an automatic group name: its most representative statement, shortened
GROUP_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class Statement:
    comment: Comment
    direction: str = "agree"
    pct: int = 0  # share of the group (or of everyone) voting that way
    pct_rest: int = 0  # the same share among everyone else
    group_pcts: list[int] = field(default_factory=list)  # each group's agree share
    n: int = 0  # how many (of the group, or of everyone) voted that way ...
    of: int = 0  # ... of how many who voted on it
    n_rest: int = 0  # the same among everyone else
    of_rest: int = 0


@dataclass
class GroupView:
    index: int
    name: str  # the letter: "A", "B", ...
    size: int
    share_pct: int
    statements: list[Statement]
    is_mine: bool = False
    label: str = ""  # what sets it apart: an editor's name, else its most representative statement, shortened
    label_by_editor: bool = False
    key_comment: int | None = None  # the statement the label belongs to


@dataclass
class Dot:
    x: float
    y: float
    group: int
    me: bool = False


@dataclass
class OpinionsPage:
    story: Story
    cache: OpinionCache | None
    n_voted: int = 0
    can_see: bool = False
    groups: list[GroupView] = field(default_factory=list)
    common_ground: list[Statement] = field(default_factory=list)
    divisive: list[Statement] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    my_group: GroupView | None = None
    me: Dot | None = None

    @property
    def needed(self) -> int:
        return max(0, MIN_VOTES_TO_SEE - self.n_voted)

    @property
    def ready(self) -> bool:
        return self.cache is not None and bool(self.groups)


def _pct(n: float, d: float) -> int:
    return round(100 * n / d) if d else 0


def statements(cache: OpinionCache, ids: list[int], direction: str = "agree") -> list[Statement]:
    """Statements for these comment ids (published ones only), with everyone's and each group's shares."""
    return _statements(decode(cache.data), ids, direction)


def _statements(data: OpinionData, ids: list[int], direction: str = "agree") -> list[Statement]:
    found = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))} if ids else {}
    out = []
    for i in ids:
        c, st = found.get(i), data.comments.get(i)
        if c is None or st is None or c.status != CommentStatus.PUBLISHED:
            continue
        n = st.votes(direction)
        pcts = [_pct(a, s) for a, s in zip(st.group_agree, st.group_seen, strict=True)]
        out.append(Statement(c, direction, _pct(n, st.seen), 0, pcts, int(n), int(st.seen)))
    return out


def _group_statements(data: OpinionData, group: GroupData) -> list[Statement]:
    reps = group.representative
    by_id = {s.comment.id: s for s in _statements(data, [r.comment for r in reps])}
    out = []
    for r in reps:
        s = by_id.get(r.comment)
        if s is None:
            continue
        st, g = data.comments[r.comment], group.index
        votes = st.group_votes(r.direction)
        n, of = int(votes[g]), int(st.group_seen[g])
        n_rest, of_rest = int(sum(votes)) - n, int(sum(st.group_seen)) - of
        out.append(
            Statement(
                s.comment,
                r.direction,
                _pct(n, of),
                _pct(n_rest, of_rest),
                s.group_pcts,
                n,
                of,
                n_rest,
                of_rest,
            )
        )
    return out


def _dots(positions: dict, me_id: int | None) -> list[Dot]:
    if not positions:
        return []
    xy = np.asarray([p[:2] for p in positions.values()], dtype=np.float64)
    lo, span = xy.min(0), np.maximum(np.ptp(xy, axis=0), 1e-9)
    scaled = 40 + 920 * (xy - lo) / span
    return [
        Dot(round(float(x), 1), round(float(y), 1), int(p[2]), me_id is not None and uid == str(me_id))
        for (x, y), (uid, p) in zip(scaled, positions.items(), strict=True)
    ]


def shorten(text: str, words: int = NAME_WORDS, chars: int = NAME_CHARS) -> str:
    """The first few words of a statement, cut at a word and marked with an ellipsis when cut."""
    flat = " ".join(text.split())
    cut = " ".join(flat.split(" ")[:words])
    if len(cut) > chars:
        cut = cut[:chars].rsplit(" ", 1)[0]
    return flat if cut == flat else cut.rstrip(",.;:!?-") + "…"


def _label(group: GroupData, bodies: dict[int, str], names: dict[int, str]) -> tuple[str, bool, int | None]:
    """(label, set by an editor?, key statement) for a cached group."""
    reps = [r for r in group.representative if r.comment in bodies]
    for r in reps:
        if r.comment in names:
            return names[r.comment], True, r.comment
    if not reps:
        return "", False, None
    top = reps[0]
    text = shorten(bodies[top.comment])
    return (text if top.direction == "agree" else f"Against: {text}"), False, top.comment


def _group_views(
    story: Story, cache: OpinionCache, data: OpinionData, with_statements: bool
) -> list[GroupView]:
    total = max(cache.n_participants, 1)
    ids = {r.comment for g in data.groups for r in g.representative}
    bodies = dict(
        db.session.execute(
            select(Comment.id, Comment.body).where(
                Comment.id.in_(ids), Comment.status == CommentStatus.PUBLISHED
            )
        ).all()
    ) if ids else {}  # fmt: skip
    names = group_names(story)
    views = []
    for g in data.groups:
        label, by_editor, key = _label(g, bodies, names)
        stmts = _group_statements(data, g) if with_statements else []
        views.append(
            GroupView(
                g.index,
                GROUP_NAMES[g.index % 26],
                g.size,
                _pct(g.size, total),
                stmts,
                label=label,
                label_by_editor=by_editor,
                key_comment=key,
            )  # fmt: skip
        )
    return views


def read_opinions(story: Story, viewer: User | None) -> OpinionsPage:
    """The opinion map: groups for everyone (as Pol.is shows them); the viewer's own place once they have
    voted :data:`MIN_VOTES_TO_SEE` times."""
    page = OpinionsPage(story, get_cached(story), can_see=True)
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in:
        page.n_voted = votes_cast(story, viewer)
    if page.cache is None:
        return page
    data = decode(page.cache.data)
    placed = signed_in and page.n_voted >= MIN_VOTES_TO_SEE
    page.dots = _dots(page.cache.positions, viewer.id if placed else None)
    page.me = next((d for d in page.dots if d.me), None)
    page.groups = _group_views(story, page.cache, data, with_statements=True)
    for g in page.groups:
        g.is_mine = page.me is not None and page.me.group == g.index
    page.my_group = next((g for g in page.groups if g.is_mine), None)
    page.common_ground = _statements(data, data.common_ground)
    page.divisive = _statements(data, data.divisive)
    return page


def story_overview(story: Story) -> OpinionsPage:
    """Common ground and divisive statements for the debate map (no per-reader gate, no positions)."""
    page = OpinionsPage(story, get_cached(story), can_see=True)
    if page.cache is not None:
        data = decode(page.cache.data)
        page.groups = _group_views(story, page.cache, data, with_statements=False)
        page.common_ground = _statements(data, data.common_ground)
        page.divisive = _statements(data, data.divisive)
    return page


def rename_group(story: Story, index: str | int | None, name: str | None, editor: User) -> GroupView:
    """Set (or, with an empty name, clear) an editor's name for group ``index`` of the cached result."""
    cache = get_cached(story)
    try:
        i = int(index)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput("Which group? The form did not say.", field="group") from None
    data = decode(cache.data) if cache else None
    groups = _group_views(story, cache, data, with_statements=False) if cache else []
    group = next((g for g in groups if g.index == i), None)
    if group is None:
        raise NotFound("There is no such opinion group (the groups may have just been recomputed).")
    if group.key_comment is None:
        raise InvalidInput(
            "This group has no representative statement yet, so a name could not stay with it."
        )
    save_group_name(story, group.key_comment, name, editor)
    return next(g for g in _group_views(story, cache, data, with_statements=False) if g.index == i)
