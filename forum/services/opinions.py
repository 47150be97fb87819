"""Opinion groups from readers' votes: computing and caching them per story, the vote mode, and reading
the cached result for pages.

Computation runs in the background (``forum.jobs`` task ``compute_opinions``); pages only read the cached
:class:`~forum.models.OpinionCache` row. The vote arrays come straight from the votes table in one SELECT of
(user_id, comment_id, value) and go to :mod:`forum.analysis.opinions`, which stays sparse throughout.
Comments that are not published, Pol.is meta statements and banned readers stay out of the geometry.
"""

from __future__ import annotations

import itertools
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select

from forum.analysis.opinions import (
    GroupReaction,
    OpinionResult,
    choose_next_comment,
    compute_opinion_groups,
    next_comment_priorities,
)
from forum.extensions import db
from forum.models import Comment, OpinionCache, PolisComment, Story, User, Vote
from forum.services import votes as vote_service
from forum.services.errors import InvalidInput, NotFound
from forum.services.locks import lock_stories

MIN_VOTES_TO_SEE = 7  # votes a reader casts before the opinion map opens to them (as in Pol.is)
COMMON_GROUND_RATE = 0.6  # every group's smoothed agree rate at least this: common ground (Jigsaw)
PICK = 5
GROUP_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --- computing and caching -----------------------------------------------------------------------------


def _crc(ids) -> int:
    return zlib.crc32(",".join(map(str, sorted(ids))).encode())


def fingerprint(story_id: int) -> str:
    """What the result depends on: vote count and latest change, excluded comments, banned voters."""
    n, last = db.session.execute(
        select(func.count(), func.max(Vote.updated_at)).where(Vote.story_id == story_id)
    ).one()
    hidden = db.session.scalars(
        select(Comment.id).where(Comment.story_id == story_id, Comment.status != "published")
    ).all()
    banned = db.session.scalars(
        select(User.id)
        .where(User.status == "banned")
        .where(select(Vote.id).where(Vote.user_id == User.id, Vote.story_id == story_id).exists())
    ).all()
    return f"{n}|{last}|{len(hidden)}:{_crc(hidden)}|{len(banned)}:{_crc(banned)}"


def get_cached(story: Story) -> OpinionCache | None:
    return db.session.get(OpinionCache, story.id)


def is_stale(story: Story) -> bool:
    """True when the story has votes and no cached result, or the votes/exclusions changed since."""
    cache = get_cached(story)
    if cache is None:
        return bool(db.session.scalar(select(Vote.id).where(Vote.story_id == story.id).limit(1)))
    return cache.fingerprint != fingerprint(story.id)


def meta_comment_ids(story_id: int) -> set[int]:
    """Imported Pol.is meta statements: shown and voted on, kept out of the geometry."""
    query = select(PolisComment.comment_id).where(PolisComment.story_id == story_id, PolisComment.is_meta)
    return set(db.session.scalars(query))


@dataclass
class VoteArrays:
    """A story's votes as index arrays, plus the ids those indices stand for."""

    user_ids: np.ndarray
    comment_ids: np.ndarray
    participant: np.ndarray
    comment: np.ndarray
    value: np.ndarray
    excluded_comments: np.ndarray
    excluded_participants: np.ndarray


def load_votes(story_id: int) -> VoteArrays:
    """One SELECT of (user_id, comment_id, value) for the story; exclusions from comments and users."""
    rows = db.session.execute(
        select(Vote.user_id, Vote.comment_id, Vote.value).where(Vote.story_id == story_id)
    ).all()
    flat = itertools.chain.from_iterable(rows)  # np.asarray on Row objects is ~100x slower
    votes = np.fromiter(flat, dtype=np.int64, count=3 * len(rows)).reshape(-1, 3)
    comments = db.session.execute(
        select(Comment.id, Comment.status).where(Comment.story_id == story_id).order_by(Comment.id)
    ).all()
    comment_ids = np.asarray([c[0] for c in comments], dtype=np.int64)
    meta = meta_comment_ids(story_id)
    excluded_c = np.asarray([s != "published" or i in meta for i, s in comments], dtype=bool)
    user_ids, participant = np.unique(votes[:, 0], return_inverse=True)
    banned = set(
        db.session.scalars(select(User.id).where(User.status == "banned", User.id.in_(user_ids.tolist())))
        if user_ids.size
        else []
    )
    return VoteArrays(
        user_ids=user_ids,
        comment_ids=comment_ids,
        participant=participant.ravel(),
        comment=np.searchsorted(comment_ids, votes[:, 1]),
        value=votes[:, 2],
        excluded_comments=excluded_c,
        excluded_participants=np.isin(user_ids, list(banned)),
    )


