"""Editors' review of a story's debate map: /editor/stories/<slug>/map/..."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from forum import jobs
from forum.models import PreviewStatus, Story
from forum.services import comments as comment_service
from forum.services import debate_map, key_point_previews, mapping, publishing, review
from forum.services.errors import ServiceError
from forum.web import transactions
from forum.web.review import forms
from forum.web.roles import guard, requires

bp = guard(Blueprint("review", __name__, url_prefix="/editor/stories/<slug>/map"))


F = TypeVar("F", bound=forms.ReviewForm)


def _form(form_class: type[F]) -> F:
    """The posted form of one action, its CSRF token checked (a forged or expired one is a 400)."""
    form = form_class()
    if not form.validate_on_submit() and "csrf_token" in form.errors:
        abort(400, "This form has expired or did not come from this site. Reload the page and try again.")
    return form


def _refused(story: Story, exc: ServiceError):
    return render_template("review/error.html", story=story, error=exc), exc.status


def _back(story, anchor: str | None = None):
    return redirect(url_for("review.overview", slug=story.slug, _anchor=anchor), code=303)


def _act(story, form: forms.ReviewForm, action, message: str, anchor: str | None = None, seen=None):
    """Run one review action on the form's typed values and go back to the review; show the error instead
    (a 4xx answer: nothing is stored) when a field could not be read or the service refuses. When the map
    changed since the editor's page showed version ``seen``, the action was reapplied to the current map, and
    the message says so. The messages are flashed once the change is committed."""
    refusal = form.refusal()
    if refusal is not None:
        return _refused(story, refusal)
    stale = seen is not None and seen != (story.map_version or 0)
    changed = review.what_changed(story) if stale else ""
    try:
        result = action()
    except ServiceError as exc:
        return _refused(story, exc)

    def saved() -> None:
        flash(result if isinstance(result, str) else message, "success")
        if stale:
            flash(
                f"The map had changed since you loaded the page ({changed}); your change was applied to the "
                "current map.",
                "info",
            )

    transactions.after_commit(saved)
    return _back(story, anchor)


def _submit(story: Story, name: str, *args, failed=None) -> None:
    """Hand an editor's job to the queue once this request is committed (the job may read what it wrote).
    A queue that is down answers 503 instead; ``failed`` records that (its writes are kept)."""

    def hand_over():
        try:
            jobs.submit(name, *args)
        except ServiceError as exc:
            if failed is not None:
                failed()
            return _refused(story, exc)
        return None

    transactions.after_commit(hand_over)


@bp.get("")
@requires("editor")
def overview(slug: str):
    story = comment_service.get_story(slug)
    runs = mapping.recent_runs(story, 5)
    return render_template(
        "review/overview.html",
        story=story,
        view=debate_map.read_map(story),
        runs=runs,
        publication=debate_map.latest_publication(story),
        unplaced=publishing.unplaced_count(story),
        preview=key_point_previews.latest_preview(story, current_user),
    )


@bp.get("/viewpoints/<int:viewpoint_id>")
@requires("editor")
def viewpoint(slug: str, viewpoint_id: int):
    story = comment_service.get_story(slug)
    vp = debate_map.get_viewpoint(story, viewpoint_id)
    return render_template(
        "review/viewpoint.html",
        story=story,
        vp=vp,
        members=debate_map.viewpoint_members(vp),
        others=[v for v in debate_map.live_viewpoints(story) if v.id != vp.id],
    )


@bp.post("/rename")
@requires("editor")
def rename(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.RenameForm)
    return _act(
        story,
        f,
        lambda: review.rename(story, current_user, f.viewpoint_id.data, f.headline.data, f.map_version.data),
        "Headline saved.",
        f"vp-{f.viewpoint_id.data}",
        seen=f.map_version.data,
    )


@bp.post("/summary")
@requires("editor")
def summary(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.SummaryForm)
    return _act(
        story,
        f,
        lambda: review.summarise(
            story, current_user, f.viewpoint_id.data, f.summary.data, f.map_version.data
        ),
        "Summary saved.",
        f"vp-{f.viewpoint_id.data}",
        seen=f.map_version.data,
    )


@bp.post("/hide")
@requires("editor")
def hide(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.HideForm)
    hidden = f.enabled.data
    return _act(
        story,
        f,
        lambda: review.set_hidden(story, current_user, f.viewpoint_id.data, hidden, f.map_version.data),
        "Viewpoint hidden from readers." if hidden else "Viewpoint shown to readers again.",
        seen=f.map_version.data,
    )


@bp.post("/merge")
@requires("editor")
def merge(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.MergeForm)
    return _act(
        story,
        f,
        lambda: review.merge(story, current_user, f.target_id.data, f.viewpoint_id.data, f.map_version.data),
        "Viewpoints merged.",
        f"vp-{f.target_id.data}",
        seen=f.map_version.data,
    )


@bp.post("/split")
@requires("editor")
def split(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.SplitForm)
    return _act(
        story,
        f,
        lambda: review.split(story, current_user, f.viewpoint_id.data, f.parts.data, f.map_version.data),
        "Viewpoint split.",
        seen=f.map_version.data,
    )


@bp.post("/move")
@requires("editor")
def move(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.MoveForm)
    return _act(
        story,
        f,
        lambda: review.move_comment(
            story, current_user, f.comment_id.data, f.target_id.data, f.map_version.data
        ),
        "Comment moved.",
        f"vp-{f.target_id.data}",
        seen=f.map_version.data,
    )


@bp.post("/pin")
@requires("editor")
def pin(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.PinForm)
    return _act(
        story,
        f,
        lambda: review.pin_quotes(
            story, current_user, f.viewpoint_id.data, f.quote_ids.data, f.map_version.data
        ),
        "Quotes pinned.",
        f"vp-{f.viewpoint_id.data}",
        seen=f.map_version.data,
    )


@bp.post("/key-point")
@requires("editor")
def key_point(slug: str):
    """Queue the key point: the worker embeds the statement and gathers the comments (the web never loads
    the model)."""
    story, f = comment_service.get_story(slug), _form(forms.KeyPointForm)

    def queue() -> None:
        statement = review.clean_key_point(story, f.statement.data, f.map_version.data)
        _submit(story, "add_key_point", story.id, current_user.id, statement)

    return _act(
        story, f, queue, "Your key point is being matched against the comments; it appears in a few seconds."
    )


@bp.post("/key-point/preview")
@requires("editor")
def key_point_preview(slug: str):
    """Queue a preview of the key point: the comments it would gather appear beside the form. The worker
    reads the preview's row, so the job is handed over once the row is committed; if the queue is down, the
    row is kept marked failed (the review page says so) and the answer is a 503."""
    story, f = comment_service.get_story(slug), _form(forms.KeyPointForm)

    def queue() -> None:
        statement = review.clean_key_point(story, f.statement.data, f.map_version.data)
        preview = key_point_previews.request_preview(story, current_user, statement)

        def failed() -> None:
            preview.status = PreviewStatus.FAILED

        _submit(story, "preview_key_point", preview.id, failed=failed)

    return _act(
        story,
        f,
        queue,
        "The preview is being computed; it appears beside the form in a few seconds.",
        "key-point",
    )


@bp.post("/publish")
@requires("editor")
def publish(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.PublishForm)
    return _act(
        story,
        f,
        lambda: publishing.publish(story, current_user, f.map_version.data),
        "The map is published: readers and the widget now see it.",
    )


@bp.post("/auto-publish")
@requires("editor")
def auto_publish(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.AutoPublishForm)
    return _act(story, f, lambda: publishing.set_auto_publish(story, current_user, f.enabled.data), "")


@bp.post("/recompute")
@requires("editor")
def recompute(slug: str):
    story, f = comment_service.get_story(slug), _form(forms.RecomputeForm)
    return _act(
        story,
        f,
        lambda: _submit(story, "recompute_map", story.id, "editor"),
        "The map is being recomputed in the background; reload in a few seconds.",
    )


@bp.get("/preview")
@requires("editor")
def preview(slug: str):
    story = comment_service.get_story(slug)
    return render_template(
        "maps/map.html", story=story, view=debate_map.read_map(story, include_hidden=False), preview=True
    )


@bp.get("/export.json")
@requires("editor")
def export_json(slug: str):
    story = comment_service.get_story(slug)
    response = jsonify(publishing.export_document(story, current_user))
    response.headers["Content-Disposition"] = f'attachment; filename="{story.slug}-map.json"'
    return response


@bp.get("/export.csv")
@requires("editor")
def export_csv(slug: str):
    story = comment_service.get_story(slug)
    return Response(
        publishing.export_csv(story),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{story.slug}-map.csv"'},
    )


@bp.get("/report")
@requires("editor")
def report(slug: str):
    story = comment_service.get_story(slug)
    return render_template(
        "review/report.html",
        story=story,
        view=debate_map.read_map(story, include_hidden=False),
        ov=publishing.opinion_overview(story, current_user),
        publication=debate_map.latest_publication(story),
        now=datetime.now(UTC),
    )
