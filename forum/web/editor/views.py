"""The editor's workspace: dashboard, stories and the audit log (moderation lives in ``moderation.py``).

Every view declares its role with ``@requires``; :func:`guard` refuses any route here that does not.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.models.moderation import HOLD_REASONS, MODERATION_MODES
from forum.services import audit, moderation
from forum.services import stories_admin as stories
from forum.services.errors import ServiceError
from forum.web.editor.forms import CsrfForm, StoryForm
from forum.web.forms import require_valid
from forum.web.roles import guard, requires

bp = guard(Blueprint("editor", __name__, url_prefix="/editor"))


def int_arg(name: str, args=None) -> int | None:
    """An optional whole-number query argument (400 when it is not one)."""
    value = (request.args if args is None else args).get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        abort(400, f"The {name.replace('_', ' ')} must be a whole number.")


@bp.get("/")
@requires("editor")
def dashboard():
    return render_template(
        "editor/dashboard.html",
        counts=moderation.queue_counts(),
        rows=stories.story_rows(),
        recent=audit.entries(per_page=10).entries,
    )


@bp.get("/stories")
@requires("editor")
def story_list():
    return render_template("editor/stories.html", rows=stories.story_rows(), form=CsrfForm(formdata=None))


def _story_fields(form: StoryForm) -> stories.StoryFields:
    return stories.StoryFields(**{name: getattr(form, name).data or "" for name in stories.EDITABLE})


def _story_form_page(form: StoryForm, story=None, error: ServiceError | None = None):
    page = render_template(
        "editor/story_form.html", form=form, story=story, modes=MODERATION_MODES, error=error
    )
    return page, (error.status if error else 200)


@bp.route("/stories/new", methods=["GET", "POST"])
@requires("editor")
def story_new():
    form = StoryForm(formdata=None) if request.method == "GET" else StoryForm()
    if request.method == "GET":
        form.moderation_mode.data = "post"
        return _story_form_page(form)
    require_valid(form)
    try:
        story = stories.create_story(current_user, _story_fields(form))
    except ServiceError as exc:
        return _story_form_page(form, error=exc)
    flash(f"Story “{story.headline}” is created and open for comments.", "success")
    return redirect(url_for("editor.story_list"), code=303)


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
@requires("editor")
def story_edit(story_id: int):
    story = stories.get_story(story_id)
    if request.method == "GET":
        return _story_form_page(StoryForm(formdata=None, obj=stories.fields_of(story)), story)
    form = StoryForm()
    require_valid(form)
    try:
        stories.update_story(story, current_user, _story_fields(form))
    except ServiceError as exc:
        return _story_form_page(form, story, error=exc)
    flash("The story is saved.", "success")
    return redirect(url_for("editor.story_list"), code=303)


@bp.post("/stories/<int:story_id>/status")
@requires("editor")
def story_status(story_id: int):
    story = stories.get_story(story_id)
    require_valid(CsrfForm())
    stories.set_story_status(story, request.form.get("status", ""), current_user)
    flash(f"“{story.headline}” is now {story.status}.", "success")
    return redirect(url_for("editor.story_list"), code=303)


@bp.get("/audit")
@requires("editor")
def audit_log():
    page = audit.entries(
        action=request.args.get("action") or None,
        story_id=int_arg("story_id"),
        comment_id=int_arg("comment_id"),
        user_id=int_arg("user_id"),
        page=int_arg("page") or 1,
    )
    return render_template("editor/audit.html", page=page, args=request.args, reasons=HOLD_REASONS)
