"""Computing and caching a story's opinion groups: loading its votes, fitting, the fingerprint that says
when the cached result is stale, and each group's reactions read back from the cache.

The vote arrays come straight from the votes table in one SELECT of (user_id, comment_id, value) and go to
:mod:`forum.analysis.opinions`, which stays sparse throughout. Comments that are not published, Pol.is meta
statements and banned readers stay out of the geometry.
"""

from __future__ import annotations

import itertools
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select

from forum.analysis.opinions import GroupReaction, OpinionGroups, OpinionResult, smooth_k
from forum.extensions import db
from forum.models import Comment, CommentStatus, OpinionCache, PolisComment, Story, User, UserStatus, Vote
from forum.services.locks import lock_stories
from forum.services.opinions.codec import (
    CommentCounts,
    GroupData,
    OpinionData,
    Representative,
    decode,
    encode,
)

COMMON_GROUND_RATE = 0.6  # every group's smoothed agree rate at least this: common ground (Jigsaw)
PICK = 5
K_BUFFER = 4  # recomputations in a row a new k must win before a story's groups change k (as Pol.is)


def _crc(ids) -> int:
    return zlib.crc32(",".join(map(str, sorted(ids))).encode())


def fingerprint(story_id: int) -> str:
    """What the result depends on: vote count and latest change, excluded comments, banned voters."""
    n, last = db.session.execute(
        select(func.count(), func.max(Vote.updated_at)).where(Vote.story_id == story_id)
    ).one()
    hidden = db.session.scalars(
        select(Comment.id).where(Comment.story_id == story_id, Comment.status != CommentStatus.PUBLISHED)
    ).all()
    banned = db.session.scalars(
        select(User.id)
        .where(User.status == UserStatus.BANNED)
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
    excluded_c = np.asarray([s != CommentStatus.PUBLISHED or i in meta for i, s in comments], dtype=bool)
    user_ids, participant = np.unique(votes[:, 0], return_inverse=True)
    banned = set(
        db.session.scalars(
            select(User.id).where(User.status == UserStatus.BANNED, User.id.in_(user_ids.tolist()))
        )
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
    state = decode(previous.data).k_smoother if previous is not None else None
    result, state = _fit_smoothed(va, state)
    data, positions = summarise(result, va.user_ids, va.comment_ids)
    data.k_smoother = state
    lock_stories([story.id])  # another worker may be storing this story's groups: one after the other
    cache = db.session.get(OpinionCache, story.id, populate_existing=True) or OpinionCache(story_id=story.id)
    cache.data, cache.positions, cache.fingerprint = encode(data), positions, stamp
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


def summarise(
    result: OpinionResult, user_ids: np.ndarray, comment_ids: np.ndarray
) -> tuple[OpinionData, dict]:
    """What the cache keeps: statements by comment id, per-comment stats, positions keyed by user id."""
    cs, cid = result.comment_stats, comment_ids.tolist()
    rate = (cs.group_agree + 1) / (cs.group_seen + 2)
    comments = {
        cid[i]: CommentCounts(
            int(cs.agree[i]),
            int(cs.disagree[i]),
            int(cs.seen[i]),
            cs.group_agree[:, i].tolist(),
            cs.group_disagree[:, i].tolist(),
            cs.group_seen[:, i].tolist(),
            float(cs.gic[i]),
            float(cs.extremity[i]),
            float(cs.divisiveness[i]),
            bool(cs.active[i]),
        )  # fmt: skip
        for i in np.flatnonzero(cs.seen > 0)
    }
    common: list[int] = []
    if result.k > 1:
        ok = np.flatnonzero(cs.active & (rate.min(0) >= COMMON_GROUND_RATE))
        common = [cid[i] for i in ok[np.lexsort((ok, -cs.gic[ok]))][:PICK]]
    else:
        common = [cid[s.comment] for s in result.consensus_agree]
    groups = [
        GroupData(
            g.index,
            g.size,
            [Representative(cid[r.comment], r.direction, r.p, r.ratio) for r in g.representative],
        )
        for g in result.groups
    ]
    data = OpinionData(
        k=result.k,
        groups=groups,
        common_ground=common,
        consensus_disagree=[cid[s.comment] for s in result.consensus_disagree],
        divisive=[cid[i] for i in result.divisive],
        comments=comments,
    )
    positions = {}
    for i in np.flatnonzero(result.participant_group >= 0):
        x, y = result.positions[i]
        if np.isfinite(x) and np.isfinite(y):
            group = int(result.participant_group[i])
            positions[str(int(user_ids[i]))] = [round(float(x), 4), round(float(y), 4), group]
    return data, positions


def serialise(result: OpinionResult, user_ids: np.ndarray, comment_ids: np.ndarray) -> tuple[dict, dict]:
    """:func:`summarise` as the JSON stored in the cache row."""
    data, positions = summarise(result, user_ids, comment_ids)
    return encode(data), positions


def group_reactions(cache: OpinionCache, comment_ids) -> list[GroupReaction]:
    """Each group's agree/disagree/pass shares over these comments (e.g. a viewpoint), from the cache.

    The same sums as :meth:`forum.analysis.opinions.OpinionResult.group_reactions`, on stored counts."""
    data = decode(cache.data)
    stats = data.comments
    rows = [stats[int(c)] for c in set(comment_ids) if int(c) in stats and stats[int(c)].active]
    out = []
    for g in range(data.k):
        a = sum(r.group_agree[g] for r in rows)
        d = sum(r.group_disagree[g] for r in rows)
        s = sum(r.group_seen[g] for r in rows)
        f = 1.0 / s if s else 0.0
        out.append(GroupReaction(g, s, a * f, d * f, (s - a - d) * f))
    return out
