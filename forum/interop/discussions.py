"""Reading existing discussions from other systems: a Disqus XML export, a WordPress WXR export, or the
forum's own JSON shape (that of ``forum/demo/rsp_story.json``). Pure parsing: files in, plain dataclasses
out (:mod:`forum.interop.discussion_types`), with the line each record starts on, so a malformed file is
refused naming the file and the line. The readers of each format are :mod:`forum.interop.discussion_json`
and :mod:`forum.interop.discussion_xml`; this module picks one, checks the references between records and
re-exports the dataclasses. :mod:`forum.services.discussion_import` stores the result in one transaction.

The formats are described in the README ("Importing discussions").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forum.interop.discussion_json import read_json
from forum.interop.discussion_types import (
    FORMATS,
    SIDES,
    Discussion,
    ImportedComment,
    ImportedReader,
    ImportedStory,
    MalformedFile,
)
from forum.interop.discussion_xml import WXR_STATUS, parse_xml, read_disqus, read_wxr

__all__ = [
    "FORMATS",
    "SIDES",
    "WXR_STATUS",
    "Discussion",
    "ImportedComment",
    "ImportedReader",
    "ImportedStory",
    "MalformedFile",
    "describe",
    "read",
]


def read(path: str | Path, fmt: str | None = None) -> Discussion:
    """Parse ``path`` (format from ``fmt``, or guessed from the content). Raises :class:`MalformedFile`."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise MalformedFile(name, None, f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MalformedFile(name, line, "is not UTF-8 text") from None
    fmt = fmt or _guess(text)
    if fmt == "json":
        discussion = read_json(name, text)
    elif fmt in ("disqus", "wxr"):
        root = parse_xml(name, raw)
        discussion = read_disqus(name, root) if fmt == "disqus" else read_wxr(name, root)
    else:
        raise MalformedFile(name, None, f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    _check_references(discussion)
    return discussion


def _guess(text: str) -> str:
    head = text.lstrip()[:2000]
    if head.startswith(("{", "[")):
        return "json"
    if "<disqus" in head:
        return "disqus"
    if "<rss" in head or "wordpress.org/export" in head:
        return "wxr"
    return "json" if not head.startswith("<") else "disqus"


def _check_references(d: Discussion) -> None:
    keys: dict[str, ImportedComment] = {}
    stories = {s.key for s in d.stories}
    for c in d.comments:
        if c.key in keys:
            raise MalformedFile(
                d.path, c.line, f"comment {c.key!r} appears twice (first on line {keys[c.key].line})"
            )
        keys[c.key] = c
        if c.story_key not in stories:
            raise MalformedFile(
                d.path, c.line, f"comment {c.key!r} belongs to an unknown thread {c.story_key!r}"
            )
        if c.author_key not in d.readers:
            raise MalformedFile(d.path, c.line, f"comment {c.key!r} names an unknown author {c.author_key!r}")
    for c in d.comments:
        if c.parent_key is None:
            continue
        parent = keys.get(c.parent_key)
        if parent is None:
            raise MalformedFile(
                d.path, c.line, f"comment {c.key!r} replies to an unknown comment {c.parent_key!r}"
            )
        if parent.story_key != c.story_key:
            raise MalformedFile(d.path, c.line, f"comment {c.key!r} replies to a comment of another thread")
        seen, node = {c.key}, parent
        while node.parent_key is not None:  # replies must end at a top-level comment
            if node.parent_key in seen:
                raise MalformedFile(d.path, c.line, f"comment {c.key!r} is part of a reply loop")
            seen.add(node.parent_key)
            node = keys[node.parent_key]
    if not d.comments:
        raise MalformedFile(d.path, None, "holds no comments to import")


def describe(d: Discussion) -> dict[str, Any]:
    """What the file holds, for the command's summary."""
    return {
        "format": d.format,
        "stories": len(d.stories),
        "readers": len(d.readers),
        "comments": len(d.comments),
    }
