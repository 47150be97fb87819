"""Reading the forum's own JSON shape of a discussion (that of ``forum/demo/rsp_story.json``): one story,
its readers and its comments, each object remembered with the line it starts on."""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from datetime import UTC, datetime, timedelta

from forum.interop.discussion_types import (
    SIDES,
    Discussion,
    ImportedComment,
    ImportedReader,
    ImportedStory,
    MalformedFile,
    parse_iso,
)
from forum.statuses import COMMENT_STATUSES, CommentStatus


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


def read_json(path: str, text: str) -> Discussion:
    """The discussion in ``text`` (the file ``path``); raises :class:`MalformedFile` naming the line."""
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
        status = item.get("status", CommentStatus.PUBLISHED)
        if status not in COMMENT_STATUSES:
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
    parsed = parse_iso(value) if isinstance(value, str) else None
    if parsed is None:
        raise MalformedFile(path, data["__line__"], f"the field {name!r} must be an ISO 8601 date and time")
    return parsed
