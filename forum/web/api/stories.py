"""Editors create and change stories through the API: ``POST /api/stories`` and
``PATCH /api/stories/<id or slug>``, validated by the same service functions as the editor's form and
``flask forum create-story``."""

from __future__ import annotations

from flask import abort, jsonify

from forum.extensions import db
from forum.services import comments as comment_service
from forum.services import stories_admin
from forum.web.api import serialize
from forum.web.api.payload import json_body
from forum.web.api.views import NULLABLE_STR, _signed_in, bp
from forum.web.roles import has_role

STORY_FIELDS = {name: NULLABLE_STR for name in stories_admin.EDITABLE}


def _editor():
    user = _signed_in()
    if not has_role(user, "editor"):
        abort(403, "Only editors create and change stories.")
    return user


@bp.post("/stories")
def create_story():
    editor = _editor()
    data = json_body(STORY_FIELDS, required=("headline", "question"))
    story = stories_admin.create_story(editor, stories_admin.fields_from(data))
    body = serialize.story(story)
    db.session.commit()
    return jsonify(body), 201


@bp.patch("/stories/<ref>")
def update_story(ref: str):
    editor = _editor()
    story = comment_service.get_story(ref)  # the slug or the numeric id, as GET /api/stories/<ref>
    data = json_body(STORY_FIELDS)
    fields = stories_admin.fields_from(data, stories_admin.fields_of(story))
    stories_admin.update_story(story, editor, fields)
    body = serialize.story(story)
    db.session.commit()
    return jsonify(body)
