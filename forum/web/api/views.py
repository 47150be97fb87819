"""The JSON API: thin views over the same services as the pages, with the same rules.

Reading needs no account. Writing needs a signed-in reader (session cookie from ``POST /api/session`` or the
login page) and, as for every form on the site, the CSRF token: send it in the ``X-CSRFToken`` header
(``GET /api/csrf-token`` returns it). Errors are ``{"error": {"status", "message"}}``.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from forum.extensions import csrf, db
from forum.models import Comment, Story
from forum.services import accounts, debate_map, opinions
from forum.services import comments as comment_service
from forum.services import votes as vote_service
from forum.services.errors import InvalidInput, NotFound
from forum.web import limits
from forum.web.api import schema, serialize
from forum.web.api.payload import choice_arg, json_body, page_args
from forum.web.auth.views import sign_out_everywhere
from forum.web.roles import has_role

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # checked in _sign_in_then_csrf below, after the sign-in check

ID = "int"  # forum.web.IdConverter: an id past 64 bits is 0, which names nothing (404)
NULLABLE_STR = (str, type(None))
NULLABLE_ID = (int, type(None))


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
    db.session.rollback()
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
    if comment.status in ("published", "deleted"):
        return comment
    viewer = current_user
    if viewer.is_authenticated and (viewer.id == comment.author_id or has_role(viewer, "editor")):
        return comment
    raise NotFound("There is no such comment.")


@bp.get("/openapi.json")
def openapi():
    return jsonify(schema.document())


@bp.get("/csrf-token")
def csrf_token():
    from flask_wtf.csrf import generate_csrf

    return jsonify(csrf_token=generate_csrf(), header="X-CSRFToken")


@bp.get("/me")
def me():
    return jsonify(serialize.user(_signed_in(), private=True))


@bp.post("/session")
@limits.login
def sign_in():
    data = json_body({"username": (str,), "password": (str,)}, required=("username", "password"))
    user = accounts.authenticate(data["username"], data["password"])
    if user is None or user.status == "banned":
        abort(401, "Wrong username or password.")
    login_user(user)
    return jsonify(serialize.user(user, private=True))


@bp.delete("/session")
def sign_out():
    """Sign out. This ends every session of the reader on the server, not only this cookie."""
    sign_out_everywhere()
    return "", 204


@bp.delete("/sessions")
def sign_out_all():
    """Sign out everywhere (every browser and widget token); the same as ``DELETE /api/session``, named
    for the reader's intent. Needs a signed-in session and the CSRF token."""
    _signed_in()
    sign_out_everywhere()
    return "", 204


@bp.get("/stories")
def stories():
    limit, offset = page_args()
    query = select(Story).where(Story.status == "open", Story.listed)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.order_by(Story.published_at.desc(), Story.id).limit(limit).offset(offset)
    )
    return jsonify(serialize.page([serialize.story(s) for s in items], total, limit, offset))


@bp.get("/stories/<ref>")
def story(ref: str):
    return jsonify(serialize.story(_story(ref)))


@bp.get("/stories/<ref>/comments")
def story_comments(ref: str):
    story = _story(ref)
    limit, offset = page_args()
    order = choice_arg("sort", ("oldest", "newest"), "oldest")
    query = select(Comment).where(Comment.story_id == story.id, Comment.status.in_(comment_service.VISIBLE))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    key = (
        (Comment.created_at, Comment.id)
        if order == "oldest"
        else (Comment.created_at.desc(), Comment.id.desc())
    )
    rows = db.session.scalars(
        query.options(selectinload(Comment.author)).order_by(*key).limit(limit).offset(offset)
    )
    return jsonify(serialize.page([serialize.comment(c) for c in rows], total, limit, offset))


_POST_FIELDS = {
    "body": (str,),
    "side": NULLABLE_STR,
    "parent_id": NULLABLE_ID,
    "idempotency_key": NULLABLE_STR,
}


@bp.post("/stories/<ref>/comments")
@limits.post
def post_comment(ref: str):
    author = _signed_in()
    story = _story(ref)
    data = json_body(_POST_FIELDS, required=("body",))
    comment = comment_service.post_comment(
        story,
        author,
        data["body"],
        side=data.get("side"),
        parent_id=data.get("parent_id"),
        idempotency_key=data.get("idempotency_key"),
    )
    body = serialize.comment(comment)  # before the commit expires what it reads
    db.session.commit()
    return jsonify(body), 201


@bp.get(f"/comments/<{ID}:comment_id>")
def comment(comment_id: int):
    return jsonify(serialize.comment(_visible_comment(comment_id)))


@bp.post(f"/comments/<{ID}:comment_id>/replies")
@limits.post
def reply(comment_id: int):
    author = _signed_in()
    parent = _visible_comment(comment_id)
    fields = {k: v for k, v in _POST_FIELDS.items() if k != "parent_id"}
    data = json_body(fields, required=("body",))
    comment = comment_service.post_comment(
        parent.story,
        author,
        data["body"],
        side=data.get("side"),
        parent_id=parent.id,
        idempotency_key=data.get("idempotency_key"),
    )
    body = serialize.comment(comment)  # before the commit expires what it reads
    db.session.commit()
    return jsonify(body), 201


@bp.patch(f"/comments/<{ID}:comment_id>")
@limits.post
def edit_comment(comment_id: int):
    user = _signed_in()
    comment = _visible_comment(comment_id)
    data = json_body({"body": (str,), "side": NULLABLE_STR})
    comment_service.edit_comment(
        comment, user, data.get("body", comment.body), data.get("side", comment.side)
    )
    db.session.commit()
    return jsonify(serialize.comment(comment))


@bp.delete(f"/comments/<{ID}:comment_id>")
def delete_comment(comment_id: int):
    user = _signed_in()
    comment_service.delete_comment(_visible_comment(comment_id), user)
    db.session.commit()
    return "", 204


@bp.put(f"/comments/<{ID}:comment_id>/vote")
@limits.vote
def vote(comment_id: int):
    user = _signed_in()
    data = json_body({"vote": (str,)}, required=("vote",))
    counts = vote_service.record_vote(comment_id, user, data["vote"])  # its own checks: no ORM load
    db.session.commit()
    return jsonify(comment=comment_id, vote=data["vote"], counts=counts)


@bp.get("/stories/<ref>/viewpoints")
def viewpoints(ref: str):
    return jsonify(serialize.debate_map(debate_map.published_map(_story(ref))))


@bp.get(f"/stories/<ref>/viewpoints/<{ID}:viewpoint_id>")
def viewpoint(ref: str, viewpoint_id: int):
    story = _story(ref)
    vp = debate_map.get_viewpoint(story, viewpoint_id)
    if not vp.active or getattr(vp, "hidden", False):
        raise NotFound("That viewpoint is no longer on the map.")
    limit, offset = page_args()
    members = debate_map.viewpoint_members(vp)
    by_id = {m.id: m for m in members}
    quotes = [by_id[q] for q in (vp.quote_ids or []) if q in by_id]
    reaction = debate_map.Reaction(
        sum(m.agree_count for m in members),
        sum(m.disagree_count for m in members),
        sum(m.pass_count for m in members),
    )
    body = serialize.viewpoint(vp, quotes, reaction)
    body["members"] = serialize.page(
        [serialize.comment(c) for c in members[offset : offset + limit]], len(members), limit, offset
    )
    return jsonify(body)


@bp.get("/stories/<ref>/opinion-groups")
def opinion_groups(ref: str):
    page = opinions.read_opinions(_story(ref), current_user)
    return jsonify(serialize.opinion_groups(page, opinions.MIN_VOTES_TO_SEE))
