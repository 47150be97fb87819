"""The one place that turns reader text into safe HTML.

Readers write light Markdown (paragraphs, *emphasis*, links, > quotes, lists, `code`). It is rendered with
Python-Markdown and then cleaned with bleach against a small allowlist; every link gets
``rel="nofollow ugc noopener"``. Nothing else in the project calls bleach or Markdown directly.
"""

from __future__ import annotations

import html as htmllib
import re

import bleach
import markdown
from bleach.linkifier import Linker

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "a", "blockquote", "code", "ul", "ol", "li"})
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True
)


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_linker = Linker(callbacks=[_set_rel], parse_email=False, skip_tags={"code"})
_BLANK_PARAGRAPH = re.compile(r"<p>\s*</p>")


def _markdown(text: str) -> str:
    # Raw HTML typed by a reader is shown as the text they typed, never interpreted.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return markdown.markdown(escaped, output_format="html")


def render_comment(text: str) -> str:
    """Render a reader's Markdown to sanitised HTML (safe to mark ``|safe`` in templates)."""
    html = _markdown(text)
    cleaned = _cleaner.clean(html)
    linked = _linker.linkify(cleaned)
    return _BLANK_PARAGRAPH.sub("", linked).strip()


def plain_text(text: str) -> str:
    """The comment's text without any markup, for analysis and previews."""
    stripped = bleach.clean(_markdown(text), tags=set(), strip=True)
    return re.sub(r"\s+", " ", htmllib.unescape(stripped)).strip()
