"""Storing an imported discussion (:mod:`forum.interop.discussions`) and creating accounts in bulk.

Everything is added in the caller's transaction and flushed, never committed: a file is imported whole or
not at all. Imported readers get no password (they cannot sign in until an admin gives them one, as the
demo's readers); imported comments keep their threads, dates, sides and moderation state, and skip the
new-comment screening (they were moderated where they came from)."""

from __future__ import annotations

import csv
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from forum.extensions import db
from forum.interop.discussions import Discussion, ImportedStory, MalformedFile
from forum.models import Comment, Story, User
from forum.sanitize import render_comment
from forum.services import accounts, audit, stories_admin
from forum.services.errors import ServiceError

DEFAULT_QUESTION = "What do you think?"


@dataclass
class ImportResult:
    stories: list[Story] = field(default_factory=list)
    created_stories: int = 0
    readers: int = 0
    comments: int = 0


def _taken(names: set[str]) -> set[str]:
    lowered = [n.lower() for n in names]
    found: set[str] = set()
    for start in range(0, len(lowered), 500):
        chunk = lowered[start : start + 500]
        found |= set(
            db.session.scalars(select(func.lower(User.username)).where(func.lower(User.username).in_(chunk)))
        )
    return found


def _unique_usernames(wanted: list[str]) -> list[str]:
    """``wanted`` made unique among themselves and against existing accounts (a suffix -2, -3 ...): an import
    never takes over an existing account."""
    candidates = {w for w in wanted} | {f"{w[:36]}-{n}" for w in wanted for n in range(2, 6)}
    taken = _taken(candidates)
    out = []
    for name in wanted:
        choice, n = name, 2
        while choice.lower() in taken:
            choice = f"{name[:36]}-{n}"
            n += 1
        taken.add(choice.lower())
        out.append(choice)
    return out


def _story_for(item: ImportedStory, question: str | None, path: str) -> tuple[Story, bool]:
    """The forum story for an imported thread: the one with its slug or source link, or a new one."""
    existing = None
    if item.slug:
        existing = db.session.scalar(select(Story).where(Story.slug == item.slug))
    if existing is None and item.source_url:
        existing = db.session.scalar(select(Story).where(Story.source_url == item.source_url).limit(1))
    if existing is not None:
        return existing, False
    fields = stories_admin.StoryFields(
        headline=item.headline[:300],
        question=item.question or question or DEFAULT_QUESTION,
        slug=item.slug,
        lede=item.lede,
        body=item.body,
        source_url=item.source_url[:500] if item.source_url.startswith(("http://", "https://")) else "",
        source_name=item.source_name[:120],
    )
    try:
        story = stories_admin.create_story(None, fields)
    except ServiceError as exc:
        raise MalformedFile(path, item.line, exc.message) from None
    if item.published_at is not None:
        story.published_at = story.created_at = item.published_at
    return story, True


