"""The one place that turns reader text into safe HTML.

Readers write light Markdown (paragraphs, *emphasis*, links, > quotes, lists, `code`). It is rendered with
Python-Markdown and then cleaned with bleach against a small allowlist; every link gets
``rel="nofollow ugc noopener"``. Nothing else in the project calls bleach or Markdown directly.
"""

from __future__ import annotations

import html as htmllib
import re
import unicodedata
from urllib.parse import urlsplit

import bleach
import markdown
from bleach.linkifier import Linker

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "a", "blockquote", "code", "ul", "ol", "li"})
ALLOWED_PROTOCOLS = frozenset({"http", "https"})
LINK_REL = "nofollow ugc noopener"
# Characters that show nothing but are not whitespace to str.strip(): fillers that render as blanks.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def is_absolute_http_url(url: str | None) -> bool:
    """Whether ``url`` is an absolute http(s) URL naming a host: the only links readers' text keeps
    (relative ``b``, protocol-relative ``//evil.example/``, ``mailto:`` and the rest lose their link)."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_PROTOCOLS and bool(parts.hostname)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "rel":
        return True
    return name == "href" and is_absolute_http_url(value)


ALLOWED_ATTRIBUTES = {"a": _allowed_attribute}

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True
)


def _set_rel(attrs: dict, new: bool = False) -> dict | None:
    if not is_absolute_http_url(attrs.get((None, "href"))):
        return None  # the link goes, its text stays
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


def _invisible(char: str) -> bool:
    return (
        char.isspace()
        or char in _INVISIBLE_EXTRA
        or unicodedata.category(char) in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me")
    )


def is_blank(text: str | None) -> bool:
    """Whether ``text`` shows nothing: empty, whitespace, or only zero-width and other invisible characters
    (U+200B..U+200D, U+2060, U+FEFF, soft hyphens, combining marks alone, Hangul fillers...)."""
    return all(_invisible(c) for c in text or "")


def plain_text(text: str) -> str:
    """The comment's text without any markup, for analysis and previews."""
    stripped = bleach.clean(_markdown(text), tags=set(), strip=True)
    return re.sub(r"\s+", " ", htmllib.unescape(stripped)).strip()


_BLOCK_END = re.compile(r"</(p|div|blockquote|li|h[1-6])\s*>|<br\s*/?>", re.IGNORECASE)
_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL)


def html_to_text(html: str) -> str:
    """An imported comment's HTML (Disqus, WordPress) as the plain Markdown text readers write: paragraphs
    and line breaks kept, links as ``[text](url)`` when they are absolute http(s) links, every other tag
    dropped. The result is stored as the comment's body and rendered by :func:`render_comment`."""

    def link(match: re.Match) -> str:
        url, label = htmllib.unescape(match.group(1)), bleach.clean(match.group(2), tags=set(), strip=True)
        return f"[{label}]({url})" if is_absolute_http_url(url) and label.strip() else label

    text = _LINK.sub(link, html or "")
    text = _BLOCK_END.sub(lambda m: "\n" if m.group(0).lower().startswith("<br") else "\n\n", text)
    text = htmllib.unescape(bleach.clean(text, tags=set(), strip=True))
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
