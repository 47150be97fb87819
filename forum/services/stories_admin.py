"""Editors' work on stories: create and edit them, write their question, choose their moderation mode,
open and close them. Every change is audited in the same transaction."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Story, StoryStatus, User
from forum.models.moderation import MODERATION_MODES
from forum.models.stories import DELETED_COMMENT_POLICIES
from forum.services import audit
from forum.services.errors import Conflict, InvalidInput, NotFound

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIMITS = {"headline": 300, "question": 300, "source_name": 120, "source_url": 500, "slug": 120}
EDITABLE = (
    "headline",
    "slug",
    "lede",
    "body",
    "source_url",
    "source_name",
    "question",
    "moderation_mode",
    "deleted_comments",
)


@dataclass
class StoryFields:
    headline: str = ""
    question: str = ""
    slug: str = ""
    lede: str = ""
    body: str = ""
    source_url: str = ""
    source_name: str = ""
    moderation_mode: str = "post"
    deleted_comments: str = "anonymise"


def get_story(story_id: int | str | None) -> Story:
    try:
        story = db.session.get(Story, int(story_id))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        story = None
    if story is None:
        raise NotFound("There is no such story.")
    return story


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-") or "story"


def _unique_slug(base: str, story_id: int | None) -> str:
    slug, n = base, 2
    while db.session.scalar(select(Story.id).where(Story.slug == slug, Story.id != (story_id or -1))):
        slug = f"{base[:110]}-{n}"
        n += 1
    return slug


def _clean(fields: StoryFields, story: Story | None) -> dict:
    values = {name: " ".join((getattr(fields, name) or "").split()) for name in LIMITS}
    values["lede"] = (fields.lede or "").replace("\r\n", "\n").strip()
    values["body"] = (fields.body or "").replace("\r\n", "\n").strip()
    values["moderation_mode"] = fields.moderation_mode or "post"
    values["deleted_comments"] = fields.deleted_comments or "anonymise"
    if not values["headline"]:
        raise InvalidInput("Every story needs a headline.", field="headline")
    if not values["question"]:
        raise InvalidInput("Write the question the story puts to readers.", field="question")
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            raise InvalidInput(f"The {name.replace('_', ' ')} can be at most {limit} characters.", field=name)
    if values["moderation_mode"] not in MODERATION_MODES:
        raise InvalidInput(
            f"Choose a moderation mode: {', '.join(MODERATION_MODES)}.", field="moderation_mode"
        )
    if values["deleted_comments"] not in DELETED_COMMENT_POLICIES:
        raise InvalidInput(
            "Choose what happens to a deleted reader's comments: anonymise or remove.",
            field="deleted_comments",
        )
    url = values["source_url"]
    if url and (urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc):
        raise InvalidInput("The source link must be an http or https address.", field="source_url")
    slug = values["slug"].lower()
    if slug and not SLUG_RE.match(slug):
        raise InvalidInput("Slugs are lower-case letters, digits and single dashes.", field="slug")
    if slug:
        clash = db.session.scalar(
            select(Story.id).where(Story.slug == slug, Story.id != (story.id if story else -1))
        )
        if clash is not None:
            raise Conflict("Another story has that slug already.", field="slug")
    else:
        slug = story.slug if story is not None else _unique_slug(slugify(values["headline"]), None)
    values["slug"] = slug
    values["source_url"] = url or None
    values["source_name"] = values["source_name"] or None
    return values


def create_story(editor: User, fields: StoryFields) -> Story:
    """Create an open story with its question and moderation mode."""
    story = Story(**_clean(fields, None), status=StoryStatus.OPEN)
    db.session.add(story)
    db.session.flush()
    audit.record("story.created", editor, story=story, details={"headline": story.headline})
    db.session.flush()
    return story


def update_story(story: Story, editor: User, fields: StoryFields) -> Story:
    """Change a story's text, question or moderation mode; the audit entry lists what changed."""
    values = _clean(fields, story)
    changes = {
        name: [getattr(story, name), value] for name, value in values.items() if getattr(story, name) != value
    }
    if not changes:
        return story
    for name, (_, value) in changes.items():
        setattr(story, name, value)
    audit.record("story.edited", editor, story=story, details={"changed": changes})
    db.session.flush()
    return story


def set_story_status(story: Story, status: str, editor: User) -> Story:
    """Open a story for comments and votes, or close it (everything stays readable)."""
    if status not in (StoryStatus.OPEN, StoryStatus.CLOSED):
        raise InvalidInput("A story is open or closed.", field="status")
    if story.status == status:
        raise Conflict(f"The story is {status} already.")
    story.status = status
    audit.record("story.opened" if status == StoryStatus.OPEN else "story.closed", editor, story=story)
    db.session.flush()
    return story


def fields_of(story: Story) -> StoryFields:
    return StoryFields(**{name: getattr(story, name) or "" for name in EDITABLE})


def fields_from(values: dict, base: StoryFields | None = None) -> StoryFields:
    """Story fields from a mapping (the API's JSON, the command line's options): the fields it names over
    ``base`` (a story's current fields, for a change) or the defaults. Unknown names are refused; the values
    are checked by :func:`create_story` and :func:`update_story`, as for the editor's form."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"Unknown story field(s): {', '.join(unknown)}.", field=unknown[0])
    fields = base or StoryFields()
    for name, value in values.items():
        if value is None:
            continue  # null: keep the value (for a new story, the default)
        if not isinstance(value, str):
            raise InvalidInput(f"The {name.replace('_', ' ')} must be text.", field=name)
        setattr(fields, name, value)
    return fields


def story_rows() -> list[tuple[Story, dict[str, int]]]:
    """Every story, newest first, with its comment counts by status."""
    counts: dict[int, dict[str, int]] = {}
    for story_id, status, n in db.session.execute(
        select(Comment.story_id, Comment.status, func.count()).group_by(Comment.story_id, Comment.status)
    ):
        counts.setdefault(story_id, {})[status] = n
    stories = db.session.scalars(select(Story).order_by(Story.created_at.desc(), Story.id.desc()))
    return [(s, counts.get(s.id, {})) for s in stories]


def stories_by_headline() -> list[Story]:
    """Every story, by headline (the editors' story pickers)."""
    return list(db.session.scalars(select(Story).order_by(Story.headline)))
