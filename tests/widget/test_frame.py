"""The frame publishers embed: what it shows, its framing headers, and the bad input it refuses."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import SiteStory, Story, Viewpoint
from forum.services import sites as site_service
from tests.factories import make_comment, make_story, make_user
from tests.widget.conftest import PUBLISHER, counts, frame


def _ancestors(response) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1)


def test_frame_shows_question_comments_form_and_forum_link(client, site):
    story = make_story(question="Should the bridge be rebuilt?", headline="Bridge closes")
    author, other = make_user("author1"), make_user("other1")
    liked = make_comment(story, author, "Rebuild it *now*.", side="agree", agree_count=5)
    make_comment(story, other, "Not at that price.", side="disagree", agree_count=1)
    make_comment(story, other, "Gone.", status="deleted")
    response = frame(client, site="news", story=story.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Should the bridge be rebuilt?" in html and "Bridge closes" in html
    assert html.index("Rebuild it <em>now</em>.") < html.index("Not at that price.")  # most agreed first
    assert "Gone." not in html
    assert html.count('class="fw-vote fw-agree"') == 2 and f'data-comment="{liked.id}"' in html
    assert 'id="fw-form"' in html and 'name="side" value="disagree"' in html
    assert f"http://localhost/stories/{story.slug}" in html  # the full discussion
    assert f'data-parent-origin="{PUBLISHER}"' in html and 'data-site="news"' in html
    assert "The map appears once there are enough comments (2 so far)" in html
    assert _ancestors(response) == f"'self' {PUBLISHER}"
    assert "X-Frame-Options" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_other_pages_still_refuse_framing(client, site):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY" and _ancestors(response) == "'none'"


def test_frame_shows_the_published_map_compactly(client, site):
    story = make_story(map_auto_publish=True)  # readers see the live map (no editor publication needed)
    for i, (side, share) in enumerate([(1, 0.6), (-1, 0.4)]):
        db.session.add(
            Viewpoint(
                story_id=story.id,
                position=i,
                headline=f"Viewpoint headline {i}",
                side=side,
                share=share,
                n_members=3,
                x=0.3 + 0.4 * i,
                y=0.5,
                radius=0.2,
                hidden=False,
            )
        )
    db.session.commit()
    html = frame(client, site="news", story=story.id).get_data(as_text=True)
    assert "Viewpoint headline 0" in html and "Viewpoint headline 1" in html
    assert html.count('class="fw-bubble side-') == 2
    assert '<meter min="0" max="100" value="60"' in html and "commenters</span>" in html
    assert "key points from" in html and "a comment can make several" in html
    assert f"/stories/{story.slug}/map" in html


@pytest.mark.parametrize(
    ("params", "referer", "status", "message"),
    [
        ({"site": "nope", "story": "1"}, PUBLISHER, 404, "Unknown site &#39;nope&#39;"),
        ({"story": "1"}, PUBLISHER, 404, "does not name a site"),
        (
            {"site": "news", "story": "1"},
            "https://evil.example/page",
            403,
            "https://evil.example is not allowed",
        ),
        ({"site": "news", "story": "abc"}, PUBLISHER, 400, "must be a whole number"),
        ({"site": "news", "story": "999999"}, PUBLISHER, 404, "There is no story 999999"),
        ({"site": "news"}, PUBLISHER, 400, "neither a story"),
        ({"site": "news", "url": "javascript:alert(1)"}, PUBLISHER, 400, "must start with http"),
        ({"site": "news", "url": PUBLISHER + "/a"}, PUBLISHER, 404, "does not start them itself"),
    ],
)
def test_bad_frame_requests_show_a_clear_error_and_create_nothing(
    client, site, params, referer, status, message
):
    before = counts()
    response = frame(client, referer=referer, **params)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "The debate cannot be shown here." in html and message in html
    assert 'id="fw-root"' not in html  # no widget
    assert _ancestors(response) == "*" and "X-Frame-Options" not in response.headers
    assert counts() == before


def test_switched_off_site_gets_no_widget(client, site):
    story = make_story()
    site_service.update_site(site, site.name, site.allowed_origins, False, active=False)
    db.session.commit()
    response = frame(client, site="news", story=story.id)
    assert response.status_code == 404 and "switched off" in response.get_data(as_text=True)


def test_story_of_another_site_is_refused(client, site, auto_site):
    theirs = make_story()
    db.session.add(SiteStory(site_id=auto_site.id, story_id=theirs.id, url="https://auto.example/x"))
    db.session.commit()
    response = frame(client, site="news", story=theirs.id)
    assert response.status_code == 403 and "belongs to another site" in response.get_data(as_text=True)
    assert frame(client, referer="https://auto.example/x", site="auto", story=theirs.id).status_code == 200


def test_story_found_by_canonical_url(client, site):
    story = make_story()
    db.session.add(SiteStory(site_id=site.id, story_id=story.id, url=PUBLISHER + "/2024/bridge?id=3"))
    db.session.commit()
    response = frame(client, site="news", url="HTTPS://News.Example:443/2024/bridge?id=3#comments")
    assert response.status_code == 200 and f'data-story="{story.id}"' in response.get_data(as_text=True)


def test_auto_creation_on_first_load_only_from_allowed_origins(client, auto_site):
    url = "https://auto.example/cars/electric"
    before = counts()
    first = frame(client, referer="https://auto.example/cars/electric", site="auto", url=url, title="EVs win")
    assert first.status_code == 200, first.get_data(as_text=True)
    story = db.session.scalar(select(Story).join(SiteStory).where(SiteStory.url == url))
    # The request's title is not taken (anyone can send one): untitled and unlisted until vouched for.
    assert story.headline == "Untitled discussion" and not story.listed and story.slug.startswith("electric-")
    assert story.source_url == url and story.source_name == "Auto Daily"
    assert story.question == "What do you think?" and story.status == "open"
    assert counts()["Story"] == before["Story"] + 1
    again = frame(client, referer="https://auto.example/other", site="auto", url=url, title="Changed")
    assert again.status_code == 200 and f'data-story="{story.id}"' in again.get_data(as_text=True)
    assert counts()["Story"] == before["Story"] + 1  # no duplicate
    asked = frame(
        client, referer="https://auto.example/", site="auto", url=url + "2", title="T", question="Why?"
    )
    assert asked.status_code == 200 and "Why?" not in asked.get_data(as_text=True)


@pytest.mark.parametrize(
    ("referer", "url", "title", "message"),
    [
        # The page claims an allowed URL but is served elsewhere: the Referer tells.
        ("https://evil.example/x", "https://auto.example/a", "T", "https://evil.example is not allowed"),
        # The page is on an allowed origin but names a URL on another host.
        ("https://auto.example/a", "https://evil.example/a", "T", "https://evil.example is not allowed"),
        # The page's origin cannot be confirmed (no Referer): the client's word is not enough.
        (None, "https://auto.example/a", "T", "could not be confirmed"),
        ("http://auto.example/a", "https://auto.example/a", "T", "http://auto.example is not allowed"),
    ],
)
def test_auto_creation_refused(client, auto_site, referer, url, title, message):
    before = counts()
    response = frame(client, referer=referer, site="auto", url=url, title=title)
    assert response.status_code in (400, 403)
    assert message in response.get_data(as_text=True)
    assert counts() == before


def test_map_frame_is_read_only_and_frameable(client, site):
    story = make_story(question="Map question?")
    response = client.get(f"/widget/map/{story.id}")
    assert response.status_code == 200 and "Map question?" in response.get_data(as_text=True)
    assert _ancestors(response) == "*" and "fw-form" not in response.get_data(as_text=True)
    scoped = client.get(f"/widget/map/{story.id}?site=news")
    assert _ancestors(scoped) == f"'self' {PUBLISHER}"
    assert client.get("/widget/map/999999").status_code == 404
