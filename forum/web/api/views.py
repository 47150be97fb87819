"""The JSON API: thin views over the same services as the pages, with the same rules.

Reading needs no account. Writing needs a signed-in reader (session cookie from ``POST /api/session`` or the
login page) and, as for every form on the site, the CSRF token: send it in the ``X-CSRFToken`` header
(``GET /api/csrf-token`` returns it). Errors are ``{"error": {"status", "message"}}``. Each view declares
what it reads and answers with the schemas of :mod:`forum.web.api.inputs` and :mod:`forum.web.api.schemas`;
the request's work is committed after the answer (:mod:`forum.web.transactions`).
"""

from __future__ import annotations

from flask import Response, abort, jsonify, request
from flask_login import current_user, login_user
from flask_smorest import current_api

from forum.extensions import csrf
from forum.models import Comment, CommentStatus, Story, UserStatus
from forum.services import accounts, debate_map, opinions
from forum.services import comments as comment_service
from forum.services import votes as vote_service
from forum.services.errors import InvalidInput, NotFound
from forum.web import limits
from forum.web.api import inputs, schemas
from forum.web.api.document import WRITE, Blueprint
from forum.web.auth.views import sign_out_everywhere
from forum.web.roles import has_role

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # checked in _sign_in_then_csrf below, after the sign-in check

ID = "int"  # forum.web.IdConverter: an id past 64 bits is 0, which names nothing (404)
QUERY = {"location": "query", "error_status_code": 400}
WRITE_ERRORS = (400, 401, 403, 404, 413, 415, 422, 429)


@bp.before_request
def _sign_in_then_csrf():
    """Writes: anonymous callers get 401 first (clearer than a token error); then the CSRF token is checked
    as on every form (the blueprint is exempt from the global check only to get this order)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.endpoint not in ("api.sign_in", "api.sign_out") and not current_user.is_authenticated:
        abort(401, "Sign in to do this: reading needs no account, posting and voting do.")
    csrf.protect()


@bp.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput):
    error = {"status": 422, "message": exc.message}
    if exc.field:
        error["field"] = exc.field
    return jsonify(error=error), 422


def _signed_in():
    if not current_user.is_authenticated:
        abort(401, "Sign in to do this: reading needs no account, posting and voting do.")
    return current_user._get_current_object()


def _story(ref: str) -> Story:
    return comment_service.get_story(ref)  # a number too large to be an id is looked up as a slug only


def _visible_comment(comment_id: int) -> Comment:
    comment = comment_service.get_comment(comment_id)
    if comment.status in (CommentStatus.PUBLISHED, CommentStatus.DELETED):
        return comment
    viewer = current_user
    if viewer.is_authenticated and (viewer.id == comment.author_id or has_role(viewer, "editor")):
        return comment
    raise NotFound("There is no such comment.")


@bp.get("/openapi.json")
@bp.doc(
    responses={200: {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
)
def openapi():
    """This document"""
    return jsonify(current_api.spec.to_dict())


@bp.get("/csrf-token")
@bp.response(200, schemas.CsrfTokenSchema)
def csrf_token():
    """The CSRF token to send as X-CSRFToken"""
    from flask_wtf.csrf import generate_csrf

    return {"csrf_token": generate_csrf(), "header": "X-CSRFToken"}


@bp.get("/me")
@bp.response(200, schemas.MeSchema)
@bp.errors(401)
def me():
    """The signed-in account"""
    return _signed_in()


@bp.post("/session")
@limits.login
@bp.arguments(inputs.CredentialsSchema)
@bp.response(200, schemas.MeSchema)
@bp.errors(400, 401, 413, 415, 422, 429)
def sign_in(data: dict):
    """Sign in (sets the session cookie)"""
    user = accounts.authenticate(data["username"], data["password"])
    if user is None or user.status == UserStatus.BANNED:
        abort(401, "Wrong username or password.")
    login_user(user)
    return user


@bp.delete("/session")
@bp.response(204, description="Signed out")
@bp.errors(400)
def sign_out():
    """Sign out (ends every session of the account on the server, not only this cookie)"""
    sign_out_everywhere()
    return Response(status=204)


@bp.delete("/sessions")
@bp.response(204, description="Signed out everywhere")
@bp.errors(400, 401)
@bp.doc(**WRITE)
def sign_out_all():
    """Sign out everywhere: every browser and widget token of the account

    The same as ``DELETE /api/session``, named for the reader's intent. Needs a signed-in session and the
    CSRF token."""
    _signed_in()
    sign_out_everywhere()
    return Response(status=204)


@bp.get("/stories")
@bp.arguments(inputs.PageArgsSchema, **QUERY)
@bp.response(200, schemas.StoryPageSchema)
@bp.errors(400)
def stories(args: dict):
    """Open stories, newest first"""
    rows, total = comment_service.listed_stories(args["limit"], args["offset"])
    return schemas.Page(rows, total, args["limit"], args["offset"])


@bp.get("/stories/<story>")
@bp.response(200, schemas.StorySchema)
@bp.errors(400, 404)
def story(story: str):
    """One story"""
    return _story(story)


@bp.get("/stories/<story>/comments")
@bp.arguments(inputs.CommentListArgsSchema, **QUERY)
@bp.response(200, schemas.CommentPageSchema)
@bp.errors(400, 404)
def story_comments(args: dict, story: str):
    """The story's published comments (replies included; thread them with parent_id)"""
    found = _story(story)
    rows, total = comment_service.story_comments(found, args["limit"], args["offset"], args["sort"])
    return schemas.Page(rows, total, args["limit"], args["offset"])


