"""Reading existing discussions from other systems: a Disqus XML export, a WordPress WXR export, or the
forum's own JSON shape (that of ``forum/demo/rsp_story.json``). Pure parsing: files in, plain dataclasses
out, with the line each record starts on, so a malformed file is refused naming the file and the line.
:mod:`forum.services.discussion_import` stores the result in one transaction.

The formats are described in the README ("Importing discussions").
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.parsers import expat

from forum.sanitize import html_to_text

FORMATS = ("disqus", "wxr", "json")
SIDES = ("agree", "disagree", "unsure")


class MalformedFile(ValueError):
    """The file cannot be imported; the message names the file and the line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.reason = path, line, message
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass
class ImportedStory:
    key: str
    headline: str
    question: str = ""
    slug: str = ""
    lede: str = ""
    body: str = ""
    source_url: str = ""
    source_name: str = ""
    published_at: datetime | None = None
    line: int = 0


@dataclass
class ImportedReader:
    key: str
    username: str
    display_name: str
    line: int = 0


@dataclass
class ImportedComment:
    key: str
    story_key: str
    author_key: str
    body: str
    created_at: datetime
    parent_key: str | None = None
    side: str | None = None
    status: str = "published"  # or pending, rejected, deleted
    line: int = 0


@dataclass
class Discussion:
    path: str
    format: str
    stories: list[ImportedStory] = field(default_factory=list)
    readers: dict[str, ImportedReader] = field(default_factory=dict)
    comments: list[ImportedComment] = field(default_factory=list)


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
        discussion = _read_json(name, text)
    elif fmt in ("disqus", "wxr"):
        root = _parse_xml(name, raw)
        discussion = _read_disqus(name, root) if fmt == "disqus" else _read_wxr(name, root)
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


# --- JSON -----------------------------------------------------------------------------------------------


def _line_decoder(text: str) -> json.JSONDecoder:
    """A JSON decoder that records in every object the line it starts on (as ``"__line__"``)."""
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None, *rest):
        start = s_and_end[1]
        obj, end = json.decoder.JSONObject(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo)
        obj["__line__"] = bisect.bisect_left(newlines, start) + 1
        return obj, end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the C scanner ignores parse_object
    return decoder


