"""Stories the widget creates on its own: anyone can send a request with a forged Referer, so such a story
is not listed and takes no title from the request until something trustworthy vouches for it (the
publisher's signed story token, or its first published comment); and creation is rate-limited per site."""

from __future__ import annotations

import uuid

import jwt
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import SiteStory, Story
from forum.services import comments as comment_service
from forum.services import moderation
from forum.services import sites as site_service
from forum.services.widget_auth import sign_story_token
from tests.factories import make_user
from tests.widget.conftest import counts, frame

PAGE = "https://auto.example/2026/bridge"
REFERER = "https://auto.example/2026/bridge"
OTHER_SECRET = "another secret entirely, long enough for HS256"


def _story(url: str = PAGE) -> Story:
    return db.session.scalar(select(Story).join(SiteStory).where(SiteStory.url == url))


def _listed(client) -> tuple[str, list[str]]:
    home = client.get("/").get_data(as_text=True)
    api = [s["slug"] for s in client.get("/api/stories?limit=100").get_json()["items"]]
    return home, api


def test_forged_request_creates_an_unlisted_untitled_story(client, auto_site):
    response = frame(client, referer=REFERER, site="auto", url=PAGE, title="Click here: free money")
    assert response.status_code == 200
    story = _story()
    assert story.headline == "Untitled discussion" and not story.listed
    assert "free money" not in response.get_data(as_text=True)
    home, api = _listed(client)
    assert story.slug not in home and "free money" not in home and story.slug not in api
    # The page itself still works for whoever has the link (the widget links to it).
    assert client.get(f"/stories/{story.slug}").status_code == 200


def test_signed_story_token_gives_the_title_and_lists_it(client, auto_site):
    token = sign_story_token(auto_site.sso_secret, PAGE, "A new bridge", "Build it?", ttl=86400)
    response = frame(client, referer=REFERER, site="auto", url=PAGE, story_token=token, title="ignored")
    assert response.status_code == 200 and "Build it?" in response.get_data(as_text=True)
    story = _story()
    assert story.headline == "A new bridge" and story.question == "Build it?" and story.listed
    home, api = _listed(client)
    assert "A new bridge" in home and story.slug in api


def test_a_later_token_vouches_for_an_untitled_story(client, auto_site):
    frame(client, referer=REFERER, site="auto", url=PAGE)
    assert not _story().listed
    token = sign_story_token(auto_site.sso_secret, PAGE + "#comments", "The bridge")
    assert frame(client, referer=REFERER, site="auto", url=PAGE, story_token=token).status_code == 200
    story = _story()
    assert story.listed and story.headline == "The bridge"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda secret: sign_story_token("another secret entirely, long enough for HS256", PAGE, "T"),
            "not valid for this site",
        ),
        (lambda secret: sign_story_token(secret, "https://auto.example/other", "T"), "another page"),
        (lambda secret: sign_story_token(secret, PAGE, "T", ttl=-3600), "expired"),
        (lambda secret: jwt.encode({"url": PAGE, "title": "T"}, secret, "HS256"), "not valid"),  # no aud
        (lambda secret: jwt.encode({"aud": "forum-story", "url": PAGE, "title": 5}, secret), "must be text"),
        (lambda secret: "x" * 5000, "malformed"),
    ],
)
def test_bad_story_tokens_create_nothing(client, auto_site, make, message):
    before = counts()
    response = frame(client, referer=REFERER, site="auto", url=PAGE, story_token=make(auto_site.sso_secret))
    assert response.status_code == 401 and message in response.get_data(as_text=True)
    assert counts() == before


def test_an_sso_sign_in_token_is_not_a_story_token(client, auto_site):
    from forum.services.widget_auth import sign_sso_token

    token = sign_sso_token(auto_site.sso_secret, "u-1", "Reader")
    response = frame(client, referer=REFERER, site="auto", url=PAGE, story_token=token)
    assert response.status_code == 401


def test_first_published_comment_lists_it(client, auto_site):
    frame(client, referer=REFERER, site="auto", url=PAGE)
    story = _story()
    reader = make_user("first-commenter")
    story.moderation_mode = "all"  # every comment held: the held one does not vouch
    db.session.commit()
    held = comment_service.post_comment(story, reader, "A held first comment.")
    db.session.commit()
    assert held.status == "pending" and not _story().listed
    editor = make_user("mod-1", role="editor")
    moderation.moderate([held], "approve", editor)
    db.session.commit()
    assert _story().listed and _story().headline == "Untitled discussion"
    assert story.slug in _listed(client)[1]


def test_a_published_comment_lists_it_at_once(client, auto_site):
    frame(client, referer=REFERER, site="auto", url=PAGE)
    comment_service.post_comment(_story(), make_user("reader-x"), "Published at once.")
    db.session.commit()
    assert _story().listed


def test_auto_creation_is_rate_limited_per_site(client, app):
    # Fresh site keys: the limiter's counters outlive the test's rolled-back database.
    busy, quiet = (f"rl-{uuid.uuid4().hex[:10]}" for _ in range(2))
    for key in (busy, quiet):
        site_service.create_site(key, key, [f"https://{key}.example"], auto_create=True)
    db.session.commit()

    def load(key: str, page: str):
        url = f"https://{key}.example/{page}"
        return frame(client, referer=url, site=key, url=url).status_code

    saved = app.config["FORUM_LIMIT_AUTO_CREATE"]
    app.config["FORUM_LIMIT_AUTO_CREATE"] = "3 per hour"
    try:
        assert [load(busy, f"p{i}") for i in range(5)] == [200, 200, 200, 429, 429]
        assert _story(f"https://{busy}.example/p3") is None
        assert load(busy, "p1") == 200  # pages that have their story still load
        assert load(quiet, "p0") == 200  # and the limit is the site's own
    finally:
        app.config["FORUM_LIMIT_AUTO_CREATE"] = saved
