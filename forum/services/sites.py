"""Publisher sites: registering them, checking origins, and finding (or creating) the story a page embeds."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.ids import MAX_ID, is_id_text, parse_id
from forum.models import Comment, CommentStatus, Site, SiteStory, Story, StoryStatus
from forum.services import signals, widget_auth
from forum.services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL = 500
DEFAULT_QUESTION = "What do you think?"
UNTITLED = "Untitled discussion"


class TooManyRequests(ServiceError):
    status = 429


def _split(url: str, what: str):
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"{what} {text[:80]!r} is not a valid URL.") from None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidInput(f"{what} {text[:80]!r} must start with http:// or https:// and name a host.")
    return parts, port


def _netloc(scheme: str, host: str, port: int | None) -> str:
    host = host.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"


def normalize_origin(text: str) -> str:
    """``scheme://host[:port]`` in lower case without a default port; InvalidInput for anything else."""
    parts, port = _split(text, "The origin")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidInput(f"The origin {text.strip()[:80]!r} must be scheme and host only, with no path.")
    scheme = parts.scheme.lower()
    return f"{scheme}://{_netloc(scheme, parts.hostname, port)}"


def origin_of(url: str | None) -> str | None:
    """The normalised origin of ``url``, or None when it is not an http(s) URL."""
    try:
        parts, port = _split(url or "", "The URL")
    except InvalidInput:
        return None
    scheme = parts.scheme.lower()
    return f"{scheme}://{_netloc(scheme, parts.hostname, port)}"


def normalize_url(url: str) -> str:
    """A page's canonical URL as stored: normalised origin, path and query, no fragment."""
    parts, port = _split(url, "The page URL")
    if parts.username or parts.password:
        raise InvalidInput("The page URL must not carry a user name or password.")
    scheme = parts.scheme.lower()
    result = urlunsplit((scheme, _netloc(scheme, parts.hostname, port), parts.path or "/", parts.query, ""))
    if len(result) > MAX_URL:
        raise InvalidInput(f"The page URL is longer than {MAX_URL} characters.")
    return result


def parse_origins(value: str | list[str]) -> list[str]:
    """Origins from a list or from text with one per line (commas and spaces also separate)."""
    items = value if isinstance(value, list) else re.split(r"[\s,]+", value or "")
    origins: list[str] = []
    for item in items:
        if item.strip():
            origin = normalize_origin(item)
            if origin not in origins:
                origins.append(origin)
    if not origins:
        raise InvalidInput("List at least one allowed origin, such as https://news.example.", field="origins")
    return origins


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the site a name of 1-120 characters.", field="name")
    return name


def create_site(key: str, name: str, origins: str | list[str], auto_create: bool = False) -> Site:
    """Register a publisher site with a fresh single-sign-on secret."""
    key = (key or "").strip().lower()
    if not KEY_RE.match(key):
        raise InvalidInput("The site key is 2-40 lower-case letters, digits or dashes.", field="key")
    site = Site(
        key=key,
        name=_clean_name(name),
        allowed_origins=parse_origins(origins),
        auto_create=bool(auto_create),
        sso_secret=secrets.token_urlsafe(48),
        active=True,
    )
    if db.session.scalar(select(Site.id).where(Site.key == key)) is not None:
        raise Conflict(f"The site key {key!r} is taken.", field="key")
    db.session.add(site)
    db.session.flush()
    return site


def update_site(site: Site, name: str, origins: str | list[str], auto_create: bool, active: bool) -> Site:
    """Change a site's name, origins and switches (its key and secret stay). Everything is checked before
    anything changes, so a refused change leaves the site as stored."""
    clean_name, allowed = _clean_name(name), parse_origins(origins)
    site.name = clean_name
    site.allowed_origins = allowed
    site.auto_create = bool(auto_create)
    site.active = bool(active)
    db.session.flush()
    return site


def rotate_secret(site: Site) -> Site:
    """Give the site a new single-sign-on secret; tokens signed with the old one stop working."""
    site.sso_secret = secrets.token_urlsafe(48)
    db.session.flush()
    return site


def list_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name, Site.id)))