def compute_opinions(story: Story) -> OpinionCache:
    """Compute the story's opinion groups from its votes and store them (flushes, does not commit)."""
    started = time.perf_counter()
    stamp = fingerprint(story.id)
    va = load_votes(story.id)
    result = compute_opinion_groups(
        va.participant,
        va.comment,
        va.value,
        len(va.user_ids),
        len(va.comment_ids),
        excluded_comments=va.excluded_comments,
        excluded_participants=va.excluded_participants,
    )
    data, positions = serialise(result, va.user_ids, va.comment_ids)
    lock_stories([story.id])  # another worker may be storing this story's groups: one after the other
    cache = db.session.get(OpinionCache, story.id, populate_existing=True) or OpinionCache(story_id=story.id)
    cache.data, cache.positions, cache.fingerprint = data, positions, stamp
    cache.n_votes, cache.n_groups, cache.n_participants = len(va.value), result.k, len(positions)
    cache.computed_at = datetime.now(UTC)
    cache.seconds = time.perf_counter() - started
    db.session.add(cache)
    db.session.flush()
    return cache


def serialise(result: OpinionResult, user_ids: np.ndarray, comment_ids: np.ndarray) -> tuple[dict, dict]:
    """JSON for the cache: statements by comment id, per-comment stats, positions keyed by user id."""
    cs, cid = result.comment_stats, comment_ids.tolist()
    rate = (cs.group_agree + 1) / (cs.group_seen + 2)
    comments = {}
    for i in np.flatnonzero(cs.seen > 0):
        comments[str(cid[i])] = {
            "a": int(cs.agree[i]),
            "d": int(cs.disagree[i]),
            "s": int(cs.seen[i]),
            "ga": cs.group_agree[:, i].tolist(),
            "gd": cs.group_disagree[:, i].tolist(),
            "gs": cs.group_seen[:, i].tolist(),
            "gic": float(cs.gic[i]),
            "x": float(cs.extremity[i]),
            "div": float(cs.divisiveness[i]),
            "active": bool(cs.active[i]),
        }
    common: list[int] = []
    if result.k > 1:
        ok = np.flatnonzero(cs.active & (rate.min(0) >= COMMON_GROUND_RATE))
        common = [cid[i] for i in ok[np.lexsort((ok, -cs.gic[ok]))][:PICK]]
    else:
        common = [cid[s.comment] for s in result.consensus_agree]
    groups = [
        {
            "index": g.index,
            "size": g.size,
            "representative": [
                {"comment": cid[r.comment], "direction": r.direction, "p": r.p, "ratio": r.ratio}
                for r in g.representative
            ],
        }
        for g in result.groups
    ]
    data = {
        "k": result.k,
        "groups": groups,
        "common_ground": common,
        "consensus_disagree": [cid[s.comment] for s in result.consensus_disagree],
        "divisive": [cid[i] for i in result.divisive],
        "comments": comments,
    }
    positions = {}
    for i in np.flatnonzero(result.participant_group >= 0):
        x, y = result.positions[i]
        if np.isfinite(x) and np.isfinite(y):
            group = int(result.participant_group[i])
            positions[str(int(user_ids[i]))] = [round(float(x), 4), round(float(y), 4), group]
    return data, positions


def group_reactions(cache: OpinionCache, comment_ids) -> list[GroupReaction]:
    """Each group's agree/disagree/pass shares over these comments (e.g. a viewpoint), from the cache.

    The same sums as :meth:`forum.analysis.opinions.OpinionResult.group_reactions`, on stored counts."""
    k, stats = cache.data.get("k", 0), cache.data.get("comments", {})
    rows = [stats[str(c)] for c in set(comment_ids) if str(c) in stats and stats[str(c)]["active"]]
    out = []
    for g in range(k):
        a, d, s = (sum(r[key][g] for r in rows) for key in ("ga", "gd", "gs"))
        f = 1.0 / s if s else 0.0
        out.append(GroupReaction(g, s, a * f, d * f, (s - a - d) * f))
    return out


