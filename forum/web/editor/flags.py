"""Readers flag a comment for the editors (a reader's route: not on the guarded editor blueprint)."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from forum.services import comments as comment_service
from forum.services import moderation
from forum.web import limits
from forum.web.editor.forms import FlagForm
from forum.web.errors import wants_json
from forum.web.forms import require_valid
from forum.web.navigation import safe_next

flags_bp = Blueprint("flags", __name__)


@flags_bp.post("/comments/<int:comment_id>/flag")
@login_required
@limits.post
def flag(comment_id: int):
    comment = comment_service.get_comment(comment_id)
    form = FlagForm()
    require_valid(form)
    moderation.flag_comment(comment, current_user, form.reason.data)
    if wants_json():
        return jsonify(comment=comment.id, flagged=True), 201
    flash("Thank you: an editor will look at this comment.", "success")
    back = safe_next(request.form.get("next"))
    return redirect(
        back or url_for("readers.story", slug=comment.story.slug, _anchor=f"c{comment.id}"), code=303
    )