def _read_json(path: str, text: str) -> Discussion:
    try:
        data = _line_decoder(text).decode(text)
    except json.JSONDecodeError as exc:
        raise MalformedFile(path, exc.lineno, f"is not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise MalformedFile(path, 1, "must hold a JSON object with story, readers and comments")
    d = Discussion(path, "json")
    story = _obj(path, data, "story", data.get("__line__", 1))
    published = _json_time(path, story, "published_at", required=False)
    d.stories.append(
        ImportedStory(
            key="story",
            headline=_text(path, story, "headline", required=True),
            question=_text(path, story, "question"),
            slug=_text(path, story, "slug"),
            lede=_text(path, story, "lede"),
            body=_text(path, story, "body"),
            source_url=_text(path, story, "source_url"),
            source_name=_text(path, story, "source_name"),
            published_at=published,
            line=story["__line__"],
        )
    )
    for reader in _list(path, data, "readers"):
        username = _text(path, reader, "username", required=True)
        if username in d.readers:
            raise MalformedFile(path, reader["__line__"], f"reader {username!r} appears twice")
        display = _text(path, reader, "display_name") or username
        d.readers[username] = ImportedReader(username, username, display, reader["__line__"])
    start = published or datetime.now(UTC)
    for item in _list(path, data, "comments"):
        line = item["__line__"]
        key = _text(path, item, "id", required=True)
        side = item.get("side")
        if side not in (None, "", *SIDES):
            raise MalformedFile(
                path, line, f"comment {key!r} has side {side!r}; use agree, disagree, unsure or null"
            )
        if "created_at" in item:
            created = _json_time(path, item, "created_at", required=True)
        elif isinstance(item.get("minutes_after"), int | float) and not isinstance(
            item["minutes_after"], bool
        ):
            created = start + timedelta(minutes=item["minutes_after"])
        else:
            raise MalformedFile(path, line, f"comment {key!r} needs created_at (ISO 8601) or minutes_after")
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise MalformedFile(path, line, f"comment {key!r}: parent must be a comment id (text) or null")
        status = item.get("status", "published")
        if status not in ("published", "pending", "rejected", "deleted"):
            raise MalformedFile(path, line, f"comment {key!r} has an unknown status {status!r}")
        d.comments.append(
            ImportedComment(
                key=key,
                story_key="story",
                author_key=_text(path, item, "author", required=True),
                body=_text(path, item, "body", required=True),
                created_at=created,
                parent_key=parent,
                side=side or None,
                status=status,
                line=line,
            )
        )
    return d


def _obj(path: str, data: dict, name: str, line: int) -> dict:
    value = data.get(name)
    if not isinstance(value, dict):
        raise MalformedFile(path, line, f"needs an object {name!r}")
    return value


def _list(path: str, data: dict, name: str) -> list[dict]:
    value = data.get(name)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedFile(path, data.get("__line__", 1), f"needs a list of objects {name!r}")
    return value


def _text(path: str, data: dict, name: str, required: bool = False) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        what = "non-empty text" if required else "text"
        raise MalformedFile(path, data["__line__"], f"the field {name!r} must be {what}")
    return value


def _json_time(path: str, data: dict, name: str, required: bool) -> datetime | None:
    value = data.get(name)
    if value is None and not required:
        return None
    parsed = _iso(value) if isinstance(value, str) else None
    if parsed is None:
        raise MalformedFile(path, data["__line__"], f"the field {name!r} must be an ISO 8601 date and time")
    return parsed


def _iso(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- XML (Disqus, WordPress) ----------------------------------------------------------------------------


@dataclass
class _Node:
    local: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    text: str = ""

    def child(self, local: str) -> _Node | None:
        return next((c for c in self.children if c.local == local), None)

    def all(self, local: str) -> list[_Node]:
        return [c for c in self.children if c.local == local]

    def value(self, local: str, default: str = "") -> str:
        node = self.child(local)
        return node.text.strip() if node is not None else default

    def attr(self, local: str) -> str | None:
        return next((v for k, v in self.attrs.items() if k.rsplit(":", 1)[-1] == local), None)


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _parse_xml(path: str, raw: bytes) -> _Node:
    """The document as a tree of nodes that know their line (ElementTree does not keep lines). Entity
    declarations are refused (no entity expansion attacks; exports never have them)."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Node] = []
    roots: list[_Node] = []
    texts: list[list[str]] = []

    def start(name, attrs):
        node = _Node(_local(name), dict(attrs), parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
        texts.append([])

    def end(_name):
        stack.pop().text = "".join(texts.pop())

    def chars(data):
        if texts:
            texts[-1].append(data)

    def no_entities(*_args):
        raise MalformedFile(path, parser.CurrentLineNumber, "declares XML entities, which are not accepted")

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = no_entities
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise MalformedFile(
            path, exc.lineno, f"is not well-formed XML ({expat.ErrorString(exc.code)})"
        ) from None
    if not roots:
        raise MalformedFile(path, None, "is empty")
    return roots[0]


def _username(name: str, email: str = "") -> str:
    """A forum username for an imported author: letters, digits, dots, dashes, underscores (3-40)."""
    base = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "-" for ch in name.strip())
    base = "-".join(part for part in base.split("-") if part)[:34] or (
        email.split("@")[0][:34] if email else ""
    )
    return base if len(base) >= 3 else f"reader-{base}".strip("-")


def _reader(d: Discussion, key: str, name: str, email: str, line: int, username: str = "") -> str:
    if key not in d.readers:
        display = (name or username or "").strip()[:80] or "Imported reader"
        d.readers[key] = ImportedReader(key, _username(username or name or key, email), display, line)
    return key


def _xml_time(path: str, node: _Node, local: str, line: int) -> datetime:
    value = node.value(local)
    parsed = _iso(value.replace(" ", "T")) if value else None
    if parsed is None:
        raise MalformedFile(path, line, f"<{local}> must be a date and time, not {value!r}")
    return parsed


def _read_disqus(path: str, root: _Node) -> Discussion:
    if root.local != "disqus":
        raise MalformedFile(path, root.line, f"is not a Disqus export (its root element is <{root.local}>)")
    d = Discussion(path, "disqus")
    for thread in root.all("thread"):
        key = thread.attr("id")
        if not key:
            raise MalformedFile(path, thread.line, "a <thread> has no dsq:id")
        title = thread.value("title") or thread.value("link") or f"Imported thread {key}"
        d.stories.append(
            ImportedStory(
                key=key,
                headline=" ".join(title.split()),
                source_url=thread.value("link"),
                published_at=_xml_time(path, thread, "createdAt", thread.line)
                if thread.value("createdAt")
                else None,
                line=thread.line,
            )
        )
    for post in root.all("post"):
        key = post.attr("id")
        thread = post.child("thread")
        if not key or thread is None or not thread.attr("id"):
            raise MalformedFile(path, post.line, "a <post> needs a dsq:id and a <thread dsq:id=...>")
        author = post.child("author")
        if author is None:
            raise MalformedFile(path, post.line, f"post {key} has no <author>")
        name, email = author.value("name"), author.value("email")
        handle = author.value("username") or (f"email:{email.lower()}" if email else f"name:{name}")
        body = html_to_text(post.value("message"))
        status = "published"
        if post.value("isSpam") == "true":
            status = "rejected"
        if post.value("isDeleted") == "true":
            status = "deleted"
        if not body and status != "deleted":
            raise MalformedFile(path, post.line, f"post {key} has an empty <message>")
        parent = post.child("parent")
        d.comments.append(
            ImportedComment(
                key=key,
                story_key=thread.attr("id") or "",
                author_key=_reader(d, handle, name, email, author.line, author.value("username")),
                body=body or "[deleted]",
                created_at=_xml_time(path, post, "createdAt", post.line),
                parent_key=parent.attr("id") if parent is not None and parent.attr("id") else None,
                status=status,
                line=post.line,
            )
        )
    return d


WXR_STATUS = {"1": "published", "approve": "published", "0": "pending", "hold": "pending", "spam": "rejected"}


def _read_wxr(path: str, root: _Node) -> Discussion:
    channel = root.child("channel") if root.local == "rss" else None
    if channel is None:
        raise MalformedFile(
            path, root.line, f"is not a WordPress export (no <rss><channel>; root <{root.local}>)"
        )
    d = Discussion(path, "wxr")
    site = channel.value("title")
    for item in channel.all("item"):
        comments = [c for c in item.all("comment") if c.value("comment_type") in ("", "comment")]
        if not comments:
            continue  # posts and pages without comments are not imported
        key = item.value("post_id") or item.value("link")
        if not key:
            raise MalformedFile(path, item.line, "an <item> has neither <wp:post_id> nor <link>")
        date = item.value("post_date_gmt")
        d.stories.append(
            ImportedStory(
                key=key,
                headline=" ".join((item.value("title") or f"Imported post {key}").split()),
                lede="",
                source_url=item.value("link"),
                source_name=site,
                published_at=_xml_time(path, item, "post_date_gmt", item.line)
                if date and not date.startswith("0000")
                else None,
                line=item.line,
            )
        )
        for c in comments:
            cid = c.value("comment_id")
            if not cid:
                raise MalformedFile(path, c.line, "a <wp:comment> has no <wp:comment_id>")
            approved = c.value("comment_approved", "1")
            if approved == "trash":
                status = "deleted"
            elif approved in WXR_STATUS:
                status = WXR_STATUS[approved]
            else:
                raise MalformedFile(
                    path, c.line, f"comment {cid} has an unknown <wp:comment_approved> {approved!r}"
                )
            name, email = c.value("comment_author"), c.value("comment_author_email")
            handle = f"email:{email.lower()}" if email else f"name:{name}"
            body = html_to_text(c.value("comment_content"))
            if not body:
                raise MalformedFile(path, c.line, f"comment {cid} has an empty <wp:comment_content>")
            date_field = (
                "comment_date_gmt" if c.value("comment_date_gmt", "0000").strip("0-: ") else "comment_date"
            )
            parent = c.value("comment_parent", "0")
            d.comments.append(
                ImportedComment(
                    key=f"{key}/{cid}",
                    story_key=key,
                    author_key=_reader(d, handle, name, email, c.line),
                    body=body,
                    created_at=_xml_time(path, c, date_field, c.line),
                    parent_key=f"{key}/{parent}" if parent not in ("", "0") else None,
                    status=status,
                    line=c.line,
                )
            )
    return d


def describe(d: Discussion) -> dict[str, Any]:
    """What the file holds, for the command's summary."""
    return {
        "format": d.format,
        "stories": len(d.stories),
        "readers": len(d.readers),
        "comments": len(d.comments),
    }
