"""The moderation queue, one comment's history, banned words, and readers (suspend, ban, reinstate)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from forum.models.moderation import HOLD_REASONS
from forum.models.users import ROLES, STATUSES
from forum.services import accounts, audit, moderation
from forum.services import comments as comment_service
from forum.services import stories_admin as stories
from forum.services.errors import InvalidInput, ServiceError
from forum.web.editor.forms import BannedWordForm, CsrfForm, ModerateForm, StatusForm
from forum.web.editor.views import bp, int_arg
from forum.web.forms import require_valid
from forum.web.navigation import safe_next
from forum.web.roles import requires

ACTION_WORDS = {"approve": "approved", "reject": "rejected"}


def _queue_page(error: ServiceError | None = None, form: ModerateForm | None = None):
    args = request.args if error is None else _return_args()
    state = args.get("state", "pending")
    page = moderation.queue(
        state,
        story_id=int_arg("story_id", args),
        hold_reason=args.get("reason") or None,
        author_id=int_arg("author_id", args),
        text=args.get("q"),
        page=int_arg("page", args) or 1,
    )
    html = render_template(
        "editor/queue.html",
        page=page,
        counts=moderation.queue_counts(),
        stories=stories.stories_by_headline(),
        reasons=HOLD_REASONS,
        reject_reasons=moderation.REJECT_REASONS,
        args=args,
        form=form or ModerateForm(formdata=None),
        error=error,
    )
    return html, (error.status if error else 200)


def _return_args() -> MultiDict:
    """The queue's filters the decision came from (its ``next`` address), to show the same queue again."""
    back = safe_next(request.form.get("next")) or ""
    return MultiDict(parse_qsl(urlsplit(back).query))


@bp.get("/moderation")
@requires("editor")
def queue():
    return _queue_page()


def _decision() -> tuple[str, list[str]]:
    row = request.form.get("row", "")
    if row:
        action, _, comment_id = row.partition(":")
        return action, [comment_id]
    return request.form.get("action", ""), request.form.getlist("ids")


@bp.post("/moderation")
@requires("editor")
def decide():
    """Approve or reject; a refused decision shows the queue again with the message (never a dead end)."""
    form = ModerateForm()
    require_valid(form)
    action, ids = _decision()
    try:
        if action not in ACTION_WORDS:
            raise InvalidInput("Choose approve or reject.", field="action")
        comments = moderation.get_comments(ids)
        changed = moderation.moderate(
            comments, action, current_user, form.reason.data, preset=form.preset.data or None
        )
    except ServiceError as exc:
        return _queue_page(exc, form)
    flash(f"{changed} comment{'s' if changed != 1 else ''} {ACTION_WORDS[action]}.", "success")
    back = safe_next(request.form.get("next"))
    return redirect(back or url_for("editor.queue"), code=303)


@bp.get("/comments/<int:comment_id>")
@requires("editor")
def comment(comment_id: int):
    c = comment_service.get_comment(comment_id)
    revisions = comment_service.revisions(c)
    return render_template(
        "editor/comment.html",
        c=c,
        state=moderation.moderation_state(c),
        flags=moderation.open_flags([c.id]).get(c.id, []),
        revisions=revisions,
        history=audit.entries(comment_id=c.id, per_page=200).entries,
        reasons=HOLD_REASONS,
        reject_reasons=moderation.REJECT_REASONS,
        form=ModerateForm(formdata=None),
    )


@bp.get("/banned-words")
@requires("editor")
def banned_words():
    return render_template(
        "editor/banned_words.html",
        words=moderation.list_banned_words(),
        stories={s.id: s for s in stories.stories_by_headline()},
        form=BannedWordForm(formdata=None),
        action_form=CsrfForm(formdata=None),
    )


@bp.post("/banned-words")
@requires("editor")
def banned_word_add():
    form = BannedWordForm()
    require_valid(form)
    story = stories.get_story(form.story_id.data) if form.story_id.data else None
    entry = moderation.add_banned_word(form.word.data, current_user, story)
    flash(f"Comments using “{entry.word}” will now be held for moderation.", "success")
    return redirect(url_for("editor.banned_words"), code=303)


@bp.post("/banned-words/<int:word_id>/delete")
@requires("editor")
def banned_word_delete(word_id: int):
    require_valid(CsrfForm())
    moderation.remove_banned_word(word_id, current_user)
    flash("The word is off the list.", "success")
    return redirect(url_for("editor.banned_words"), code=303)


@bp.get("/readers")
@requires("editor")
def readers():
    status, role = request.args.get("status") or None, request.args.get("role") or None
    if status not in (None, *STATUSES) or role not in (None, *ROLES):
        abort(400, "Unknown status or role filter.")
    rows = accounts.list_users(request.args.get("q"), status=status, role=role)
    return render_template(
        "editor/readers.html", rows=rows, args=request.args, statuses=STATUSES, roles=ROLES
    )


@bp.get("/readers/<int:user_id>")
@requires("editor")
def reader(user_id: int):
    user = accounts.get_user(user_id)
    return render_template(
        "editor/reader.html",
        user=user,
        comments=accounts.comments_by(user),
        history=audit.entries(user_id=user.id, per_page=100).entries,
        form=StatusForm(formdata=None),
    )


@bp.post("/readers/<int:user_id>/status")
@requires("editor")
def reader_status(user_id: int):
    user = accounts.get_user(user_id)
    form = StatusForm()
    require_valid(form)
    accounts.set_reader_status(user, form.action.data, current_user, form.reason.data)
    flash(f"{user.display_name} is now {user.status}.", "success")
    return redirect(url_for("editor.reader", user_id=user.id), code=303)
