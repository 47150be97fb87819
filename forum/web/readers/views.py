"""What readers see and do: stories, threads, posting, editing, voting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import jobs
from forum.models import CommentStatus, Story
from forum.services import comments as comment_service
from forum.services import votes as vote_service
from forum.services.errors import ServiceError
from forum.web import limits, transactions
from forum.web.caching import cached_for_anonymous
from forum.web.errors import wants_json
from forum.web.forms import require_valid
from forum.web.navigation import safe_next
from forum.web.readers.forms import ActionForm, CommentForm, EditForm

MAP_DELAYED = (
    "Background processing is paused for a moment, so the debate map will take your comment in a little "
    "later. Nothing is lost."
)

bp = Blueprint("readers", __name__)


def _page_arg() -> int:
    try:
        return int(request.args.get("page", 1))
    except ValueError:
        abort(400, "The page number must be a whole number.")


def _render_story(story: Story, form: CommentForm | None = None, error: ServiceError | None = None):
    sort = request.args.get("sort", "newest")
    threads = comment_service.thread_page(story, sort=sort, page=_page_arg(), viewer=current_user)
    status = error.status if error else 200
    return (
        render_template(
            "readers/story.html",
            story=story,
            threads=threads,
            form=form or CommentForm(formdata=None),
            action_form=ActionForm(formdata=None),
            error=error,
            editable=lambda c: comment_service.editable(c, current_user),
        ),
        status,
    )


@bp.get("/")
def home():
    return render_template("readers/home.html", stories=comment_service.front_page_stories())


@bp.get("/stories/<slug>")
@cached_for_anonymous
def story(slug: str):
    return _render_story(comment_service.get_story(slug))


@bp.get("/stories/<slug>/threads/<int:root_id>")
def thread(slug: str, root_id: int):
    story = comment_service.get_story(slug)
    threads = comment_service.single_thread(story, root_id, viewer=current_user)
    return render_template(
        "readers/thread.html",
        story=story,
        threads=threads,
        form=CommentForm(formdata=None),
        action_form=ActionForm(formdata=None),
        editable=lambda c: comment_service.editable(c, current_user),
    )


@bp.post("/stories/<slug>/comments")
@login_required
@limits.post
def post_comment(slug: str):
    story = comment_service.get_story(slug)
    form = CommentForm()
    require_valid(form)
    try:
        comment = comment_service.post_comment(
            story,
            current_user,
            form.body.data,
            side=form.side.data,
            parent_id=form.parent_id.data,
            idempotency_key=form.idempotency_key.data,
        )
    except ServiceError as exc:
        if wants_json():
            raise
        return _render_story(story, form=form, error=exc)
    if wants_json():
        return jsonify(id=comment.id, status=comment.status, html=comment.body_html), 201
    if comment.status == CommentStatus.PENDING:
        flash("Thanks! Your comment is held for moderation and appears once an editor approves it.", "info")
    else:
        flash("Your comment is posted.", "success")
    transactions.after_commit(_note_map_delayed)
    return redirect(url_for("readers.story", slug=story.slug, _anchor=f"c{comment.id}"), code=303)


def _note_map_delayed() -> None:
    """Once the comment is committed its embedding job is queued; if the queue was down, say so."""
    if jobs.delayed():
        flash(MAP_DELAYED, "info")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
@limits.post
def edit_comment(comment_id: int):
    comment = comment_service.get_comment(comment_id)
    form = EditForm(obj=comment) if request.method == "GET" else EditForm()
    error = None
    if request.method == "POST":
        require_valid(form)
        try:
            comment_service.edit_comment(comment, current_user, form.body.data, form.side.data)
        except ServiceError as exc:
            error = exc
        else:
            if comment.status == CommentStatus.PENDING:
                flash("Your comment is sent back to the editors: it appears once one approves it.", "info")
            else:
                flash("Your comment is updated.", "success")
            return redirect(
                url_for("readers.story", slug=comment.story.slug, _anchor=f"c{comment.id}"), code=303
            )
    elif not comment_service.editable(comment, current_user):
        abort(403, "You can only edit your own comments, within the edit window.")
    left = comment_service.edit_seconds_left(comment)
    page = render_template(
        "readers/edit.html",
        comment=comment,
        form=form,
        error=error,
        seconds_left=left,
        deadline=datetime.now(UTC) + timedelta(seconds=left or 0),
    )
    return page, (error.status if error else 200)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    comment = comment_service.get_comment(comment_id)
    require_valid(ActionForm())
    comment_service.delete_comment(comment, current_user)
    flash("Your comment is deleted.", "success")
    return redirect(url_for("readers.story", slug=comment.story.slug), code=303)


@bp.post("/comments/<int:comment_id>/vote")
@login_required
@limits.vote
def vote(comment_id: int):
    comment = comment_service.get_comment(comment_id)
    form = ActionForm()
    require_valid(form)
    counts = vote_service.cast_vote(comment, current_user, form.vote.data)
    if wants_json():
        return jsonify(comment=comment.id, vote=form.vote.data, counts=counts)
    back = safe_next(request.form.get("next"))
    return redirect(
        back or url_for("readers.story", slug=comment.story.slug, _anchor=f"c{comment.id}"), code=303
    )
