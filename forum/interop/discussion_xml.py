"""Reading XML exports of discussions: Disqus (``<disqus>``) and WordPress WXR (``<rss><channel>``).

The document is parsed with expat into a small tree whose nodes know their line (ElementTree does not keep
lines), so a malformed record is refused naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.parsers import expat

from forum.interop.discussion_types import (
    Discussion,
    ImportedComment,
    ImportedReader,
    ImportedStory,
    MalformedFile,
    parse_iso,
)
from forum.sanitize import html_to_text
from forum.statuses import CommentStatus


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


def parse_xml(path: str, raw: bytes) -> _Node:
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
    parsed = parse_iso(value.replace(" ", "T")) if value else None
    if parsed is None:
        raise MalformedFile(path, line, f"<{local}> must be a date and time, not {value!r}")
    return parsed


def read_disqus(path: str, root: _Node) -> Discussion:
    """A Disqus export's threads (stories), authors and posts; spam is rejected, deleted posts deleted."""
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
        status = CommentStatus.PUBLISHED
        if post.value("isSpam") == "true":
            status = CommentStatus.REJECTED
        if post.value("isDeleted") == "true":
            status = CommentStatus.DELETED
        if not body and status != CommentStatus.DELETED:
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


WXR_STATUS = {
    "1": CommentStatus.PUBLISHED,
    "approve": CommentStatus.PUBLISHED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.REJECTED,
}


def read_wxr(path: str, root: _Node) -> Discussion:
    """A WordPress export's posts that have comments (stories), their commenters and comments."""
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
                status = CommentStatus.DELETED
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
