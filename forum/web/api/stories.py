"""Editors create and change stories through the API: ``POST /api/stories`` and
``PATCH /api/stories/<id or slug>``, validated by the same service functions as the editor's form and
``flask forum create-story``."""

from __future__ import annotations

from functools import wraps

from flask import abort

from forum.services import comments as comment_service
from forum.services import stories_admin
from forum.web.api import inputs, schemas
from forum.web.api.document import WRITE
from forum.web.api.views import _signed_in, bp
from forum.web.roles import has_role

STORY_WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


def _editors_only(view):
    """Readers are refused (403) before their request body is read."""

    @wraps(view)
    def checked(*args, **kwargs):
        if not has_role(_signed_in(), "editor"):
            abort(403, "Only editors create and change stories.")
        return view(*args, **kwargs)

    return checked


@bp.post("/stories")
@_editors_only
@bp.arguments(inputs.NewStorySchema)
@bp.response(201, schemas.StorySchema, description="Created")
@bp.errors(*STORY_WRITE_ERRORS)
@bp.doc(**WRITE)
def create_story(data: dict):
    """Create an open story (editors only), validated as the editor's form is"""
    return stories_admin.create_story(_signed_in(), stories_admin.fields_from(data))


@bp.patch("/stories/<story>")
@_editors_only
@bp.arguments(inputs.StoryChangeSchema)
@bp.response(200, schemas.StorySchema)
@bp.errors(*STORY_WRITE_ERRORS)
@bp.doc(**WRITE)
def update_story(data: dict, story: str):
    """Change a story (editors only; the fields not sent keep their values)"""
    found = comment_service.get_story(story)  # the slug or the numeric id, as GET /api/stories/<story>
    fields = stories_admin.fields_from(data, stories_admin.fields_of(found))
    return stories_admin.update_story(found, _signed_in(), fields)
