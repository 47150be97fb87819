"""Models and service results as the JSON the API documents (see ``schema.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from forum.models import Comment, Story, User, Viewpoint
from forum.services.debate_map import MapView, Reaction, SnapshotViewpoint, ViewpointView
from forum.times import as_utc


def when(value: datetime | None) -> str | None:
    """RFC 3339 with an offset (SQLite hands back naive datetimes, which are UTC)."""
    if value is None:
        return None
    return as_utc(value).isoformat()


def user(u: User, *, private: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"id": u.id, "display_name": u.display_name}
    if private:
        data.update(username=u.username, role=u.role, status=u.status)
    return data


def story(s: Story) -> dict[str, Any]:
    return {
        "id": s.id,
        "slug": s.slug,
        "headline": s.headline,
        "lede": s.lede or "",
        "question": s.question,
        "status": s.status,
        "source_url": s.source_url,
        "source_name": s.source_name,
        "published_at": when(s.published_at),
        "url": url_for("readers.story", slug=s.slug),
    }


def comment(c: Comment) -> dict[str, Any]:
    hidden = c.status == "deleted"
    return {
        "id": c.id,
        "story_id": c.story_id,
        "parent_id": c.parent_id,
        "root_id": c.root_id,
        "depth": c.depth,
        "author": None if hidden else user(c.author),
        "body": None if hidden else c.body,
        "html": None if hidden else c.body_html,
        "side": None if hidden else c.side,
        "status": c.status,
        "counts": counts(c),
        "created_at": when(c.created_at),
        "edited_at": when(c.edited_at),
    }


def counts(c: Comment) -> dict[str, int]:
    return {"agree": c.agree_count, "disagree": c.disagree_count, "pass": c.pass_count}


def _reaction(r: Reaction) -> dict[str, int]:
    return {"agree": r.agree, "disagree": r.disagree, "pass": r.passed}


def viewpoint(v: Viewpoint | SnapshotViewpoint, quotes: list[Comment], reaction: Reaction) -> dict[str, Any]:
    return {
        "id": v.id,
        "headline": v.headline,
        "title": getattr(v, "title", None) or None,
        "summary": getattr(v, "editor_summary", None) or None,
        "side": v.side_name,
        "share": float(v.share or 0.0),
        "n_members": v.n_members,
        "n_authors": v.n_authors,
        "key_phrases": [str(p) for p in (v.key_phrases or [])],
        "is_other": bool(v.is_other),
        "x": v.x,
        "y": v.y,
        "radius": v.radius,
        "theme": getattr(v, "theme", None) or None,
        "secondary_ids": [int(i) for i in (getattr(v, "secondary_ids", None) or [])],
        "quotes": [comment(q) for q in quotes],
        "quote_sentences": {
            str(q.id): s for q in quotes if (s := (getattr(v, "quote_sentences", None) or {}).get(str(q.id)))
        },
        "reaction": _reaction(reaction),
    }


def _view(vv: ViewpointView) -> dict[str, Any]:
    return viewpoint(vv.viewpoint, vv.quotes, vv.reaction)


def debate_map(view: MapView) -> dict[str, Any]:
    return {
        "story": view.story.slug,
        "ready": view.ready,
        "n_comments": view.n_comments,
        "n_commenters": view.n_commenters,
        "n_placed": view.n_placed,
        "viewpoints": [_view(v) for v in view.viewpoints],
        "other": _view(view.other) if view.other is not None else None,
        "is_live": bool(getattr(view, "is_live", True)),
        "published_at": when(getattr(view, "published_at", None)),
    }


def _statement(st: Any) -> dict[str, Any]:
    return {
        "comment": comment(st.comment),
        "direction": st.direction,
        "pct": int(st.pct),
        "pct_rest": int(st.pct_rest),
        "group_pcts": [int(p) for p in st.group_pcts],
        "n": int(st.n),
        "of": int(st.of),
        "n_rest": int(st.n_rest),
        "of_rest": int(st.of_rest),
    }


def opinion_groups(page: Any, need: int) -> dict[str, Any]:
    """A :class:`forum.services.opinions.OpinionsPage`: groups for everyone, ``is_mine`` once the reader has
    voted enough."""
    return {
        "story": page.story.slug,
        "ready": page.cache is not None,
        "can_see": bool(page.can_see),
        "n_voted": int(page.n_voted),
        "votes_needed": need,
        "groups": [
            {
                "index": int(g.index),
                "name": g.name,
                "label": g.label,
                "size": int(g.size),
                "share_pct": int(g.share_pct),
                "is_mine": bool(g.is_mine),
                "statements": [_statement(st) for st in g.statements],
            }
            for g in page.groups
        ],
        "common_ground": [_statement(st) for st in page.common_ground],
        "divisive": [_statement(st) for st in page.divisive],
    }


def page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    following = offset + limit
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": following if following < total else None,
    }