@bp.post("/stories/<story>/comments")
@limits.post
@bp.arguments(inputs.NewCommentSchema)
@bp.response(
    201,
    schemas.CommentSchema,
    description="Posted (or, for a repeated idempotency_key, the comment posted then)",
)
@bp.errors(*WRITE_ERRORS)
@bp.doc(**WRITE)
def post_comment(data: dict, story: str):
    """Post a comment (or, with parent_id, a reply)"""
    author = _signed_in()
    return comment_service.post_comment(
        _story(story),
        author,
        data["body"],
        side=data.get("side"),
        parent_id=data.get("parent_id"),
        idempotency_key=data.get("idempotency_key"),
    )


@bp.get(f"/comments/<{ID}:comment_id>")
@bp.response(200, schemas.CommentSchema)
@bp.errors(400, 404)
def comment(comment_id: int):
    """One comment"""
    return _visible_comment(comment_id)


@bp.post(f"/comments/<{ID}:comment_id>/replies")
@limits.post
@bp.arguments(inputs.NewReplySchema)
@bp.response(201, schemas.CommentSchema, description="Posted")
@bp.errors(*WRITE_ERRORS)
@bp.doc(**WRITE)
def reply(data: dict, comment_id: int):
    """Reply to a comment"""
    author = _signed_in()
    parent = _visible_comment(comment_id)
    return comment_service.post_comment(
        parent.story,
        author,
        data["body"],
        side=data.get("side"),
        parent_id=parent.id,
        idempotency_key=data.get("idempotency_key"),
    )


@bp.patch(f"/comments/<{ID}:comment_id>")
@limits.post
@bp.arguments(inputs.CommentChangeSchema)
@bp.response(200, schemas.CommentSchema)
@bp.errors(*WRITE_ERRORS)
@bp.doc(**WRITE)
def edit_comment(data: dict, comment_id: int):
    """Edit your own comment within the edit window"""
    user = _signed_in()
    comment = _visible_comment(comment_id)
    return comment_service.edit_comment(
        comment, user, data.get("body", comment.body), data.get("side", comment.side)
    )


@bp.delete(f"/comments/<{ID}:comment_id>")
@bp.response(204, description="Deleted")
@bp.errors(400, 401, 403, 404)
@bp.doc(**WRITE)
def delete_comment(comment_id: int):
    """Delete your own comment within the edit window"""
    user = _signed_in()
    comment_service.delete_comment(_visible_comment(comment_id), user)
    return Response(status=204)


@bp.put(f"/comments/<{ID}:comment_id>/vote")
@limits.vote
@bp.arguments(inputs.VoteChoiceSchema)
@bp.response(200, schemas.VoteResultSchema)
@bp.errors(*WRITE_ERRORS)
@bp.doc(**WRITE)
def vote(data: dict, comment_id: int):
    """Vote agree, disagree or pass (replaces your earlier vote)"""
    user = _signed_in()
    counts = vote_service.record_vote(comment_id, user, data["vote"])  # its own checks: no ORM load
    return {"comment": comment_id, "vote": data["vote"], "counts": counts}


@bp.get("/stories/<story>/viewpoints")
@bp.response(200, schemas.DebateMapSchema)
@bp.errors(400, 404)
def viewpoints(story: str):
    """The story's debate map"""
    return debate_map.published_map(_story(story))


@bp.get(f"/stories/<story>/viewpoints/<{ID}:viewpoint_id>")
@bp.arguments(inputs.PageArgsSchema, **QUERY)
@bp.response(200, schemas.ViewpointDetailSchema)
@bp.errors(400, 404)
def viewpoint(args: dict, story: str, viewpoint_id: int):
    """One viewpoint with its comments, most agreed first"""
    vp = debate_map.get_viewpoint(_story(story), viewpoint_id)
    if not vp.active or getattr(vp, "hidden", False):
        raise NotFound("That viewpoint is no longer on the map.")
    members = debate_map.viewpoint_members(vp)
    by_id = {m.id: m for m in members}
    reaction = debate_map.Reaction(
        sum(m.agree_count for m in members),
        sum(m.disagree_count for m in members),
        sum(m.pass_count for m in members),
    )
    view = debate_map.ViewpointView(vp, [by_id[q] for q in (vp.quote_ids or []) if q in by_id], reaction)
    limit, offset = args["limit"], args["offset"]
    # ViewpointDetailSchema dumps the view and this page of its members.
    view.members = schemas.Page(members[offset : offset + limit], len(members), limit, offset)  # type: ignore
    return view


@bp.get("/stories/<story>/opinion-groups")
@bp.response(200, schemas.OpinionGroupsSchema)
@bp.errors(400, 404)
def opinion_groups(story: str):
    """Opinion groups from votes (Polis method); groups show once you have voted enough"""
    return opinions.read_opinions(_story(story), current_user)
