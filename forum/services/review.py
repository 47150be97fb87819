"""Editors' review of a story's debate map: rename, summarise, merge, split, move, hide, pin, key points,
publish. Every edit takes the story's lock, is reapplied to the current map when a background job changed
it since the editor's page loaded (and refused, saying what changed, only when a viewpoint it names is
gone), bumps the map version, marks the viewpoints it shapes as curated (so recomputation keeps them), and
is audited in the same transaction. The web forms hand in typed values (ids as ints, text already on one line
or trimmed: :mod:`forum.web.review.forms`); the rules about them are checked here."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from forum.analysis.keypoints import given_threshold
from forum.extensions import db
from forum.models import (
    AuditEntry,
    Comment,
    CommentEmbedding,
    CommentStatus,
    MapRun,
    Story,
    User,
    Viewpoint,
    ViewpointMember,
)
from forum.services import audit, mapping
from forum.services.errors import Conflict, InvalidInput, NotFound
from forum.services.locks import lock_story
from forum.times import as_utc

MAX_HEADLINE = 300
MAX_SUMMARY = 4000
MISSING_VERSION = "The form is missing the map version; reload the page."


def check_version(story: Story, seen: int | None) -> bool:
    """Take the story's lock (a worker recomputing the map finishes first) and say whether the map changed
    since the editor's page showed version ``seen``. A changed map does not refuse the edit by itself: each
    action is reapplied to the current map, and refused only when what it names is gone (see
    :func:`_viewpoint`)."""
    if seen is None:
        raise InvalidInput(MISSING_VERSION)
    lock_story(story)
    return seen != (story.map_version or 0)


def what_changed(story: Story) -> str:
    """The latest change to the map, in words: the last recomputation or the last editor's action."""
    run = db.session.scalar(
        select(MapRun).where(MapRun.story_id == story.id).order_by(MapRun.id.desc()).limit(1)
    )
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.story_id == story.id, AuditEntry.action.startswith("map."))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if run is not None and (entry is None or as_utc(run.created_at) >= as_utc(entry.created_at)):
        return (
            f"the map was recomputed at {as_utc(run.created_at):%H:%M} UTC "
            f"({run.n_viewpoints} viewpoints from {run.n_comments} comments)"
        )
    if entry is not None:
        who = entry.actor.display_name if entry.actor else "the system"
        return f"{audit.describe(entry.action).lower()} by {who} at {as_utc(entry.created_at):%H:%M} UTC"
    return "the map changed"


def _viewpoint(story: Story, viewpoint_id: int) -> Viewpoint:
    viewpoint = db.session.get(Viewpoint, viewpoint_id)
    if viewpoint is None or viewpoint.story_id != story.id:
        raise NotFound("There is no such viewpoint on this story.")
    if not viewpoint.active:
        raise Conflict(
            f"The viewpoint “{viewpoint.title}” is no longer on the map: since this page was loaded, "
            f"{what_changed(story)}, and its comments now belong to other viewpoints. Nothing was "
            "changed; reload the review to see the current map."
        )
    return viewpoint


def _done(story: Story, editor: User, action: str, **details) -> None:
    story.map_version = (story.map_version or 0) + 1
    audit.record(f"map.{action}", editor, story=story, details=details)
    db.session.flush()


def _member_ids(viewpoint: Viewpoint) -> list[int]:
    return list(
        db.session.scalars(
            select(ViewpointMember.comment_id).where(ViewpointMember.viewpoint_id == viewpoint.id)
        )
    )


def _refresh(viewpoint: Viewpoint) -> None:
    """Recount members and authors and recompute the centroid after an edit changed membership."""
    rows = db.session.execute(
        select(Comment.id, Comment.author_id, CommentEmbedding.vector)
        .join(ViewpointMember, ViewpointMember.comment_id == Comment.id)
        .outerjoin(CommentEmbedding, CommentEmbedding.comment_id == Comment.id)
        .where(ViewpointMember.viewpoint_id == viewpoint.id)
    ).all()
    viewpoint.n_members = len(rows)
    viewpoint.n_authors = len({r.author_id for r in rows})
    vectors = [np.frombuffer(r.vector, dtype=np.float32) for r in rows if r.vector is not None]
    if vectors:
        c = np.mean(vectors, axis=0)
        viewpoint.centroid = (c / max(float(np.linalg.norm(c)), 1e-12)).astype(np.float32).tobytes()
    story_authors = db.session.scalar(
        select(db.func.count(db.distinct(Comment.author_id))).where(
            Comment.story_id == viewpoint.story_id, Comment.status == CommentStatus.PUBLISHED
        )
    )
    viewpoint.share = viewpoint.n_authors / story_authors if story_authors else 0.0
    members = {r.id for r in rows}
    viewpoint.quote_ids = [q for q in (viewpoint.quote_ids or []) if q in members]