def import_discussion(d: Discussion, *, question: str | None = None) -> ImportResult:
    """Add ``d``'s stories (or find them), readers and comments. Raises :class:`MalformedFile` for content
    the forum refuses (an over-long comment, a story without a headline), naming the line."""
    result = ImportResult()
    stories: dict[str, Story] = {}
    for item in d.stories:
        if not any(c.story_key == item.key for c in d.comments):
            continue
        stories[item.key], created = _story_for(item, question, d.path)
        result.created_stories += created
    result.stories = list(stories.values())

    keys = list(d.readers)
    names = _unique_usernames([d.readers[k].username for k in keys])
    users = {
        k: User(username=name, display_name=d.readers[k].display_name[:80], password_hash=None)
        for k, name in zip(keys, names, strict=True)
    }
    db.session.add_all(users.values())
    db.session.flush()
    result.readers = len(users)

    limit = current_app.config["FORUM_MAX_COMMENT_LENGTH"]
    by_key = {c.key: c for c in d.comments}
    stored: dict[str, Comment] = {}

    def depth(key: str) -> int:
        n, node = 0, by_key[key]
        while node.parent_key is not None:
            n, node = n + 1, by_key[node.parent_key]
        return n

    for item in sorted(d.comments, key=lambda c: (depth(c.key), c.created_at)):  # parents first
        text = item.body.replace("\r\n", "\n").strip()
        if len(text) > limit:
            raise MalformedFile(
                d.path,
                item.line,
                f"comment {item.key!r} has {len(text):,} characters; the limit is {limit:,}",
            )
        parent = stored.get(item.parent_key) if item.parent_key else None
        comment = Comment(
            story_id=stories[item.story_key].id,
            author_id=users[item.author_key].id,
            **Comment.thread_position(parent),
            body=text,
            body_html=render_comment(text),
            side=item.side,
            status=item.status,
            created_at=item.created_at,
        )
        db.session.add(comment)
        stored[item.key] = comment
        if item.key in _parents(d):
            db.session.flush()  # a reply needs its parent's id
    db.session.flush()
    result.comments = len(stored)
    for story in result.stories:
        n = sum(1 for c in stored.values() if c.story_id == story.id)
        audit.record(
            "comment.imported", None, story=story, details={"comments": n, "file": d.path, "format": d.format}
        )
        story.map_changes_pending = (story.map_changes_pending or 0) + n
    db.session.flush()
    return result


def _parents(d: Discussion) -> set[str]:
    cached = getattr(d, "_parent_keys", None)
    if cached is None:
        cached = {c.parent_key for c in d.comments if c.parent_key}
        d._parent_keys = cached  # type: ignore[attr-defined]
    return cached


# --- accounts in bulk -----------------------------------------------------------------------------------

USER_COLUMNS = ("username", "display_name", "role", "password", "email")


def create_users(text: str, path: str = "users.csv") -> list[User]:
    """Create the accounts of a CSV file (a header row naming some of ``USER_COLUMNS``; ``username`` is
    required, ``role`` defaults to reader; an empty password makes an account that cannot sign in yet).
    All or nothing: a bad row raises :class:`MalformedFile` with its line, and nothing is created. The
    passwords are hashed in parallel first (hashing is nearly all the work, and it frees the GIL)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = sorted(set(header) - set(USER_COLUMNS))
    if "username" not in header or unknown:
        what = f"unknown column(s) {', '.join(unknown)}" if unknown else "no username column"
        raise MalformedFile(path, 1, f"{what}; the header names some of: {', '.join(USER_COLUMNS)}")
    rows = [(reader.line_num, row) for row in reader]
    method = current_app.config.get("FORUM_PASSWORD_HASH", "scrypt")

    def hashed(row: dict) -> str | None:
        password = row.get("password") or ""
        return generate_password_hash(password, method=method) if password else None

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashes = list(pool.map(hashed, [row for _, row in rows]))
    users: list[User] = []
    seen: dict[str, int] = {}
    emails: set[str] = set()
    for (line, row), password_hash in zip(rows, hashes, strict=True):
        username = (row.get("username") or "").strip()
        if username.lower() in seen:
            first = seen[username.lower()]
            raise MalformedFile(path, line, f"{username!r} appears twice (first on line {first})")
        seen[username.lower()] = line
        role = (row.get("role") or "reader").strip()
        password = row.get("password") or "x" * accounts.MIN_PASSWORD  # checked, not stored, when empty
        try:
            user = accounts.register_user(
                username, password, row.get("display_name"), role, password_hash=password_hash or "!"
            )
        except ServiceError as exc:
            raise MalformedFile(path, line, exc.message) from None
        if password_hash is None:
            user.password_hash = None  # no password yet: the account cannot sign in until it gets one
        email = (row.get("email") or "").strip().lower()
        if email:
            taken = email in emails or db.session.scalar(select(User.id).where(User.email == email))
            if "@" not in email or taken:
                raise MalformedFile(path, line, f"the email address {email!r} is not valid or is taken")
            emails.add(email)
            user.email = email
        users.append(user)
    if not users:
        raise MalformedFile(path, None, "holds no accounts")
    db.session.flush()
    return users