def get_site_by_id(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound("There is no such publisher site.")
    return site


def get_site(key: str | None) -> Site:
    """The active site with this key, or NotFound with a message a publisher can act on."""
    key = (key or "").strip()
    if not key:
        raise NotFound("The snippet does not name a site (data-site is missing).")
    site = db.session.scalar(select(Site).where(Site.key == key[:40]))
    if site is None or not site.active:
        raise NotFound(
            f"Unknown site {key[:40]!r}: it is not registered with this forum, or was switched off."
        )
    return site


def origin_allowed(site: Site, origin: str | None) -> bool:
    return bool(origin) and origin in (site.allowed_origins or [])


def check_origin(site: Site, origin: str | None) -> None:
    """Forbidden unless ``origin`` is one of the site's allowed origins."""
    if not origin_allowed(site, origin):
        raise Forbidden(f"The page's origin {origin or '(unknown)'} is not allowed to embed {site.name!r}.")


def check_embeddable(site: Site, story: Story) -> None:
    """Forbidden when ``story`` belongs to another publisher. Forum stories with no site are open to all."""
    owners = set(db.session.scalars(select(SiteStory.site_id).where(SiteStory.story_id == story.id)))
    if owners and site.id not in owners:
        raise Forbidden("This story belongs to another site and cannot be embedded here.")


def _slug(text: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-") or "story"
    return f"{base}-{secrets.token_hex(3)}"


def _page_slug(url: str) -> str:
    """A slug from the page's path (``/cars/electric-cars`` gives ``electric-cars-1a2b3c``)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return _slug(segments[-1] if segments else "untitled")


def _create_story(site: Site, url: str, vouched: dict[str, str] | None) -> Story:
    """A story for the page. Its title and question come only from the publisher's signed story token;
    without one it is "Untitled discussion", asks the default question and stays unlisted until its first
    published comment (an editor can set the title meanwhile)."""
    title = vouched["title"] if vouched else UNTITLED
    story = Story(
        slug=_slug(title) if vouched else _page_slug(url),
        headline=title,
        lede="",
        body="",
        source_url=url,
        source_name=site.name[:120],
        question=(vouched or {}).get("question") or DEFAULT_QUESTION,
        status=StoryStatus.OPEN,
        listed=vouched is not None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(story)
            db.session.flush()
            db.session.add(SiteStory(site_id=site.id, story_id=story.id, url=url))
    except IntegrityError:  # another first load of the same page won the race
        link = db.session.scalar(select(SiteStory).where(SiteStory.site_id == site.id, SiteStory.url == url))
        if link is None:
            raise
        return link.story
    return story


def _vouch(story: Story, vouched: dict[str, str]) -> None:
    """A signed story token for a page whose story the widget created unvouched: list it, and take the
    token's title and question unless an editor has set them already."""
    if story.listed:
        return
    story.listed = True
    if story.headline == UNTITLED:
        story.headline = vouched["title"]
    if vouched.get("question") and story.question == DEFAULT_QUESTION:
        story.question = vouched["question"]
    db.session.flush()


def resolve_story(
    site: Site,
    *,
    story_id: str | int | None = None,
    url: str | None = None,
    story_token: str | None = None,
    page_origin: str | None = None,
    may_create: Callable[[], bool] = lambda: True,
) -> Story:
    """The story a page of ``site`` embeds: by id, else by the page's canonical URL. When no story has
    that URL and the site allows it, one is created, but only when both the canonical URL and the page
    the request came from (``page_origin``, from the Referer header, never the client's say) are on one of
    the site's allowed origins, and ``may_create()`` (the per-site rate limit) agrees. Nothing in the
    request but the publisher's signed ``story_token`` can give it a title or list it publicly."""
    if story_id not in (None, ""):
        if not is_id_text(str(story_id)):
            raise InvalidInput("The story id (data-story) must be a whole number.")
        number = parse_id(str(story_id))
        story = db.session.get(Story, number) if number is not None else None
        if story is None:
            raise NotFound(f"There is no story {str(story_id)[:30]} on this forum.")
        check_embeddable(site, story)
        return story
    if not url:
        raise InvalidInput("The snippet names neither a story (data-story) nor the page's URL (data-url).")
    url = normalize_url(url)
    vouched = widget_auth.read_story_token(site, story_token, url) if story_token else None
    link = db.session.scalar(select(SiteStory).where(SiteStory.site_id == site.id, SiteStory.url == url))
    if link is not None:
        if vouched is not None:
            _vouch(link.story, vouched)
        return link.story
    if not site.auto_create:
        raise NotFound("No discussion is linked to this page yet, and this site does not start them itself.")
    check_origin(site, origin_of(url))
    if page_origin is None:
        raise Forbidden("The page's origin could not be confirmed, so no discussion was started for it.")
    check_origin(site, page_origin)
    if not may_create():
        raise TooManyRequests(
            f"{site.name} has started too many discussions in a short time; this page gets one later."
        )
    return _create_story(site, url, vouched)


@signals.comment_changed.connect
def _list_on_first_published_comment(comment: Comment, **_: object) -> None:
    """An unlisted story (one the widget created with nothing to vouch for it) is listed once a comment on
    it is published: a reader took part, and the moderation rules or a moderator accepted it."""
    if comment.status != CommentStatus.PUBLISHED:
        return
    story = comment.story
    if story is not None and not story.listed:
        story.listed = True
        db.session.flush()


def comment_counts(site: Site, story_ids: list[str], urls: list[str]) -> dict[str, dict[str, int]]:
    """Published comment counts for the site's stories, by id and by canonical URL (unknown ones left out)."""
    ids = set()
    for raw in story_ids[:100]:
        if not is_id_text(str(raw)):
            continue  # an element with no usable id shows no count; the others still get theirs
        number = parse_id(str(raw))
        if number is None:
            raise InvalidInput(f"The story id {str(raw)[:30]!r} is out of range: ids go from 1 to {MAX_ID}.")
        ids.add(number)
    wanted_urls: dict[str, str] = {}
    for raw in urls[:100]:
        try:
            wanted_urls[normalize_url(raw)] = raw
        except InvalidInput:
            continue
    by_url = {}
    if wanted_urls:
        rows = db.session.execute(
            select(SiteStory.url, SiteStory.story_id).where(
                SiteStory.site_id == site.id, SiteStory.url.in_(list(wanted_urls))
            )
        )
        by_url = {wanted_urls[u]: sid for u, sid in rows}
    all_ids = ids | set(by_url.values())
    counts: dict[int, int] = {}
    if all_ids:
        foreign = set(
            db.session.scalars(
                select(SiteStory.story_id).where(
                    SiteStory.story_id.in_(all_ids), SiteStory.site_id != site.id
                )
            )
        )
        own = set(
            db.session.scalars(
                select(SiteStory.story_id).where(
                    SiteStory.story_id.in_(all_ids), SiteStory.site_id == site.id
                )
            )
        )
        visible = [i for i in all_ids if i in own or i not in foreign]
        existing = (
            set(db.session.scalars(select(Story.id).where(Story.id.in_(visible)))) if visible else set()
        )
        counts = dict.fromkeys(existing, 0)
        if existing:
            rows = db.session.execute(
                select(Comment.story_id, func.count())
                .where(Comment.story_id.in_(existing), Comment.status == CommentStatus.PUBLISHED)
                .group_by(Comment.story_id)
            )
            counts.update({sid: n for sid, n in rows})
    return {
        "stories": {str(i): counts[i] for i in ids if i in counts},
        "urls": {raw: counts[sid] for raw, sid in by_url.items() if sid in counts},
    }


def site_for_page(url: str) -> tuple[Site, SiteStory] | None:
    """The site and story link whose canonical URL is ``url`` (for oEmbed), if any."""
    try:
        norm = normalize_url(url)
    except InvalidInput:
        return None
    link = db.session.scalar(select(SiteStory).where(SiteStory.url == norm).order_by(SiteStory.id))
    return (link.site, link) if link is not None and link.site.active else None


def embeddable_stories(site: Site, limit: int) -> list[Story]:
    """The newest stories ``site`` may embed: the forum's own (no publisher) and the site's own."""
    others = select(SiteStory.story_id).where(SiteStory.site_id != site.id)
    mine = select(SiteStory.story_id).where(SiteStory.site_id == site.id)
    query = select(Story).where(or_(Story.id.not_in(others), Story.id.in_(mine)))
    return list(db.session.scalars(query.order_by(Story.created_at.desc(), Story.id.desc()).limit(limit)))
