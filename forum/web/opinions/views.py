"""Opinion groups for readers: the vote mode (one comment at a time) and the opinion map."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from forum.services import comments as comment_service
from forum.services import opinions as opinion_service
from forum.web import limits
from forum.web.forms import require_valid
from forum.web.roles import has_role, requires

bp = Blueprint("opinions", __name__)


class GroupNameForm(FlaskForm):
    """An editor's name for one opinion group (empty: back to the automatic name)."""

    group = HiddenField()
    name = StringField("Name")


class VoteModeForm(FlaskForm):
    """The CSRF token and the comment; the vote comes from the button pressed (no JavaScript needed)."""

    comment_id = HiddenField()
    vote = HiddenField()


@bp.get("/stories/<slug>/vote")
@login_required
def vote_mode(slug: str):
    story = comment_service.get_story(slug)
    step = opinion_service.next_comment(story, current_user)
    return render_template(
        "opinions/vote.html", story=story, step=step, form=VoteModeForm(formdata=None),
        need=opinion_service.MIN_VOTES_TO_SEE,
    )  # fmt: skip


@bp.post("/stories/<slug>/vote")
@login_required
@limits.vote
def vote_mode_post(slug: str):
    story = comment_service.get_story(slug)
    form = VoteModeForm()
    require_valid(form)
    opinion_service.vote_in_mode(story, current_user, form.comment_id.data, form.vote.data)
    if opinion_service.votes_cast(story, current_user) == opinion_service.MIN_VOTES_TO_SEE:
        flash("You have voted enough to see the opinion groups: open the opinion map any time.", "success")
    return redirect(url_for("opinions.vote_mode", slug=story.slug), code=303)


@bp.get("/stories/<slug>/opinions")
def opinion_map(slug: str):
    story = comment_service.get_story(slug)
    page = opinion_service.read_opinions(story, current_user)
    name_form = GroupNameForm(formdata=None) if has_role(current_user, "editor") else None
    return render_template(
        "opinions/map.html",
        story=story,
        page=page,
        need=opinion_service.MIN_VOTES_TO_SEE,
        name_form=name_form,
    )


@bp.post("/stories/<slug>/opinions/names")
@requires("editor")
def rename_group(slug: str):
    story = comment_service.get_story(slug)
    form = require_valid(GroupNameForm())
    group = opinion_service.rename_group(story, form.group.data, form.name.data, current_user)
    said = f"now reads “{group.label}”" if group.label_by_editor else "is back to its automatic name"
    flash(f"Group {group.name} {said}.", "success")
    return redirect(url_for("opinions.opinion_map", slug=story.slug, _anchor=f"group-{group.name}"), code=303)
