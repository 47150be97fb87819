"""Pol.is exports in and out: a conversation becomes a story with anonymous readers, comments and votes.

Import inserts in bulk (votes by COPY on PostgreSQL, in large executemany batches elsewhere) and flushes,
never commits: the command owns the one transaction, so a failure leaves nothing behind. Reading and
validating the files (:func:`forum.interop.polis.read_polis_export`) happens before anything is written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import insert, select

from forum.extensions import db
from forum.interop.polis import PolisComment as PolisRow
from forum.interop.polis import PolisConversation, PolisParticipant, PolisVotes
from forum.models import Comment, CommentStatus, OpinionCache, PolisComment, Story, User, Vote
from forum.models import PolisParticipant as PolisUser
from forum.sanitize import render_comment
from forum.services.errors import Conflict, InvalidInput
from forum.services.votes import recount_story
from forum.times import as_utc

STATUS_OF = {1: CommentStatus.PUBLISHED, 0: CommentStatus.PUBLISHED, -1: CommentStatus.REJECTED}
MODERATED_OF = {CommentStatus.PUBLISHED: 1, CommentStatus.REJECTED: -1, CommentStatus.PENDING: 0}
VOTE_BATCH = 50_000
VOTE_COLUMNS = ("story_id", "comment_id", "user_id", "value", "created_at", "updated_at")
Progress = Callable[[str, int, int], None]


@dataclass
class ImportSummary:
    story: Story
    n_participants: int
    n_comments: int
    n_votes: int


def slug_for(name: str) -> str:
    """A story slug from a folder name: lower case letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:120].strip("-")
    if not slug:
        raise InvalidInput("Cannot make a story slug from that folder name: pass one with --slug.")
    return slug


def user_prefix(slug: str) -> str:
    """``polis-<conversation>-``: short enough for usernames (40 characters) with any participant id."""
    if len(slug) > 22:
        slug = f"{slug[:15].rstrip('-')}-{hashlib.sha1(slug.encode()).hexdigest()[:6]}"
    return f"polis-{slug}-"


def _when(ms: int | None, default: datetime) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms is not None and ms >= 0 else default


