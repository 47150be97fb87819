"""The OpenAPI 3.1 document for the JSON API, served at ``/api/openapi.json``.

Written by hand next to the views it describes; ``tests/api/test_schemathesis.py`` holds the two together by
fuzzing every operation and checking that each answer's status and body match what is written here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from forum.models.moderation import MODERATION_MODES
from forum.models.stories import DELETED_COMMENT_POLICIES, SIDES, VOTE_VALUES
from forum.web.api.payload import MAX_INT, MAX_LIMIT

JSON = "application/json"
ERROR_TEXT = {
    400: "Malformed request: bad query parameter, invalid JSON, NUL characters, or a missing or invalid "
    "CSRF token (send it in the X-CSRFToken header).",
    401: "Not signed in (or wrong credentials).",
    403: "Signed in but not allowed: not your comment, edit window over, account suspended, story closed, "
    "or an editor's operation.",
    404: "No such story, comment or viewpoint (or not visible to you).",
    409: "Conflicts with the current state (for stories: another story has that slug).",
    413: "Request body larger than the limit (1 MiB).",
    415: "The request body is not application/json.",
    422: "Well-formed JSON with a wrong or unknown field, or a value the forum's rules refuse.",
    429: "Rate limit reached; the Retry-After header says when to try again.",
    503: "The database or the job queue is not answering.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
        **extra,
    }


def _ok(schema: dict[str, Any] | None, description: str = "OK") -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {"description": ERROR_TEXT[s], "content": {JSON: {"schema": _ref("Error")}}} for s in statuses
    }


def _op(summary: str, responses: dict[str, Any], *, params=(), body: str | None = None, write=False) -> dict:
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = list(params)
    if body:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref(body)}}}
    if write:
        op["security"] = [{"session": [], "csrf": []}]
    return op


def _path_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


STORY = _path_param("story", {"type": "string", "minLength": 1}, "The story's slug or numeric id.")
COMMENT_ID = _path_param("comment_id", {"type": "integer", "minimum": 1, "maximum": MAX_INT}, "A comment id.")
VIEWPOINT_ID = _path_param(
    "viewpoint_id", {"type": "integer", "minimum": 1, "maximum": MAX_INT}, "A viewpoint id."
)
PAGING = (
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20},
    },
    {
        "name": "offset",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_INT, "default": 0},
    },
)
SORT = {
    "name": "sort",
    "in": "query",
    "schema": {"type": "string", "enum": ["oldest", "newest"], "default": "oldest"},
}
WRITE_ERRORS = (400, 401, 403, 404, 413, 415, 422, 429)
STORY_WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


def _schemas(max_length: int) -> dict[str, Any]:
    integer = {"type": "integer"}
    string = {"type": "string"}
    when = {"type": "string", "format": "date-time"}
    counts = _obj({"agree": integer, "disagree": integer, "pass": integer})
    side_in = {
        "enum": [*SIDES, "none", "", None],
        "description": "Your side; none, empty or null for no side.",
    }
    text = {
        "type": "string",
        "maxLength": max_length,
        "pattern": r"\S",
        "description": "Markdown; not blank.",
    }
    key = {
        "type": ["string", "null"],
        "description": "Repeat it to make a retry safe: the first 64 characters count.",
    }
    optional_text = {"type": ["string", "null"]}
    story_fields = {
        "headline": {"type": "string", "maxLength": 300, "description": "Required; not blank."},
        "question": {"type": "string", "maxLength": 300, "description": "The question put to readers."},
        "slug": {
            "type": ["string", "null"],
            "description": "Lower-case letters, digits and single dashes; made from the headline if empty.",
        },
        "lede": optional_text,
        "body": {"type": ["string", "null"], "description": "The story's text (Markdown)."},
        "source_url": {"type": ["string", "null"], "description": "An http or https address."},
        "source_name": optional_text,
        "moderation_mode": {"enum": [*MODERATION_MODES, "", None]},
        "deleted_comments": {
            "enum": [*DELETED_COMMENT_POLICIES, "", None],
            "description": "A deleted reader's comments: kept under 'deleted reader' (default) or removed.",
        },
    }
    return {
        "Error": _obj(
            {"error": _obj({"status": integer, "message": string, "field": string}, ["status", "message"])}
        ),
        "User": _obj({"id": integer, "display_name": string}),
        "Me": _obj(
            {
                "id": integer,
                "display_name": string,
                "username": string,
                "role": {"enum": ["reader", "editor", "admin"]},
                "status": {"enum": ["active", "suspended", "banned"]},
            }
        ),
        "Story": _obj(
            {
                "id": integer,
                "slug": string,
                "headline": string,
                "lede": string,
                "question": string,
                "status": {"enum": ["open", "closed"]},
                "source_url": {"type": ["string", "null"]},
                "source_name": {"type": ["string", "null"]},
                "published_at": _nullable(when),
                "url": string,
            }
        ),
        "Counts": counts,
        "Comment": _obj(
            {
                "id": integer,
                "story_id": integer,
                "parent_id": {"type": ["integer", "null"]},
                "root_id": {"type": ["integer", "null"]},
                "depth": integer,
                "author": _nullable(_ref("User")),
                "body": {"type": ["string", "null"], "description": "null once deleted"},
                "html": {"type": ["string", "null"], "description": "the body rendered to safe HTML"},
                "side": {"enum": [*SIDES, None]},
                "status": {"enum": ["published", "pending", "rejected", "deleted"]},
                "counts": _ref("Counts"),
                "created_at": when,
                "edited_at": _nullable(when),
            }
        ),
        "StoryPage": _page("Story"),
        "CommentPage": _page("Comment"),
        "Viewpoint": _obj(
            {
                "id": integer,
                "headline": string,
                "title": {"type": ["string", "null"]},
                "summary": {"type": ["string", "null"], "description": "the editors' summary, if any"},
                "side": {"enum": ["agree", "disagree", "mixed"]},
                "share": {"type": "number"},
                "n_members": integer,
                "n_authors": integer,
                "key_phrases": {"type": "array", "items": string},
                "is_other": {"type": "boolean"},
                "x": {"type": ["number", "null"]},
                "y": {"type": ["number", "null"]},
                "radius": {"type": ["number", "null"]},
                "theme": {
                    "type": ["string", "null"],
                    "description": "the theme the key point is listed under",
                },
                "secondary_ids": {
                    "type": "array",
                    "items": integer,
                    "description": "comments whose main point is another but that make this one too",
                },
                "quotes": {"type": "array", "items": _ref("Comment")},
                "quote_sentences": {
                    "type": "object",
                    "additionalProperties": string,
                    "description": "for each quote (by comment id), the sentence that makes the key point",
                },
                "reaction": _ref("Counts"),
            }
        ),
        "ViewpointDetail": {"allOf": [_ref("Viewpoint"), _obj({"members": _ref("CommentPage")})]},
        "DebateMap": _obj(
            {
                "story": string,
                "ready": {"type": "boolean"},
                "n_comments": integer,
                "n_commenters": {"type": "integer", "description": "distinct readers who commented"},
                "n_placed": integer,
                "viewpoints": {"type": "array", "items": _ref("Viewpoint")},
                "other": _nullable(_ref("Viewpoint")),
                "is_live": {"type": "boolean", "description": "false: the snapshot editors last published"},
                "published_at": _nullable(when),
            }
        ),
        "Statement": _obj(
            {
                "comment": _ref("Comment"),
                "direction": {"enum": ["agree", "disagree"]},
                "pct": integer,
                "pct_rest": integer,
                "group_pcts": {"type": "array", "items": integer},
                "n": {
                    "type": "integer",
                    "description": "readers in the group (or everyone) who voted that way",
                },
                "of": {
                    "type": "integer",
                    "description": "readers in the group (or everyone) who voted on it",
                },
                "n_rest": {"type": "integer", "description": "the same count among everyone else"},
                "of_rest": {"type": "integer", "description": "everyone else who voted on it"},
            }
        ),
        "OpinionGroups": _obj(
            {
                "story": string,
                "ready": {"type": "boolean"},
                "can_see": {"type": "boolean", "description": "groups open once you have voted enough"},
                "n_voted": integer,
                "votes_needed": integer,
                "groups": {
                    "type": "array",
                    "items": _obj(
                        {
                            "index": integer,
                            "name": string,
                            "label": {
                                "type": ["string", "null"],
                                "description": "what sets the group apart, or the editors' name for it",
                            },
                            "size": integer,
                            "share_pct": integer,
                            "is_mine": {"type": "boolean"},
                            "statements": {"type": "array", "items": _ref("Statement")},
                        }
                    ),
                },
                "common_ground": {"type": "array", "items": _ref("Statement")},
                "divisive": {"type": "array", "items": _ref("Statement")},
            }
        ),
        "NewComment": _obj(
            {
                "body": text,
                "side": side_in,
                "parent_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_INT},
                "idempotency_key": key,
            },
            ["body"],
            additionalProperties=False,
        ),
        "NewReply": _obj(
            {"body": text, "side": side_in, "idempotency_key": key}, ["body"], additionalProperties=False
        ),
        "CommentChange": _obj({"body": text, "side": side_in}, [], additionalProperties=False),
        "NewStory": _obj(story_fields, ["headline", "question"], additionalProperties=False),
        "StoryChange": _obj(story_fields, [], additionalProperties=False),
        "VoteChoice": _obj({"vote": {"enum": list(VOTE_VALUES)}}, additionalProperties=False),
        "VoteResult": _obj(
            {"comment": integer, "vote": {"enum": list(VOTE_VALUES)}, "counts": _ref("Counts")}
        ),
        "Credentials": _obj({"username": string, "password": string}, additionalProperties=False),
        "CsrfToken": _obj({"csrf_token": string, "header": {"const": "X-CSRFToken"}}),
        "Health": _obj(
            {
                "status": {"enum": ["ok", "unavailable"]},
                "checks": {"type": "object", "additionalProperties": _obj({"ok": {"type": "boolean"}})},
                "failed": {"type": "array", "items": string},
            }
        ),
    }


def _page(item: str) -> dict[str, Any]:
    integer = {"type": "integer"}
    return _obj(
        {
            "items": {"type": "array", "items": _ref(item)},
            "total": integer,
            "limit": integer,
            "offset": integer,
            "next_offset": {"type": ["integer", "null"]},
        }
    )


def _paths() -> dict[str, Any]:
    comment_ok = _ok(_ref("Comment"))
    return {
        "/healthz": {
            "get": _op(
                "Health of the database and the job queue",
                {"200": _ok(_ref("Health")), "503": _ok(_ref("Health"), ERROR_TEXT[503])},
            )
        },
        "/api/openapi.json": {"get": _op("This document", {"200": _ok({"type": "object"})})},
        "/api/csrf-token": {
            "get": _op("The CSRF token to send as X-CSRFToken", {"200": _ok(_ref("CsrfToken"))})
        },
        "/api/me": {"get": _op("The signed-in account", {"200": _ok(_ref("Me")), **_errors(401)})},
        "/api/session": {
            "post": _op(
                "Sign in (sets the session cookie)",
                {"200": _ok(_ref("Me")), **_errors(400, 401, 413, 415, 422, 429)},
                body="Credentials",
            ),
            "delete": _op(
                "Sign out (ends every session of the account on the server, not only this cookie)",
                {"204": _ok(None, "Signed out"), **_errors(400)},
            ),
        },
        "/api/sessions": {
            "delete": _op(
                "Sign out everywhere: every browser and widget token of the account",
                {"204": _ok(None, "Signed out everywhere"), **_errors(400, 401)},
                write=True,
            ),
        },
        "/api/stories": {
            "get": _op(
                "Open stories, newest first", {"200": _ok(_ref("StoryPage")), **_errors(400)}, params=PAGING
            ),
            "post": _op(
                "Create an open story (editors only), validated as the editor's form is",
                {"201": _ok(_ref("Story"), "Created"), **_errors(*STORY_WRITE_ERRORS)},
                body="NewStory",
                write=True,
            ),
        },
        "/api/stories/{story}": {
            "get": _op("One story", {"200": _ok(_ref("Story")), **_errors(400, 404)}, params=[STORY]),
            "patch": _op(
                "Change a story (editors only; the fields not sent keep their values)",
                {"200": _ok(_ref("Story")), **_errors(*STORY_WRITE_ERRORS)},
                params=[STORY],
                body="StoryChange",
                write=True,
            ),
        },
        "/api/stories/{story}/comments": {
            "get": _op(
                "The story's published comments (replies included; thread them with parent_id)",
                {"200": _ok(_ref("CommentPage")), **_errors(400, 404)},
                params=[STORY, *PAGING, SORT],
            ),
            "post": _op(
                "Post a comment (or, with parent_id, a reply)",
                {
                    "201": _ok(
                        _ref("Comment"),
                        "Posted (or, for a repeated idempotency_key, the comment posted then)",
                    ),
                    **_errors(*WRITE_ERRORS),
                },
                params=[STORY],
                body="NewComment",
                write=True,
            ),
        },
        "/api/comments/{comment_id}": {
            "get": _op("One comment", {"200": comment_ok, **_errors(400, 404)}, params=[COMMENT_ID]),
            "patch": _op(
                "Edit your own comment within the edit window",
                {"200": comment_ok, **_errors(*WRITE_ERRORS)},
                params=[COMMENT_ID],
                body="CommentChange",
                write=True,
            ),
            "delete": _op(
                "Delete your own comment within the edit window",
                {"204": _ok(None, "Deleted"), **_errors(400, 401, 403, 404)},
                params=[COMMENT_ID],
                write=True,
            ),
        },
        "/api/comments/{comment_id}/replies": {
            "post": _op(
                "Reply to a comment",
                {"201": _ok(_ref("Comment"), "Posted"), **_errors(*WRITE_ERRORS)},
                params=[COMMENT_ID],
                body="NewReply",
                write=True,
            )
        },
        "/api/comments/{comment_id}/vote": {
            "put": _op(
                "Vote agree, disagree or pass (replaces your earlier vote)",
                {"200": _ok(_ref("VoteResult")), **_errors(*WRITE_ERRORS)},
                params=[COMMENT_ID],
                body="VoteChoice",
                write=True,
            )
        },
        "/api/stories/{story}/viewpoints": {
            "get": _op(
                "The story's debate map", {"200": _ok(_ref("DebateMap")), **_errors(400, 404)}, params=[STORY]
            )
        },
        "/api/stories/{story}/opinion-groups": {
            "get": _op(
                "Opinion groups from votes (Polis method); groups show once you have voted enough",
                {"200": _ok(_ref("OpinionGroups")), **_errors(400, 404)},
                params=[STORY],
            )
        },
        "/api/stories/{story}/viewpoints/{viewpoint_id}": {
            "get": _op(
                "One viewpoint with its comments, most agreed first",
                {"200": _ok(_ref("ViewpointDetail")), **_errors(400, 404)},
                params=[STORY, VIEWPOINT_ID, *PAGING],
            )
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of ``/api/`` and ``/healthz`` for this app's configuration."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Deliberation forum API",
            "version": "1",
            "description": (
                "Read stories, comments and debate maps without an account. To write, sign in "
                "(POST /api/session, or the login page) and send the CSRF token from GET /api/csrf-token in "
                "the X-CSRFToken header with every POST, PUT, PATCH and DELETE. Errors are "
                '{"error": {"status", "message", "field"?}}. Lists take limit (1-100) and offset and say '
                "next_offset (null on the last page)."
            ),
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(int(current_app.config["FORUM_MAX_COMMENT_LENGTH"])),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": current_app.config.get("SESSION_COOKIE_NAME", "session"),
                },
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }
