"""The debate map pages: the map with its list view, one viewpoint with all its comments, comment links."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from forum.models import CommentStatus
from forum.services import comments as comment_service
from forum.services import debate_map
from forum.web.caching import cached_for_anonymous

bp = Blueprint("maps", __name__)


@bp.get("/stories/<slug>/map")
@cached_for_anonymous
def story_map(slug: str):
    story = comment_service.get_story(slug)
    return render_template("maps/map.html", story=story, view=debate_map.published_map(story))


@bp.get("/stories/<slug>/map/viewpoints/<int:viewpoint_id>")
def viewpoint(slug: str, viewpoint_id: int):
    story = comment_service.get_story(slug)
    vp = debate_map.get_viewpoint(story, viewpoint_id)
    if vp.hidden:
        return render_template(
            "errors/error.html", message="There is no such viewpoint on this story.", status=404
        ), 404
    return render_template(
        "maps/viewpoint.html",
        story=story,
        vp=vp,
        members=debate_map.viewpoint_members(vp),
        also=debate_map.viewpoint_secondaries(vp),
    )


@bp.get("/comments/<int:comment_id>")
def comment_link(comment_id: int):
    """A stable link to a comment: its whole thread, scrolled to the comment."""
    comment = comment_service.get_comment(comment_id)
    if comment.status not in (CommentStatus.PUBLISHED, CommentStatus.DELETED):
        return render_template("errors/error.html", message="This comment is not public.", status=404), 404
    root = comment.root_id or comment.id
    return redirect(
        url_for("readers.thread", slug=comment.story.slug, root_id=root, _anchor=f"c{comment.id}"), code=302
    )
