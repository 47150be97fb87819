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
    OpinionGroups,
    OpinionResult,
    choose_next_comment,
    next_comment_priorities,
    smooth_k,
)
from forum.extensions import db
from forum.models import Comment, OpinionCache, PolisComment, Story, User, Vote
from forum.models.opinions import OpinionGroupName
from forum.services import votes as vote_service
from forum.services.errors import InvalidInput, NotFound
from forum.services.locks import lock_stories

MIN_VOTES_TO_SEE = 7  # votes a reader casts before the opinion map shows their own place (as in Pol.is)
NAME_WORDS, NAME_CHARS = 9, 70  # an automatic group name: its most representative statement, shortened
COMMON_GROUND_RATE = 0.6  # every group's smoothed agree rate at least this: common ground (Jigsaw)
PICK = 5
K_BUFFER = 4  # recomputations in a row a new k must win before a story's groups change k (as Pol.is)
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
    previous = get_cached(story)
    state = (previous.data or {}).get("k_smoother") if previous is not None else None
    result, state = _fit_smoothed(va, state)
    data, positions = serialise(result, va.user_ids, va.comment_ids)
    data["k_smoother"] = state
    lock_stories([story.id])  # another worker may be storing this story's groups: one after the other
    cache = db.session.get(OpinionCache, story.id, populate_existing=True) or OpinionCache(story_id=story.id)
    cache.data, cache.positions, cache.fingerprint = data, positions, stamp
    cache.n_votes, cache.n_groups, cache.n_participants = len(va.value), result.k, len(positions)
    cache.computed_at = datetime.now(UTC)
    cache.seconds = time.perf_counter() - started
    db.session.add(cache)
    db.session.flush()
    return cache


def _fit_smoothed(va: VoteArrays, state: dict | None) -> tuple[OpinionResult, dict]:
    """Fit with the previous k preferred; change k only once :func:`smooth_k` says the new k has won
    :data:`K_BUFFER` recomputations in a row, so a live story's groups do not flip with each vote."""
    args = (va.participant, va.comment, va.value, len(va.user_ids), len(va.comment_ids))
    kw = {"excluded_comments": va.excluded_comments, "excluded_participants": va.excluded_participants}
    est = OpinionGroups(prefer_k=(state or {}).get("k")).fit(*args, **kw)
    new = smooth_k(state, est.k_chosen_, K_BUFFER)
    if new["k"] != est.result_.k and new["k"] == est.k_chosen_:
        est = OpinionGroups(prefer_k=new["k"]).fit(*args, **kw)
    new["k"] = est.result_.k
    return est.result_, new


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
    found = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))} if ids else {}
    stats, out = cache.data.get("comments", {}), []
    for i in ids:
        c, st = found.get(i), stats.get(str(i))
        if c is None or st is None or c.status != "published":
            continue
        n = st["a"] if direction == "agree" else st["d"]
        pcts = [_pct(a, s) for a, s in zip(st["ga"], st["gs"], strict=True)]
        out.append(Statement(c, direction, _pct(n, st["s"]), 0, pcts, int(n), int(st["s"])))
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
        n, of = int(st[key][g]), int(st["gs"][g])
        n_rest, of_rest = int(sum(st[key])) - n, int(sum(st["gs"])) - of
        out.append(
            Statement(
                s.comment,
                r["direction"],
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


def _label(group: dict, bodies: dict[int, str], names: dict[int, str]) -> tuple[str, bool, int | None]:
    """(label, set by an editor?, key statement) for a serialised group."""
    reps = [r for r in group["representative"] if r["comment"] in bodies]
    for r in reps:
        if r["comment"] in names:
            return names[r["comment"]], True, r["comment"]
    if not reps:
        return "", False, None
    top = reps[0]
    text = shorten(bodies[top["comment"]])
    return (text if top["direction"] == "agree" else f"Against: {text}"), False, top["comment"]


def _group_views(story: Story, cache: OpinionCache, with_statements: bool) -> list[GroupView]:
    data, total = cache.data, max(cache.n_participants, 1)
    ids = {r["comment"] for g in data.get("groups", []) for r in g["representative"]}
    bodies = dict(
        db.session.execute(
            select(Comment.id, Comment.body).where(Comment.id.in_(ids), Comment.status == "published")
        ).all()
    ) if ids else {}  # fmt: skip
    names = group_names(story)
    views = []
    for g in data.get("groups", []):
        label, by_editor, key = _label(g, bodies, names)
        stmts = _group_statements(cache, g) if with_statements else []
        views.append(
            GroupView(
                g["index"],
                GROUP_NAMES[g["index"] % 26],
                g["size"],
                _pct(g["size"], total),
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
    data = page.cache.data
    placed = signed_in and page.n_voted >= MIN_VOTES_TO_SEE
    page.dots = _dots(page.cache.positions, viewer.id if placed else None)
    page.me = next((d for d in page.dots if d.me), None)
    page.groups = _group_views(story, page.cache, with_statements=True)
    for g in page.groups:
        g.is_mine = page.me is not None and page.me.group == g.index
    page.my_group = next((g for g in page.groups if g.is_mine), None)
    page.common_ground = statements(page.cache, data.get("common_ground", []))
    page.divisive = statements(page.cache, data.get("divisive", []))
    return page


def story_overview(story: Story) -> OpinionsPage:
    """Common ground and divisive statements for the debate map (no per-reader gate, no positions)."""
    page = OpinionsPage(story, get_cached(story), can_see=True)
    if page.cache is not None:
        data = page.cache.data
        page.groups = _group_views(story, page.cache, with_statements=False)
        page.common_ground = statements(page.cache, data.get("common_ground", []))
        page.divisive = statements(page.cache, data.get("divisive", []))
    return page


# --- editors' names for groups ----------------------------------------------------------------------------

MAX_NAME = 80


def group_names(story: Story) -> dict[int, str]:
    """Editors' names for the story's groups, keyed by the representative statement each belongs to (a
    name follows its group across recomputations while that statement still represents it)."""
    rows = db.session.execute(
        select(OpinionGroupName.comment_id, OpinionGroupName.name).where(
            OpinionGroupName.story_id == story.id
        )
    )
    return dict(rows.all())


def rename_group(story: Story, index: str | int | None, name: str | None, editor: User) -> GroupView:
    """Set (or, with an empty name, clear) an editor's name for group ``index`` of the cached result."""
    cache = get_cached(story)
    try:
        i = int(index)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput("Which group? The form did not say.", field="group") from None
    groups = _group_views(story, cache, with_statements=False) if cache else []
    group = next((g for g in groups if g.index == i), None)
    if group is None:
        raise NotFound("There is no such opinion group (the groups may have just been recomputed).")
    if group.key_comment is None:
        raise InvalidInput(
            "This group has no representative statement yet, so a name could not stay with it."
        )
    text = " ".join((name or "").split())
    if len(text) > MAX_NAME:
        raise InvalidInput(f"A group name is at most {MAX_NAME} characters.", field="name")
    row = db.session.get(OpinionGroupName, (story.id, group.key_comment))
    if not text:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        row = OpinionGroupName(
            story_id=story.id, comment_id=group.key_comment, name=text, set_by_id=editor.id
        )
        db.session.add(row)
    else:
        row.name, row.set_by_id = text, editor.id
    db.session.flush()
    return next(g for g in _group_views(story, cache, with_statements=False) if g.index == i)
