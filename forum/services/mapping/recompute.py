"""Recomputing a story's debate map: embedding what is missing, clustering (:mod:`forum.analysis.pipeline`),
keeping curated viewpoints and the identities of viewpoints whose members still match, and storing the
result.

Functions flush and never commit: the job or command that calls them owns the transaction.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
from flask import current_app
from sqlalchemy import delete, select

from forum.analysis.embedders import Embedder
from forum.analysis.identity import match_viewpoints
from forum.analysis.keypoints import KeyPointAnalysis, key_point_settings
from forum.analysis.labeller import NullLabeller
from forum.analysis.pipeline import DebateMap, ViewpointSummary, build_map
from forum.extensions import db
from forum.models import Comment, CommentEmbedding, CommentStatus, MapRun, Story, Viewpoint, ViewpointMember
from forum.sanitize import plain_text
from forum.services import pagination
from forum.services.labelling import make_labeller
from forum.services.locks import lock_story
from forum.services.mapping.comments import comments_needing_embedding, embed_comments, mappable
from forum.services.sentences import sentences_with_vectors

SIDE_VALUES = {"agree": 1, "disagree": -1}
CURATED_MIN_SIMILARITY = 0.3
MIN_COMMENTS_FOR_MAP = 5


def map_is_stale(story: Story) -> bool:
    """Whether enough has changed since the last full computation to recompute the map."""
    total = pagination.count(mappable(story.id))
    if total < MIN_COMMENTS_FOR_MAP:
        return False
    if story.map_computed_at is None:
        return True
    return story.map_changes_pending >= max(3, total // 10)


def recompute_map(story: Story, embedder: Embedder, *, trigger: str = "auto", progress=None) -> MapRun:
    """Embed what is missing, recompute the story's viewpoints and keep their identities where the members
    still match. ``progress(stage: str)`` is called between stages."""
    started = time.perf_counter()
    _progress = progress or (lambda stage: None)
    _progress("embedding")
    embed_comments(comments_needing_embedding(embedder.name, story.id), embedder)
    lock_story(story)
    _progress("loading")
    rows = db.session.execute(
        select(Comment.id, Comment.body, Comment.side, Comment.author_id, CommentEmbedding.vector)
        .join(CommentEmbedding, CommentEmbedding.comment_id == Comment.id)
        .where(Comment.story_id == story.id, Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.id)
    ).all()
    _progress("clustering")
    curated = _curated_viewpoints(story)
    fixed = np.zeros(0, dtype=np.int64)
    if rows:
        X = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32).reshape(len(rows), -1)
        fixed = _pinned_rows(curated, [r.id for r in rows], X)
        texts = [plain_text(r.body) for r in rows]
        sentences, S = sentences_with_vectors(texts, embedder.name, X.shape[1])
        result = build_map(
            texts,
            X,
            sides=[SIDE_VALUES.get(r.side, 0) for r in rows],
            authors=[r.author_id for r in rows],
            comment_ids=[r.id for r in rows],
            sentences=sentences,
            sentence_embeddings=S,
            key_points=KeyPointAnalysis(**key_point_settings(embedder.name)),
            fixed=fixed,
            n_fixed=len(curated),
        )
    else:
        result = DebateMap(viewpoints=[], labels=np.zeros(0, dtype=np.int64), other=None)
    _relabel(result, {int(r.id): r.body for r in rows})
    _progress("saving")
    run = MapRun(
        story_id=story.id, trigger=trigger, n_comments=len(rows), n_viewpoints=len(result.viewpoints)
    )
    db.session.add(run)
    db.session.flush()
    curated_of = {int(r.id): curated[k].id for r, k in zip(rows, fixed, strict=True) if k >= 0}
    run.changes = _store(story, result, run, curated_of)
    run.seconds = round(time.perf_counter() - started, 3)
    story.map_computed_at = datetime.now(UTC)
    story.map_changes_pending = 0
    story.map_version = (story.map_version or 0) + 1
    db.session.flush()
    return run


def _relabel(result: DebateMap, bodies: dict[int, str]) -> None:
    """Rewrite headlines with the configured abstractive labeller (off by default: keeps extractive ones)."""
    config = current_app.config
    labeller = make_labeller(
        config.get("FORUM_LABELLER_URL"),
        config.get("FORUM_LABELLER_API_KEY") or "",
        config.get("FORUM_LABELLER_MODEL") or "",
    )
    if isinstance(labeller, NullLabeller):
        return
    for group in result.viewpoints:
        quotes = [plain_text(bodies[q]) for q in group.quote_ids if q in bodies]
        group.headline = labeller.label(quotes, group.key_phrases, group.headline)


def _curated_viewpoints(story: Story) -> list[Viewpoint]:
    return list(
        db.session.scalars(
            select(Viewpoint)
            .where(
                Viewpoint.story_id == story.id,
                Viewpoint.active,
                Viewpoint.curated,
                Viewpoint.is_other.is_(False),
            )
            .order_by(Viewpoint.id)
        )
    )


def _pinned_rows(curated: list[Viewpoint], comment_ids: list[int], X: np.ndarray) -> np.ndarray:
    """For each comment row, the index of the curated viewpoint that keeps it, or -1. A comment stays in a
    curated viewpoint while it still fits (or an editor put it there explicitly)."""
    fixed = np.full(len(comment_ids), -1, dtype=np.int64)
    if not curated:
        return fixed
    row_of = {cid: i for i, cid in enumerate(comment_ids)}
    index = {v.id: k for k, v in enumerate(curated)}
    members = db.session.execute(
        select(ViewpointMember.comment_id, ViewpointMember.viewpoint_id, ViewpointMember.source).where(
            ViewpointMember.viewpoint_id.in_(list(index))
        )
    )
    for comment_id, viewpoint_id, source in members:
        i = row_of.get(comment_id)
        if i is None:
            continue
        k = index[viewpoint_id]
        centroid = curated[k].centroid_array
        fits = centroid is None or float(X[i] @ centroid) >= CURATED_MIN_SIMILARITY
        if source == "editor" or fits:
            fixed[i] = k
    return fixed


def _store(story: Story, result: DebateMap, run: MapRun, curated_of: dict[int, int]) -> dict:
    """Write the computed viewpoints, matching them to the story's current ones by membership. Groups made
    of comments a curated viewpoint kept (``curated_of``: comment id -> viewpoint id) stay that viewpoint."""
    old = list(db.session.scalars(select(Viewpoint).where(Viewpoint.story_id == story.id, Viewpoint.active)))
    old_members: dict[int, set[int]] = {v.id: set() for v in old}
    for comment_id, viewpoint_id in db.session.execute(
        select(ViewpointMember.comment_id, ViewpointMember.viewpoint_id).where(
            ViewpointMember.story_id == story.id
        )
    ):
        old_members.setdefault(viewpoint_id, set()).add(comment_id)
    by_id = {v.id: v for v in old}
    new_groups = result.viewpoints + ([result.other] if result.other else [])
    real_old = {
        vid: members
        for vid, members in old_members.items()
        if vid in by_id and not by_id[vid].is_other and not by_id[vid].curated
    }
    curated_groups = [_curated_owner(g.member_ids, curated_of) for g in result.viewpoints]
    free = [i for i, owner in enumerate(curated_groups) if owner is None]
    match = match_viewpoints(real_old, [set(result.viewpoints[i].member_ids) for i in free])
    mapping: list[int | None] = list(curated_groups)
    for i, old_id in zip(free, match.mapping, strict=True):
        mapping[i] = old_id
    mapping += [None] if result.other else []
    if result.other:
        previous_other = next((v for v in old if v.is_other), None)
        mapping[-1] = previous_other.id if previous_other else None
    editor_placed = dict(
        db.session.execute(
            select(ViewpointMember.comment_id, ViewpointMember.source).where(
                ViewpointMember.story_id == story.id, ViewpointMember.source == "editor"
            )
        ).all()
    )
    db.session.execute(delete(ViewpointMember).where(ViewpointMember.story_id == story.id))
    kept: set[int] = set()
    now = datetime.now(UTC)
    for position, (group, old_id) in enumerate(zip(new_groups, mapping, strict=True)):
        viewpoint = by_id.get(old_id) if old_id is not None else None
        if viewpoint is None:
            viewpoint = Viewpoint(story_id=story.id, created_at=now)
            db.session.add(viewpoint)
        _fill(viewpoint, group, position, run, now)
        db.session.flush()
        kept.add(viewpoint.id)
        db.session.add_all(
            ViewpointMember(
                comment_id=cid,
                viewpoint_id=viewpoint.id,
                story_id=story.id,
                source=editor_placed.get(cid, "map") if viewpoint.curated else "map",
            )
            for cid in group.member_ids
        )
    for viewpoint in old:
        if viewpoint.id not in kept:
            viewpoint.active = False
    db.session.flush()
    report = match.report
    curated_kept = {vid for vid in curated_groups if vid is not None}
    curated_gone = [v.id for v in old if v.curated and v.id not in curated_kept]
    return {
        "kept": len(report.kept) + len(curated_kept),
        "new": len(report.new),
        "gone": len(report.gone) + len(curated_gone),
        "moved": report.moved,
        "added": report.added,
        "removed": report.removed,
        "curated_kept": sorted(curated_kept),
        "curated_gone": curated_gone,
    }


def _curated_owner(member_ids: list[int], curated_of: dict[int, int]) -> int | None:
    owners = {curated_of.get(cid) for cid in member_ids}
    return owners.pop() if len(owners) == 1 and None not in owners else None


def _fill(viewpoint: Viewpoint, group: ViewpointSummary, position: int, run: MapRun, now: datetime) -> None:
    viewpoint.run_id = run.id
    viewpoint.position = position
    viewpoint.headline = group.headline
    viewpoint.headline_comment_id = group.headline_id
    viewpoint.side = int(group.side)
    viewpoint.share = float(group.share)
    viewpoint.n_members = int(group.n_members)
    viewpoint.n_authors = int(group.n_authors)
    viewpoint.key_phrases = list(group.key_phrases)
    viewpoint.quote_ids = [int(q) for q in group.quote_ids]
    viewpoint.x, viewpoint.y, viewpoint.radius = group.x, group.y, group.radius
    viewpoint.centroid = np.asarray(group.centroid, dtype=np.float32).tobytes()
    viewpoint.is_other = group.is_other
    viewpoint.theme = group.theme or None
    viewpoint.theme_index = int(group.theme_index)
    viewpoint.secondary_ids = [int(i) for i in group.secondary_ids]
    viewpoint.quote_sentences = {str(k): v for k, v in group.quote_sentences.items()}
    viewpoint.active = True
    viewpoint.updated_at = now


def recent_runs(story: Story, limit: int = 5) -> list[MapRun]:
    """The story's latest map computations, newest first."""
    query = select(MapRun).where(MapRun.story_id == story.id).order_by(MapRun.id.desc()).limit(limit)
    return list(db.session.scalars(query))
