"""Signing readers in to the widget without third-party cookies.

Two ways in, both ending in a short-lived *widget token* the frame keeps in memory and sends as a bearer
header:

* the forum's own sign-in, in a popup on the forum's origin (first-party cookies), which hands the frame
  a widget token (:func:`issue_widget_token`);
* publisher single sign-on: an HS256 JWT the publisher's server signs with the site's secret, carrying
  ``sub`` (its user id), ``name``, ``exp`` and a unique ``jti`` (:func:`sso_sign_in`). Each ``jti`` is
  redeemed once: it is stored until the token expires.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import UTC, datetime

import jwt
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Site, SiteUser, UsedSsoToken, User, UserStatus
from forum.services.errors import Forbidden, ServiceError

WIDGET_TOKEN_SECONDS = 3600
SSO_MAX_LIFETIME = 3600  # publishers' tokens may live at most this long (so used ids can be forgotten)
SSO_LEEWAY = 30
_SALT = "forum-widget-token"


class Unauthorized(ServiceError):
    """A missing, malformed, forged, expired or replayed token."""

    status = 401


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_widget_token(user: User, site: Site) -> str:
    """A token that lets the widget act as ``user`` on ``site``'s pages for an hour."""
    return _serializer().dumps({"u": user.id, "s": site.id, "v": user.session_version or 0})


def read_widget_token(token: str | None) -> tuple[User, Site]:
    """The reader and site a widget token stands for; Unauthorized when it is bad or expired."""
    if not token:
        raise Unauthorized("Sign in first: the request carries no widget token.")
    try:
        data = _serializer().loads(token, max_age=WIDGET_TOKEN_SECONDS)
    except SignatureExpired:
        raise Unauthorized("Your widget sign-in has expired: sign in again.") from None
    except BadSignature:
        raise Unauthorized("The widget token is not valid: sign in again.") from None
    if not isinstance(data, dict) or not all(type(data.get(k)) is int for k in ("u", "s", "v")):
        raise Unauthorized("The widget token is not valid: sign in again.")
    user = db.session.get(User, data["u"])
    site = db.session.get(Site, data["s"])
    # A token issued before the reader signed out everywhere (or changed password, role, status) is void.
    if user is None or site is None or not site.active or user.session_version != data["v"]:
        raise Unauthorized("The widget token is not valid: sign in again.")
    if user.status == UserStatus.BANNED:
        raise Forbidden("This account cannot take part.")
    return user, site


def sign_sso_token(secret: str, sub: str, name: str, *, ttl: int = 300, jti: str | None = None) -> str:
    """What a publisher's server does (shown in the snippet page; used by tests and the demo)."""
    now = int(time.time())
    claims = {"sub": sub, "name": name, "iat": now, "exp": now + ttl, "jti": jti or secrets.token_urlsafe(16)}
    return jwt.encode(claims, secret, algorithm="HS256")