def rename(story: Story, editor: User, viewpoint_id: int, headline: str, seen_version: int) -> Viewpoint:
    """Give a viewpoint the editor's headline (one line of text)."""
    check_version(story, seen_version)
    viewpoint = _viewpoint(story, viewpoint_id)
    if not headline:
        raise InvalidInput("A headline cannot be empty.", field="headline")
    if len(headline) > MAX_HEADLINE:
        raise InvalidInput(f"Headlines can be at most {MAX_HEADLINE} characters.", field="headline")
    before = viewpoint.title
    viewpoint.editor_headline = headline
    _done(story, editor, "rename", viewpoint=viewpoint.id, before=before, after=headline)
    return viewpoint


def summarise(story: Story, editor: User, viewpoint_id: int, summary: str, seen_version: int) -> Viewpoint:
    """Set a viewpoint's summary (trimmed text; empty removes it)."""
    check_version(story, seen_version)
    viewpoint = _viewpoint(story, viewpoint_id)
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"Summaries can be at most {MAX_SUMMARY} characters.", field="summary")
    viewpoint.editor_summary = summary or None
    _done(story, editor, "summary", viewpoint=viewpoint.id)
    return viewpoint


def set_hidden(story: Story, editor: User, viewpoint_id: int, hidden: bool, seen_version: int) -> Viewpoint:
    check_version(story, seen_version)
    viewpoint = _viewpoint(story, viewpoint_id)
    viewpoint.hidden = bool(hidden)
    _done(story, editor, "hide" if hidden else "show", viewpoint=viewpoint.id)
    return viewpoint


def pin_quotes(
    story: Story, editor: User, viewpoint_id: int, comment_ids: list[int], seen_version: int
) -> Viewpoint:
    stale = check_version(story, seen_version)
    viewpoint = _viewpoint(story, viewpoint_id)
    wanted = list(comment_ids)
    members = set(_member_ids(viewpoint))
    gone = [c for c in wanted if c not in members]
    if gone and stale:
        raise Conflict(
            f"Comment {gone[0]} is no longer in this viewpoint: since this page was loaded, "
            f"{what_changed(story)}. Nothing was changed; reload the page to pin again."
        )
    if gone:
        raise InvalidInput("Only comments of this viewpoint can be pinned as its quotes.")
    if len(wanted) > 5:
        raise InvalidInput("Pin at most five quotes.")
    viewpoint.pinned_quote_ids = wanted or None
    _done(story, editor, "pin", viewpoint=viewpoint.id, quotes=wanted)
    return viewpoint


def merge(story: Story, editor: User, target_id: int, source_id: int, seen_version: int) -> Viewpoint:
    """Move every comment of ``source`` into ``target``; ``source`` leaves the map."""
    check_version(story, seen_version)
    target = _viewpoint(story, target_id)
    source = _viewpoint(story, source_id)
    if target.id == source.id:
        raise InvalidInput("Choose two different viewpoints to merge.")
    if target.is_other or source.is_other:
        raise InvalidInput("The 'Other arguments' group cannot be merged; move its comments instead.")
    moved = _member_ids(source)
    for member in db.session.scalars(
        select(ViewpointMember).where(ViewpointMember.viewpoint_id == source.id)
    ):
        member.viewpoint_id = target.id
    source.active = False
    source.n_members = 0
    target.curated = True
    target.quote_ids = list(dict.fromkeys((target.quote_ids or []) + (source.quote_ids or [])))[:3]
    db.session.flush()
    _refresh(target)
    _done(story, editor, "merge", target=target.id, source=source.id, comments=len(moved))
    return target


def move_comment(story: Story, editor: User, comment_id: int, target_id: int, seen_version: int) -> Viewpoint:
    check_version(story, seen_version)
    target = _viewpoint(story, target_id)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("There is no such comment.")
    if comment.story_id != story.id:
        raise InvalidInput("That comment belongs to another story.")
    if comment.status != CommentStatus.PUBLISHED:
        raise InvalidInput("Only published comments can be placed on the map.")
    member = db.session.get(ViewpointMember, comment.id)
    previous = member.viewpoint if member else None
    if member is None:
        member = ViewpointMember(comment_id=comment.id, story_id=story.id)
        db.session.add(member)
    member.viewpoint_id = target.id
    member.source = "editor"
    target.curated = True
    db.session.flush()
    _refresh(target)
    if previous is not None and previous.id != target.id:
        _refresh(previous)
    _done(
        story, editor, "move", comment=comment.id, source=previous.id if previous else None, target=target.id
    )
    return target


