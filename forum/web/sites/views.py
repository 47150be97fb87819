"""Admin pages to register publisher sites, and the editor's read-only snippet page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from forum.services import comments as comment_service
from forum.services import sites as site_service
from forum.services.errors import ServiceError
from forum.web.forms import require_valid
from forum.web.readers.forms import ActionForm
from forum.web.roles import guard, requires
from forum.web.sites.forms import SiteForm

admin_bp = guard(Blueprint("sites_admin", __name__, url_prefix="/admin/sites"))
editor_bp = guard(Blueprint("sites_editor", __name__, url_prefix="/editor/sites"))


def _list(form: SiteForm, error: ServiceError | None = None):
    html = render_template("sites/list.html", sites=site_service.list_sites(), form=form, error=error)
    return html, (error.status if error else 200)


@admin_bp.get("/")
@requires("admin")
def index():
    return _list(SiteForm(formdata=None, active=True))


@admin_bp.post("/")
@requires("admin")
def create():
    form = SiteForm()
    require_valid(form)
    try:
        site = site_service.create_site(
            form.key.data, form.name.data, form.origins.data, form.auto_create.data
        )
    except ServiceError as exc:
        return _list(form, exc)
    flash(f"Site {site.name!r} registered. Give its single sign-on secret to the publisher.", "success")
    return redirect(url_for("sites_admin.edit", site_id=site.id), code=303)


@admin_bp.route("/<int:site_id>", methods=["GET", "POST"])
@requires("admin")
def edit(site_id: int):
    site = site_service.get_site_by_id(site_id)
    if request.method == "GET":
        form = SiteForm(obj=site, origins="\n".join(site.allowed_origins))
        form.origins.data = "\n".join(site.allowed_origins)
    else:
        form = SiteForm()
    error = None
    if request.method == "POST":
        require_valid(form)
        try:
            site_service.update_site(
                site, form.name.data, form.origins.data, form.auto_create.data, form.active.data
            )
        except ServiceError as exc:
            error = exc
        else:
            flash("Site updated.", "success")
            return redirect(url_for("sites_admin.edit", site_id=site.id), code=303)
    html = render_template(
        "sites/edit.html", site=site, form=form, action_form=ActionForm(formdata=None), error=error
    )
    return html, (error.status if error else 200)


@admin_bp.post("/<int:site_id>/secret")
@requires("admin")
def rotate_secret(site_id: int):
    site = site_service.get_site_by_id(site_id)
    require_valid(ActionForm())
    site_service.rotate_secret(site)
    flash("New single sign-on secret made: tokens signed with the old one no longer work.", "success")
    return redirect(url_for("sites_admin.edit", site_id=site.id), code=303)


@editor_bp.get("/")
@requires("editor")
def editor_index():
    return render_template("sites/editor_list.html", sites=site_service.list_sites())


SNIPPET_STORIES = 100


@editor_bp.get("/<int:site_id>/snippet")
@requires("editor")
def snippet(site_id: int):
    site = site_service.get_site_by_id(site_id)
    story = None
    if request.args.get("story"):
        story = comment_service.get_story(request.args["story"])
        site_service.check_embeddable(site, story)
    stories = [story] if story is not None else site_service.embeddable_stories(site, SNIPPET_STORIES)
    return render_template("sites/snippet.html", site=site, story=story, stories=stories)
