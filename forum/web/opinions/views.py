"""Opinion groups for readers: the vote mode (one comment at a time) and the opinion map."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from forum.extensions import db
from forum.services import comments as comment_service
from forum.services import opinions as opinion_service
from forum.web import limits
from forum.web.forms import require_valid

bp = Blueprint("opinions", __name__)


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
    db.session.commit()
    if opinion_service.votes_cast(story, current_user) == opinion_service.MIN_VOTES_TO_SEE:
        flash("You have voted enough to see the opinion groups: open the opinion map any time.", "success")
    return redirect(url_for("opinions.vote_mode", slug=story.slug), code=303)


@bp.get("/stories/<slug>/opinions")
def opinion_map(slug: str):
    story = comment_service.get_story(slug)
    page = opinion_service.read_opinions(story, current_user)
    return render_template("opinions/map.html", story=story, page=page, need=opinion_service.MIN_VOTES_TO_SEE)
