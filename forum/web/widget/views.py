"""Pages of the widget: embed.js, the frame publishers embed, the read-only map frame, the sign-in popup,
comment counts for article lists, and oEmbed."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user

from forum.extensions import writes_database
from forum.models import CommentStatus, UserStatus
from forum.services import comments as comment_service
from forum.services import debate_map, widget_auth
from forum.services import sites as site_service
from forum.services.errors import NotFound, ServiceError
from forum.web import limits
from forum.web.auth.forms import LoginForm
from forum.web.auth.views import log_in_from_form
from forum.web.caching import cached_for_anonymous
from forum.web.widget.headers import frameable_by, popup_page

bp = Blueprint("widget", __name__)
TOP_COMMENTS = 5


def own_origin() -> str:
    return site_service.origin_of(request.host_url) or ""


def _frame_error(message: str, status: int):
    """A clear error inside the frame. Error pages hold no data and no controls, so any page may frame
    them: a publisher whose snippet is wrong sees why, instead of a blank box."""
    response = current_app.make_response((render_template("widget/error.html", message=message), status))
    return frameable_by(response, "*")


@bp.get("/embed.js")
def embed_js():
    response = send_from_directory(
        current_app.static_folder, "embed.js", mimetype="text/javascript", max_age=300
    )
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _top_comments(story):
    threads = comment_service.thread_page(story, sort="agreed", page=1)
    return [c for c in threads.roots if c.status == CommentStatus.PUBLISHED][:TOP_COMMENTS]


@bp.get("/widget/frame")
@writes_database  # a page's first load may create its story
def frame():
    page_origin = site_service.origin_of(request.referrer)
    args = request.args
    try:
        site = site_service.get_site(args.get("site"))
        if page_origin is not None and page_origin != own_origin():
            site_service.check_origin(site, page_origin)
        story = site_service.resolve_story(
            site,
            story_id=args.get("story"),
            url=args.get("url"),
            story_token=args.get("story_token"),  # title, question and listing come only from it
            page_origin=page_origin if page_origin != own_origin() else None,
            may_create=lambda: limits.allow_auto_create(site.key),
        )
    except ServiceError as exc:
        return _frame_error(exc.message, exc.status)
    parent_origin = page_origin if site_service.origin_allowed(site, page_origin) else None
    html = render_template(
        "widget/frame.html",
        site=site,
        story=story,
        view=debate_map.published_map(story),
        comments=_top_comments(story),
        parent_origins=json.dumps(site.allowed_origins),
        parent_origin=parent_origin or "",
    )
    return frameable_by(current_app.make_response(html), site.allowed_origins)


@bp.get("/widget/map/<int:story_id>")
@cached_for_anonymous  # every reader of a publisher's article loads it
def map_frame(story_id: int):
    """The story's debate map alone, read-only (the oEmbed frame). Any page may frame it unless a site
    is named, in which case only that site's origins may."""
    try:
        story = comment_service.get_story(story_id)
        site = site_service.get_site(request.args["site"]) if request.args.get("site") else None
        if site is not None:
            site_service.check_embeddable(site, story)
    except ServiceError as exc:
        return _frame_error(exc.message, exc.status)
    html = render_template("widget/map_frame.html", story=story, view=debate_map.published_map(story))
    return frameable_by(current_app.make_response(html), site.allowed_origins if site else "*")


@bp.route("/widget/signin", methods=["GET", "POST"])
@limits.login
def signin():
    """The sign-in popup, on the forum's own origin (first-party cookies work here). Once the reader is
    signed in, the page hands the frame that opened it a widget token, then closes."""
    try:
        site = site_service.get_site(request.args.get("site"))
    except ServiceError as exc:
        return popup_page(
            current_app.make_response((render_template("widget/error.html", message=exc.message), exc.status))
        )
    form = LoginForm()
    error = None
    if request.method == "POST":
        error = log_in_from_form(form)
    if current_user.is_authenticated and current_user.status != UserStatus.BANNED and error is None:
        token = widget_auth.issue_widget_token(current_user, site)
        html = render_template("widget/signin_done.html", site=site, token=token, user=current_user)
        return popup_page(current_app.make_response(html))
    html = render_template("widget/signin.html", site=site, form=form, error=error)
    return popup_page(current_app.make_response((html, 401 if error else 200)))


@bp.get("/widget/count")
def count():
    """Comment counts for ``[data-forum-count]`` elements; readable cross-origin by the site's pages only."""
    origin = request.headers.get("Origin")
    try:
        site = site_service.get_site(request.args.get("site"))
        if origin is not None:
            site_service.check_origin(site, site_service.origin_of(origin))
        result = site_service.comment_counts(site, request.args.getlist("story"), request.args.getlist("url"))
    except ServiceError as exc:
        return jsonify(error={"status": exc.status, "message": exc.message}), exc.status
    response = jsonify(result)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = site_service.origin_of(origin)
    response.headers["Vary"] = "Origin"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _story_from_forum_url(url: str):
    if site_service.origin_of(url) != own_origin():  # None for anything that is not an http(s) URL
        return None
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2 and segments[0] == "stories":
        return comment_service.get_story(segments[1])
    return None


@bp.get("/oembed")
def oembed():
    """oEmbed (https://oembed.com) for a story's debate map: the forum's story or map URL, or a
    publisher's article URL linked to a story."""
    url = request.args.get("url", "")
    if request.args.get("format", "json") != "json":
        abort(501, "Only format=json is supported.")
    if not url:
        abort(400, "Give the URL of a story in ?url=.")
    site = None
    try:
        story = _story_from_forum_url(url)
    except NotFound:
        story = None
    if story is None:
        found = site_service.site_for_page(url)
        if found is None:
            abort(404, "No debate map is known for that URL.")
        site, link = found
        story = link.story
    width = _dimension("maxwidth", 600)
    height = _dimension("maxheight", 480)
    src = url_for("widget.map_frame", story_id=story.id, site=site.key if site else None, _external=True)
    html = render_template("widget/oembed_iframe.html", src=src, width=width, height=height, story=story)
    return jsonify(
        version="1.0",
        type="rich",
        provider_name=current_app.config["FORUM_SITE_NAME"],
        provider_url=url_for("readers.home", _external=True),
        title=f"Debate map: {story.headline}",
        html=html.strip(),
        width=width,
        height=height,
    )


def _dimension(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) < 100:
        abort(400, f"{name} must be a whole number of at least 100.")
    return min(default, int(value))
