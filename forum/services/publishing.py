"""Publishing a story's debate map and exporting it (JSON, CSV) for reports."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from forum import spreadsheet
from forum.extensions import db
from forum.models import Comment, CommentStatus, PublishedMap, Story, User, ViewpointMember
from forum.sanitize import plain_text
from forum.services import audit
from forum.services.debate_map import latest_publication, snapshot
from forum.services.errors import Conflict
from forum.services.review import check_version, what_changed


def publish(story: Story, editor: User, seen_version) -> PublishedMap:
    """Publish the map as the editor saw it (hidden viewpoints left out). Unlike an edit, publishing is not
    reapplied to a map that changed since the editor's page loaded: readers would see what no editor has
    looked at, so it is refused, saying what changed."""
    if check_version(story, seen_version):
        raise Conflict(
            f"Not published: since this page was loaded, {what_changed(story)}. Look over the map as it is "
            "now and publish again."
        )
    return _publish(story, editor)


def _publish(story: Story, editor: User, **details) -> PublishedMap:
    data = snapshot(story)
    publication = PublishedMap(story_id=story.id, published_by_id=editor.id, data=data)
    db.session.add(publication)
    audit.record(
        "map.publish", editor, story=story, details={"viewpoints": len(data["viewpoints"]), **details}
    )
    db.session.flush()
    return publication


def set_auto_publish(story: Story, editor: User, enabled: bool) -> str:
    """Switch auto-publish on (readers see the live map) or off (readers see the last published map). Off
    with nothing ever published publishes the live map first, so readers keep the map they were seeing
    instead of none. Returns what readers see now, in words."""
    story.map_auto_publish = bool(enabled)
    audit.record("map.auto_publish", editor, story=story, details={"enabled": bool(enabled)})
    db.session.flush()
    if enabled:
        return "Auto-publish is on: readers now see the live map."
    if latest_publication(story) is None:
        _publish(story, editor, reason="auto-publish switched off with nothing published")
        return (
            "Auto-publish is off. Nothing had been published yet, so the current map was published first: "
            "readers keep seeing it until you publish again."
        )
    return "Auto-publish is off: readers now see the last published map."


def _statement(s) -> dict[str, Any]:
    return {
        "comment_id": s.comment.id,
        "text": plain_text(s.comment.body),
        "direction": s.direction,
        "pct": s.pct,
        "pct_rest": s.pct_rest,
        "group_pcts": list(s.group_pcts),
    }


def opinion_overview(story: Story, viewer: User | None = None):
    """The story's opinion groups as the opinions service gives them (:mod:`forum.services.opinions`):
    with each group's representative statements for a staff ``viewer``, the groups alone otherwise."""
    from forum.services import opinions

    if viewer is not None and getattr(viewer, "is_staff", False):
        return opinions.read_opinions(story, viewer)
    return opinions.story_overview(story)


def _opinion_groups(overview) -> list[dict[str, Any]]:
    return [
        {
            "index": g.index,
            "name": g.name,
            "size": g.size,
            "share_pct": g.share_pct,
            "statements": [_statement(s) for s in g.statements],
        }
        for g in overview.groups
    ]


def export_document(story: Story, viewer: User | None = None) -> dict[str, Any]:
    """The map as data: viewpoints with their member comments and vote counts, the opinion groups (with
    their representative statements when ``viewer`` is an editor) and the common ground."""
    data = snapshot(story)
    ids = [cid for v in data["viewpoints"] for cid in v["member_ids"]]
    comments = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))} if ids else {}
    )
    for v in data["viewpoints"]:
        v["members"] = [
            {
                "id": cid,
                "text": plain_text(comments[cid].body),
                "side": comments[cid].side,
                "author": comments[cid].author.display_name,
                "votes": {
                    "agree": comments[cid].agree_count,
                    "disagree": comments[cid].disagree_count,
                    "pass": comments[cid].pass_count,
                },
            }
            for cid in v.pop("member_ids")
            if cid in comments
        ]
    overview = opinion_overview(story, viewer)
    data["opinion_groups"] = _opinion_groups(overview)
    data["common_ground"] = [_statement(s) for s in overview.common_ground]
    data["divisive"] = [_statement(s) for s in overview.divisive]
    data["exported_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return data


CSV_COLUMNS = [
    "viewpoint_id",
    "viewpoint",
    "viewpoint_side",
    "comment_id",
    "author",
    "side",
    "agree",
    "disagree",
    "pass",
    "text",
]


def export_csv(story: Story) -> str:
    """One row per comment on the map, with its viewpoint and vote counts."""
    out = io.StringIO()
    writer = spreadsheet.writer(out)  # formula cells neutralised
    writer.writerow(CSV_COLUMNS)
    for v in export_document(story)["viewpoints"]:
        for m in v["members"]:
            writer.writerow(
                [
                    v["id"],
                    v["title"],
                    {1: "agree", -1: "disagree"}.get(v["side"], "mixed"),
                    m["id"],
                    m["author"],
                    m["side"] or "",
                    m["votes"]["agree"],
                    m["votes"]["disagree"],
                    m["votes"]["pass"],
                    m["text"],
                ]
            )
    return out.getvalue()


def unplaced_count(story: Story) -> int:
    placed = select(ViewpointMember.comment_id).where(ViewpointMember.story_id == story.id)
    return (
        db.session.scalar(
            select(db.func.count())
            .select_from(Comment)
            .where(
                Comment.story_id == story.id,
                Comment.status == CommentStatus.PUBLISHED,
                Comment.id.not_in(placed),
            )
        )
        or 0
    )