def _decode(site: Site, token: str) -> dict:
    if not token or not isinstance(token, str) or len(token) > 4096:
        raise Unauthorized("The sign-in token is missing or malformed.")
    try:
        claims = jwt.decode(
            token,
            site.sso_secret,
            algorithms=["HS256"],
            options={"require": ["exp", "jti", "sub", "name"]},
            leeway=SSO_LEEWAY,
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The sign-in token has expired.") from None
    except jwt.InvalidSignatureError:
        raise Unauthorized("The sign-in token's signature is not valid for this site.") from None
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthorized(f"The sign-in token lacks the {exc.claim!r} claim.") from None
    except (jwt.InvalidTokenError, RecursionError):  # RecursionError: a header or body nested too deeply
        raise Unauthorized("The sign-in token is malformed.") from None
    exp = claims["exp"]
    # PyJWT accepts any exp that int() takes ("1900000000", true): only a JSON number is a time.
    if isinstance(exp, bool) or not isinstance(exp, int | float) or exp != exp:
        raise Unauthorized("The sign-in token's 'exp' claim must be a number (seconds since 1970).")
    if exp > time.time() + SSO_MAX_LIFETIME + SSO_LEEWAY:
        raise Unauthorized(f"The sign-in token lives too long: at most {SSO_MAX_LIFETIME // 60} minutes.")
    for claim in ("sub", "name", "jti"):
        if not isinstance(claims[claim], str) or not claims[claim].strip():
            raise Unauthorized(f"The sign-in token's {claim!r} claim must be a non-empty string.")
    if len(claims["sub"]) > 120 or len(claims["jti"]) > 200:
        raise Unauthorized("The sign-in token's user id or token id is too long.")
    return claims


def _redeem(site: Site, jti: str, exp: int) -> None:
    now = datetime.now(UTC)
    db.session.execute(delete(UsedSsoToken).where(UsedSsoToken.expires_at < now))
    expires = datetime.fromtimestamp(exp + SSO_LEEWAY, UTC)
    try:
        with db.session.begin_nested():
            db.session.add(UsedSsoToken(site_id=site.id, jti=jti, expires_at=expires))
    except IntegrityError:
        raise Unauthorized("This sign-in token was used already: tokens work once.") from None


def _username(site: Site, sub: str) -> str:
    return f"sso.{site.id}.{hashlib.sha256(sub.encode()).hexdigest()[:16]}"


def _clean_display(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()[:80] or "Reader"


def sso_sign_in(site: Site, token: str) -> User:
    """Verify a publisher's token, redeem its ``jti`` once, and return the site's reader as a forum user
    (created and linked on first sign-in; the display name follows the publisher's)."""
    claims = _decode(site, token)
    _redeem(site, claims["jti"], claims["exp"])
    sub, name = claims["sub"].strip(), _clean_display(claims["name"])
    link = db.session.scalar(select(SiteUser).where(SiteUser.site_id == site.id, SiteUser.external_id == sub))
    if link is None:
        user = User(username=_username(site, sub), display_name=name, password_hash=None, role="reader")
        db.session.add(user)
        db.session.flush()
        link = SiteUser(site_id=site.id, external_id=sub, user_id=user.id)
        db.session.add(link)
        db.session.flush()
    user = link.user
    if user.status == UserStatus.BANNED:
        raise Forbidden("This account cannot take part.")
    if user.display_name != name:
        user.display_name = name
        db.session.flush()
    return user


STORY_TOKEN_AUDIENCE = "forum-story"


def sign_story_token(
    secret: str, url: str, title: str, question: str | None = None, ttl: int | None = None
) -> str:
    """What a publisher's server does to vouch for an article: an HS256 JWT, signed with the site's secret,
    naming the page's canonical ``url`` and its ``title`` (and, optionally, the ``question``). The snippet
    carries it as ``data-story-token``; with it, the widget's first load of the page starts a listed
    discussion under that title. ``ttl`` (seconds) adds an ``exp``; pages are cached, so it may be long."""
    claims: dict = {"aud": STORY_TOKEN_AUDIENCE, "url": url, "title": title}
    if question:
        claims["question"] = question
    if ttl is not None:
        claims["exp"] = int(time.time()) + ttl
    return jwt.encode(claims, secret, algorithm="HS256")


def read_story_token(site: Site, token: str, url: str) -> dict[str, str]:
    """The ``title`` and ``question`` a publisher's story token vouches for, for the page ``url``
    (normalised); Unauthorized when the token is malformed, forged, expired or for another page."""
    from forum.services.sites import normalize_url  # sites uses this module; import here, not at the top

    if not isinstance(token, str) or not token or len(token) > 4096:
        raise Unauthorized("The story token (data-story-token) is missing or malformed.")
    try:
        claims = jwt.decode(
            token,
            site.sso_secret,
            algorithms=["HS256"],
            audience=STORY_TOKEN_AUDIENCE,
            options={"require": ["aud", "url", "title"]},
            leeway=SSO_LEEWAY,
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The story token (data-story-token) has expired.") from None
    except (jwt.InvalidTokenError, RecursionError):
        raise Unauthorized("The story token (data-story-token) is not valid for this site.") from None
    title, question = claims.get("title"), claims.get("question")
    if not isinstance(title, str) or not title.strip() or not isinstance(question, str | None):
        raise Unauthorized("The story token's title and question must be text.")
    try:
        same_page = isinstance(claims["url"], str) and normalize_url(claims["url"]) == url
    except ServiceError:
        same_page = False
    if not same_page:
        raise Unauthorized("The story token was signed for another page.")
    return {"title": title.strip()[:300], "question": (question or "").strip()[:300]}