def split(story: Story, editor: User, viewpoint_id: int, parts: int, seen_version: int) -> list[Viewpoint]:
    """Recluster a viewpoint's comments into ``parts`` (2-6) viewpoints."""
    check_version(story, seen_version)
    viewpoint = _viewpoint(story, viewpoint_id)
    k = parts
    if not 2 <= k <= 6:
        raise InvalidInput("Split into 2 to 6 viewpoints.")
    rows = db.session.execute(
        select(ViewpointMember.comment_id, CommentEmbedding.vector)
        .join(CommentEmbedding, CommentEmbedding.comment_id == ViewpointMember.comment_id)
        .where(ViewpointMember.viewpoint_id == viewpoint.id)
        .order_by(ViewpointMember.comment_id)
    ).all()
    if len(rows) < 2 * k:
        raise InvalidInput(f"A viewpoint needs at least {2 * k} comments to split into {k}.")
    X = np.stack([np.frombuffer(r.vector, dtype=np.float32) for r in rows])
    labels = _kway(X, k)
    parts_out = [viewpoint]
    for _ in range(1, k):
        clone = Viewpoint(
            story_id=story.id,
            headline=viewpoint.headline,
            side=viewpoint.side,
            key_phrases=viewpoint.key_phrases,
            quote_ids=[],
            x=viewpoint.x,
            y=viewpoint.y,
            radius=viewpoint.radius,
            position=viewpoint.position,
            curated=True,
            run_id=viewpoint.run_id,
        )
        db.session.add(clone)
        parts_out.append(clone)
    db.session.flush()
    for (comment_id, _), label in zip(rows, labels, strict=True):
        db.session.get(ViewpointMember, comment_id).viewpoint_id = parts_out[label].id
    viewpoint.curated = True
    db.session.flush()
    for part in parts_out:
        ids = _member_ids(part)
        part.quote_ids = ids[:3]
        part.headline = _best_text(ids) or part.headline
        _refresh(part)
    _spread(parts_out, viewpoint.x, viewpoint.y, viewpoint.radius)
    _done(story, editor, "split", viewpoint=viewpoint.id, into=[p.id for p in parts_out])
    return parts_out


def _spread(parts: list[Viewpoint], x: float | None, y: float | None, radius: float | None) -> None:
    """Place the parts of a split around where the viewpoint was, each sized by its share of the comments
    (the same total area), on a circle wide enough that no two parts overlap (the next recomputation lays
    the whole map out again)."""
    if x is None or y is None or not radius:
        return
    total = sum(p.n_members for p in parts) or 1
    radii = [radius * float(np.sqrt(max(p.n_members, 1) / total)) for p in parts]
    k = len(parts)
    widest = max(radii[i] + radii[(i + 1) % k] for i in range(k))
    ring = widest / (2 * np.sin(np.pi / k)) * 1.05
    margin = min(ring + max(radii), 0.5)  # keep the whole ring inside the map's unit square
    cx, cy = (float(np.clip(c, margin, 1 - margin)) for c in (x, y))
    for i, (part, r) in enumerate(zip(parts, radii, strict=True)):
        angle = 2 * np.pi * i / k
        part.radius = r
        part.x, part.y = cx + ring * float(np.cos(angle)), cy + ring * float(np.sin(angle))


def _kway(X: np.ndarray, k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(X)


def _best_text(comment_ids: list[int]) -> str | None:
    from forum.sanitize import plain_text

    if not comment_ids:
        return None
    texts = [
        plain_text(c.body) for c in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))
    ]
    first_sentences = [t.split(". ")[0].strip() for t in texts if t]
    return min(first_sentences, key=lambda t: abs(len(t) - 90)) if first_sentences else None


def clean_key_point(story: Story, statement: str, seen_version: int | None) -> str:
    """Check a key point (one line of text) before it is queued: the map version, and one non-empty
    sentence. Returns the statement."""
    check_version(story, seen_version)
    if not statement:
        raise InvalidInput("Write the key point as one sentence.", field="statement")
    if len(statement) > MAX_HEADLINE:
        raise InvalidInput(f"Key points can be at most {MAX_HEADLINE} characters.", field="statement")
    return statement


def add_key_point(
    story: Story, editor: User, statement: str, embedder, seen_version: int | None
) -> Viewpoint:
    """Create a viewpoint from an editor's statement and gather the comments that make that point."""
    text = clean_key_point(story, statement, seen_version)
    statement_vec = embedder.encode([text])
    matches = mapping.key_point_matches(story, statement_vec[0], embedder.name)
    if not matches:
        raise InvalidInput("There are no analysed comments yet to match the key point against.")
    floor = given_threshold(embedder.name)
    chosen = [comment_id for comment_id, score in matches if score >= floor]
    viewpoint = Viewpoint(
        story_id=story.id,
        headline=text,
        editor_headline=text,
        key_point=text,
        curated=True,
        side=0,
        key_phrases=[],
        quote_ids=chosen[:3],
        position=999,
        centroid=statement_vec[0].astype(np.float32).tobytes(),
    )
    db.session.add(viewpoint)
    db.session.flush()
    touched: set[int] = set()
    for comment_id in chosen:
        member = db.session.get(ViewpointMember, comment_id)
        if member is None:
            member = ViewpointMember(comment_id=comment_id, story_id=story.id)
            db.session.add(member)
        elif member.viewpoint_id != viewpoint.id:
            touched.add(member.viewpoint_id)
        member.viewpoint_id = viewpoint.id
        member.source = "editor"
    db.session.flush()
    _refresh(viewpoint)
    for vid in touched:
        _refresh(db.session.get(Viewpoint, vid))
    _done(story, editor, "key_point", viewpoint=viewpoint.id, matched=len(chosen))
    return viewpoint


def key_point_scores(story: Story, statement: str, embedder) -> list[tuple[int, float]]:
    """Every analysed comment's match to ``statement`` (the map's own matching), best first."""
    if not statement.strip():
        return []
    return mapping.key_point_matches(story, embedder.encode([statement])[0], embedder.name)
