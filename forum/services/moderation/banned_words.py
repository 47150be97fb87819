"""Banned words: the list of words and phrases (for every story or for one) whose use holds a comment."""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from forum.extensions import db
from forum.models import BannedWord, Story, User
from forum.services import audit
from forum.services.errors import Conflict, InvalidInput, NotFound


def _word_pattern(word: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)


def banned_words_in(text: str, story_id: int | None) -> list[str]:
    """The banned words (whole words or phrases, any case) that ``text`` uses, for this story."""
    words = db.session.scalars(
        select(BannedWord.word).where(or_(BannedWord.story_id.is_(None), BannedWord.story_id == story_id))
    )
    return sorted({w for w in words if _word_pattern(w).search(text)})


def list_banned_words() -> list[BannedWord]:
    return list(
        db.session.scalars(select(BannedWord).order_by(BannedWord.story_id.is_not(None), BannedWord.word))
    )


def add_banned_word(word: str | None, editor: User | None, story: Story | None = None) -> BannedWord:
    """Add a word or phrase (whole words, any case) to the list for every story or for one (``editor`` None:
    the system, from the command line)."""
    text = " ".join((word or "").split()).lower()
    if not text:
        raise InvalidInput("Type the word or phrase to hold comments for.", field="word")
    if len(text) > 100:
        raise InvalidInput("Banned words can be at most 100 characters.", field="word")
    story_id = story.id if story is not None else None
    clash = select(BannedWord).where(
        BannedWord.word == text,
        BannedWord.story_id.is_(None) if story_id is None else BannedWord.story_id == story_id,
    )
    if db.session.scalar(clash) is not None:
        raise Conflict(f"{text!r} is on the list already.", field="word")
    entry = BannedWord(word=text, story_id=story_id, added_by_id=editor.id if editor else None)
    db.session.add(entry)
    audit.record("banned_word.added", editor, story=story, details={"word": text})
    db.session.flush()
    return entry


def remove_banned_word(word_id: int, editor: User) -> None:
    entry = db.session.get(BannedWord, word_id)
    if entry is None:
        raise NotFound("That word is not on the list.")
    story = db.session.get(Story, entry.story_id) if entry.story_id else None
    audit.record("banned_word.removed", editor, story=story, details={"word": entry.word})
    db.session.delete(entry)
    db.session.flush()
