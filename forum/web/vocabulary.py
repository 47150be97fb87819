"""The words the pages use for a reader's side and for audit actions, in one place.

A side is the reader's answer to the story's question; it must not read like the Agree / Disagree buttons
that vote on other readers' comments, so sides are "Says yes" / "Says no" / "Unsure" everywhere (comment
badges, the comment form, the map, the widget, the report)."""

from __future__ import annotations

from flask import Flask

from forum.services.audit import describe

# A comment's side (Comment.side) or a viewpoint's side (Viewpoint.side_name) -> its badge.
SIDE_WORDS = {
    "agree": "Says yes",
    "disagree": "Says no",
    "unsure": "Unsure",
    "mixed": "Mixed sides",
}
# The choices on the comment form, answering the question.
SIDE_CHOICES = [
    ("agree", "Yes"),
    ("disagree", "No"),
    ("unsure", "Unsure"),
    ("", "Rather not say"),
]


def side_words(side: str | None) -> str:
    """The badge for a side ("agree" -> "Says yes"); empty for no side."""
    return SIDE_WORDS.get(side or "", "")


def register(app: Flask) -> None:
    app.add_template_filter(side_words, "side_words")
    app.add_template_filter(describe, "audit_words")
    app.add_template_global(SIDE_CHOICES, "side_choices")