# --- the vote mode -------------------------------------------------------------------------------------


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
        .where(Comment.story_id == story.id, Comment.status == "published")
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
    stats = cache.data.get("comments", {}) if cache else {}
    extremity = np.asarray([stats.get(str(i), {}).get("x", 0.0) for i in ids.tolist()])
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
        .where(Vote.story_id == story.id, Vote.user_id == user.id, Comment.status == "published")
    )


# --- reading the cached result for pages ------------------------------------------------------------------


@dataclass
class Statement:
    comment: Comment
    direction: str = "agree"
    pct: int = 0  # share of the group (or of everyone) voting that way
    pct_rest: int = 0  # the same share among everyone else
    group_pcts: list[int] = field(default_factory=list)  # each group's agree share


@dataclass
class GroupView:
    index: int
    name: str
    size: int
    share_pct: int
    statements: list[Statement]
    is_mine: bool = False


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
    found = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))} if ids else {}
    stats, out = cache.data.get("comments", {}), []
    for i in ids:
        c, st = found.get(i), stats.get(str(i))
        if c is None or st is None or c.status != "published":
            continue
        n = st["a"] if direction == "agree" else st["d"]
        pcts = [_pct(a, s) for a, s in zip(st["ga"], st["gs"], strict=True)]
        out.append(Statement(c, direction, _pct(n, st["s"]), 0, pcts))
    return out


def _group_statements(cache: OpinionCache, group: dict) -> list[Statement]:
    reps = group["representative"]
    by_id = {s.comment.id: s for s in statements(cache, [r["comment"] for r in reps])}
    out = []
    for r in reps:
        s = by_id.get(r["comment"])
        if s is None:
            continue
        st, g = cache.data["comments"][str(r["comment"])], group["index"]
        key = "ga" if r["direction"] == "agree" else "gd"
        rest = _pct(sum(st[key]) - st[key][g], sum(st["gs"]) - st["gs"][g])
        out.append(Statement(s.comment, r["direction"], _pct(st[key][g], st["gs"][g]), rest, s.group_pcts))
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


def read_opinions(story: Story, viewer: User | None) -> OpinionsPage:
    """The opinion map as ``viewer`` may see it: groups open after :data:`MIN_VOTES_TO_SEE` votes."""
    page = OpinionsPage(story, get_cached(story))
    if viewer is not None and viewer.is_authenticated:
        page.n_voted = votes_cast(story, viewer)
        page.can_see = page.n_voted >= MIN_VOTES_TO_SEE or viewer.is_staff
    if page.cache is None or not page.can_see:
        return page
    data, total = page.cache.data, max(page.cache.n_participants, 1)
    page.dots = _dots(page.cache.positions, viewer.id)
    page.me = next((d for d in page.dots if d.me), None)
    page.groups = [
        GroupView(
            g["index"],
            GROUP_NAMES[g["index"] % 26],
            g["size"],
            _pct(g["size"], total),
            _group_statements(page.cache, g),
            page.me is not None and page.me.group == g["index"],
        )  # fmt: skip
        for g in data.get("groups", [])
    ]
    page.my_group = next((g for g in page.groups if g.is_mine), None)
    page.common_ground = statements(page.cache, data.get("common_ground", []))
    page.divisive = statements(page.cache, data.get("divisive", []))
    return page


def story_overview(story: Story) -> OpinionsPage:
    """Common ground and divisive statements for the debate map (no per-reader gate, no positions)."""
    page = OpinionsPage(story, get_cached(story), can_see=True)
    if page.cache is not None:
        data, total = page.cache.data, max(page.cache.n_participants, 1)
        page.groups = [
            GroupView(g["index"], GROUP_NAMES[g["index"] % 26], g["size"], _pct(g["size"], total), [])
            for g in data.get("groups", [])
        ]
        page.common_ground = statements(page.cache, data.get("common_ground", []))
        page.divisive = statements(page.cache, data.get("divisive", []))
    return page