def _bulk(model, rows: list[dict], returning=None):
    """Bulk INSERT; with ``returning``, the generated ids in the order of ``rows``."""
    if not rows:
        return []
    if returning is None:
        db.session.execute(insert(model), rows)
        return []
    stmt = insert(model).returning(returning, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


def _story(conv: PolisConversation, slug: str, now: datetime) -> Story:
    topic = (conv.topic or "").strip() or slug
    description = (conv.description or "").strip()
    question = description or topic
    if len(question) > 300:
        question = question[:299].rstrip() + "…"
    story = Story(
        slug=slug,
        headline=topic[:300],
        lede=description,
        body="",
        source_url=(conv.url or None) and conv.url[:500],
        source_name="Pol.is",
        question=question,
        published_at=now,
        created_at=now,
    )
    db.session.add(story)
    db.session.flush()
    return story


def import_conversation(
    conv: PolisConversation, slug: str, on_progress: Progress | None = None
) -> ImportSummary:
    """Create a story from a read Pol.is conversation (flushes; the caller commits once)."""
    if db.session.scalar(select(Story.id).where(Story.slug == slug)) is not None:
        raise Conflict(f"A story with the slug {slug!r} exists already: pass another with --slug.")
    now = datetime.now(UTC)
    story = _story(conv, slug, now)
    progress = on_progress or (lambda _stage, _done, _total: None)
    prefix = user_prefix(slug)
    xids = {p.id: p.xid for p in conv.participants}
    pids = sorted(
        set(xids)
        | set(np.unique(conv.votes.participant).tolist())
        | {c.author_id for c in conv.comments if c.author_id is not None}
    )
    user_ids = _bulk(
        User,
        [
            {"username": f"{prefix}{pid}", "display_name": f"Pol.is participant {pid}", "password_hash": None}
            for pid in pids
        ],
        User.id,
    )
    user_of = dict(zip(pids, user_ids, strict=True))
    _bulk(
        PolisUser,
        [
            {"user_id": user_of[pid], "story_id": story.id, "polis_id": pid, "xid": xids.get(pid)}
            for pid in pids
        ],
    )
    progress("participants", len(pids), len(pids))
    anonymous = None
    if any(c.author_id is None for c in conv.comments):
        anonymous = User(username=f"{prefix}anon", display_name="Pol.is participant", password_hash=None)
        db.session.add(anonymous)
        db.session.flush()
    rows = []
    for c in conv.comments:
        author = user_of[c.author_id] if c.author_id is not None else anonymous.id  # type: ignore[union-attr]
        when = _when(c.timestamp, now)
        rows.append(
            {
                "story_id": story.id,
                "author_id": author,
                "depth": 0,
                "body": c.text,
                "body_html": render_comment(c.text),
                "status": STATUS_OF[c.moderated],
                "created_at": when,
            }
        )
    comment_ids = _bulk(Comment, rows, Comment.id)
    comment_of = {c.id: cid for c, cid in zip(conv.comments, comment_ids, strict=True)}
    _bulk(
        PolisComment,
        [
            {"comment_id": comment_of[c.id], "story_id": story.id, "polis_id": c.id, "is_meta": c.is_meta}
            for c in conv.comments
        ],
    )
    progress("comments", len(rows), len(rows))
    _insert_votes(conv.votes, story.id, user_of, comment_of, now, progress)
    recount_story(story.id)
    return ImportSummary(story, len(pids), len(rows), len(conv.votes))


def _insert_votes(votes: PolisVotes, story_id: int, user_of, comment_of, now, progress: Progress) -> None:
    """Bulk-load the votes inside the session's transaction: COPY on PostgreSQL (psycopg), one DB-API
    executemany of tuples per :data:`VOTE_BATCH` rows on SQLite, SQLAlchemy executemany elsewhere."""
    n = len(votes)
    users = [user_of[x] for x in votes.participant.tolist()]
    comments = [comment_of[x] for x in votes.comment.tolist()]
    values = votes.value.tolist()
    cache: dict[int, datetime] = {}
    when = [cache.get(t) or cache.setdefault(t, _when(t, now)) for t in votes.timestamp.tolist()]
    conn = db.session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        iso = {id(w): w.isoformat() for w in when}
        cols = ", ".join(VOTE_COLUMNS)
        with raw.cursor() as cur, cur.copy(f"COPY vote ({cols}) FROM STDIN") as copy:
            for start in range(0, n, VOTE_BATCH):
                stop = min(n, start + VOTE_BATCH)
                lines = [
                    f"{story_id}\t{comments[i]}\t{users[i]}\t{values[i]}\t{iso[id(when[i])]}\t{iso[id(when[i])]}\n"
                    for i in range(start, stop)
                ]
                copy.write("".join(lines))
                progress("votes", stop, n)
        return
    if conn.dialect.name == "sqlite" and conn.dialect.driver == "pysqlite":
        # SQLAlchemy's SQLite DateTime stores UTC wall-clock text; one executemany per batch, on tuples
        text = {id(w): as_utc(w).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for w in when}
        sql = f"INSERT INTO vote ({', '.join(VOTE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)"
        for start in range(0, n, VOTE_BATCH):
            stop = min(n, start + VOTE_BATCH)
            t = [text[id(when[i])] for i in range(start, stop)]
            raw.executemany(
                sql,
                [
                    (story_id, comments[i], users[i], values[i], t[j], t[j])
                    for j, i in enumerate(range(start, stop))
                ],
            )
            progress("votes", stop, n)
        return
    table = Vote.__table__
    for start in range(0, n, VOTE_BATCH):
        rows = [
            {
                "story_id": story_id,
                "comment_id": comments[i],
                "user_id": users[i],
                "value": values[i],
                "created_at": when[i],
                "updated_at": when[i],
            }
            for i in range(start, min(n, start + VOTE_BATCH))
        ]
        conn.execute(table.insert(), rows)
        progress("votes", min(n, start + VOTE_BATCH), n)


def _ms(when: datetime | None) -> int | None:
    if when is None:
        return None
    return int(as_utc(when).timestamp() * 1000)


def export_conversation(story: Story) -> PolisConversation:
    """The story as a Pol.is conversation: original Pol.is ids where it was imported, fresh ones after
    them otherwise; each participant's group from the cached opinion groups."""
    comments = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.story_id == story.id, Comment.status != CommentStatus.DELETED)
            .order_by(Comment.id)
        )
    )
    known_c = dict(
        db.session.execute(
            select(PolisComment.comment_id, PolisComment.polis_id).where(PolisComment.story_id == story.id)
        ).all()
    )
    meta = set(
        db.session.scalars(
            select(PolisComment.comment_id).where(PolisComment.story_id == story.id, PolisComment.is_meta)
        )
    )
    votes = db.session.execute(
        select(Vote.user_id, Vote.comment_id, Vote.value, Vote.updated_at)
        .join(Comment, Comment.id == Vote.comment_id)
        .where(Vote.story_id == story.id, Comment.status != CommentStatus.DELETED)
    ).all()
    users = sorted({c.author_id for c in comments} | {row[0] for row in votes})
    known_u = dict(
        db.session.execute(
            select(PolisUser.user_id, PolisUser.polis_id).where(PolisUser.story_id == story.id)
        ).all()
    )
    xid_of = dict(
        db.session.execute(
            select(PolisUser.user_id, PolisUser.xid).where(PolisUser.story_id == story.id)
        ).all()
    )
    pid_of, cid_of = _numbering(users, known_u), _numbering([c.id for c in comments], known_c)
    cache = db.session.get(OpinionCache, story.id)
    positions = cache.positions if cache else {}
    participants = [
        PolisParticipant(pid_of[u], positions[str(u)][2] if str(u) in positions else None, xid_of.get(u))
        for u in users
    ]
    rows = [
        PolisRow(
            cid_of[c.id],
            c.body,
            pid_of[c.author_id],
            _ms(c.created_at),
            MODERATED_OF.get(c.status, 0),
            c.id in meta,
        )  # fmt: skip
        for c in comments
    ]
    arr = PolisVotes(
        np.asarray([pid_of[r[0]] for r in votes], dtype=np.int64),
        np.asarray([cid_of[r[1]] for r in votes], dtype=np.int64),
        np.asarray([r[2] for r in votes], dtype=np.int8),
        np.asarray([_ms(r[3]) or -1 for r in votes], dtype=np.int64),
    )
    return PolisConversation(
        topic=story.headline,
        description=story.lede or (story.question if story.question != story.headline else ""),
        url=story.source_url or "",
        comments=rows,
        votes=arr,
        participants=participants,
    )


def _numbering(ids: list[int], known: dict[int, int]) -> dict[int, int]:
    """Keep known Pol.is ids; number the others after the largest one."""
    out, nxt = {}, max(known.values(), default=-1) + 1
    for i in ids:
        if i in known:
            out[i] = known[i]
        else:
            out[i], nxt = nxt, nxt + 1
    return out
