"""The JSON endpoints the widget frame calls. Every write checks that it comes from the forum's own origin
(the frame) and is authenticated by a widget token (bearer header, works without third-party cookies) or,
for a frame on the forum's own site, by the session plus its CSRF token."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf
from werkzeug.exceptions import HTTPException

from forum.extensions import csrf
from forum.services import comments as comment_service
from forum.services import sites as site_service
from forum.services import votes as vote_service
from forum.services import widget_auth
from forum.services.errors import Forbidden, InvalidInput, ServiceError
from forum.web import limits
from forum.web.widget.views import own_origin

bp = Blueprint("widget_api", __name__, url_prefix="/widget/api")
MY_COMMENTS = 5
csrf.exempt(bp)  # checked below: a bearer token, or the session's CSRF token in a header


def _error(message: str, status: int):
    return jsonify(error={"status": status, "message": message}), status


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return _error(exc.message, exc.status)


@bp.errorhandler(429)  # by code: the app's own 429 page would win over a class handler
def _rate_limited(exc):
    return _error("Too many requests: slow down and try again in a minute.", 429)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _error(exc.description or exc.name, exc.code or 500)


@bp.before_request
def _authenticate():
    """Origin first, then who is asking: the bearer token's reader, else the session's (with CSRF)."""
    g.widget_site = None
    if request.method == "POST" and request.headers.get("Origin") != own_origin():
        raise Forbidden("Requests to the widget API must come from the forum's own widget frame.")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user, site = widget_auth.read_widget_token(header[len("Bearer ") :].strip())
        g._login_user = user  # this request only; the session is left alone
        g.widget_site = site
    elif request.method == "POST" and current_user.is_authenticated:
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except ValidationError:
            raise Forbidden("The security token is missing or invalid: reload the page.") from None


def _payload() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object.")
    return data


def _require_reader():
    if not current_user.is_authenticated:
        raise widget_auth.Unauthorized("Sign in to take part.")
    return current_user._get_current_object()


def _site(data: dict):
    site = g.widget_site or site_service.get_site(str(data.get("site") or ""))
    if not site.active:
        raise Forbidden("This site is switched off.")
    return site


@bp.post("/sso")
@limits.login
def sso():
    """Exchange a publisher's signed sign-in token for a widget token."""
    data = _payload()
    site = site_service.get_site(str(data.get("site") or ""))
    user = widget_auth.sso_sign_in(site, data.get("token"))
    return jsonify(token=widget_auth.issue_widget_token(user, site), user={"name": user.display_name})


@bp.get("/stories/<int:story_id>/me")
def me(story_id: int):
    """Who the token stands for and their votes on the story (to mark chosen buttons)."""
    user = _require_reader()
    votes = vote_service.votes_of(user, story_id)
    return jsonify(user={"name": user.display_name}, votes={str(c): v for c, v in votes.items()})


@bp.get("/stories/<int:story_id>/mine")
def mine(story_id: int):
    """The reader's own latest comments on the story, published or awaiting moderation (the frame shows
    them beside the comment box, so a reader always finds what they posted)."""
    user = _require_reader()
    story = comment_service.get_story(story_id)
    own = comment_service.latest_own(story, user, MY_COMMENTS)
    return jsonify(
        comments=[
            {
                "id": c.id,
                "status": c.status,
                "html": render_template(
                    "widget/_comment.html", c=c, story=story, can_vote=False, id_prefix="fw-mine-c"
                ),
            }
            for c in own
        ]
    )


@bp.post("/stories/<int:story_id>/comments")
@limits.post
def post_comment(story_id: int):
    data = _payload()
    user = _require_reader()
    story = comment_service.get_story(story_id)
    site_service.check_embeddable(_site(data), story)
    comment = comment_service.post_comment(
        story,
        user,
        data.get("body") if isinstance(data.get("body"), str) else None,
        side=data.get("side") if isinstance(data.get("side"), str) else None,
        idempotency_key=str(data.get("idempotency_key") or "") or None,
    )
    html = render_template(
        "widget/_comment.html", c=comment, story=story, can_vote=False, id_prefix="fw-mine-c"
    )
    return jsonify(id=comment.id, status=comment.status, html=html), 201


@bp.post("/comments/<int:comment_id>/vote")
@limits.vote
def vote(comment_id: int):
    data = _payload()
    user = _require_reader()
    comment = comment_service.get_comment(comment_id)
    site_service.check_embeddable(_site(data), comment.story)
    choice = data.get("vote") if isinstance(data.get("vote"), str) else None
    counts = vote_service.cast_vote(comment, user, choice)
    return jsonify(comment=comment_id, vote=data.get("vote"), counts=counts)
