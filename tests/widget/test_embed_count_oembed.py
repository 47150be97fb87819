"""embed.js itself, the comment-count endpoint (CORS for the site's origins only) and oEmbed."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from forum.extensions import db
from forum.models import SiteStory
from tests.factories import make_comment, make_story, make_user
from tests.widget.conftest import PUBLISHER

EMBED = Path(__file__).resolve().parents[2] / "static" / "embed.js"


def test_embed_js_is_small_plain_and_served_at_the_root(client, session):
    source = EMBED.read_bytes()
    assert len(gzip.compress(source, 9)) <= 5 * 1024
    text = source.decode()
    # One global only: everything inside one function, and the one assignment to window.
    assert text.rstrip().endswith("})(window, document);")
    assert re.findall(r"\bw\.([A-Za-z_]+)\s*=", text) == ["ForumWidget"]
    assert "import " not in text and "export " not in text  # plain script, no build step
    with client.get("/embed.js") as response:
        assert response.status_code == 200 and response.data == source
        assert response.mimetype == "text/javascript"
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_counts_for_the_sites_pages(client, site, auto_site):
    mine, forum_story, theirs = make_story(), make_story(), make_story()
    db.session.add(SiteStory(site_id=site.id, story_id=mine.id, url=PUBLISHER + "/a"))
    db.session.add(SiteStory(site_id=auto_site.id, story_id=theirs.id, url="https://auto.example/b"))
    db.session.commit()
    author = make_user("counter")
    for story, n in ((mine, 3), (forum_story, 1), (theirs, 2)):
        for _ in range(n):
            make_comment(story, author)
    make_comment(mine, author, status="deleted")
    query = f"site=news&story={forum_story.id}&story={theirs.id}&story=999999&story=x&url={PUBLISHER}/a"
    response = client.get(
        f"/widget/count?{query}&url=https://news.example/none", headers={"Origin": PUBLISHER}
    )
    assert response.status_code == 200
    assert response.get_json() == {"stories": {str(forum_story.id): 1}, "urls": {PUBLISHER + "/a": 3}}
    assert response.headers["Access-Control-Allow-Origin"] == PUBLISHER
    assert "Origin" in response.headers["Vary"]


def test_counts_refused_to_other_origins_and_unknown_sites(client, site):
    refused = client.get("/widget/count?site=news&story=1", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    assert client.get("/widget/count?site=nope&story=1").status_code == 404


def test_oembed_for_a_forum_story_and_a_publisher_page(client, site):
    story = make_story(headline="Bridge")
    response = client.get(f"/oembed?url=http://localhost/stories/{story.slug}&format=json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["type"] == "rich" and data["version"] == "1.0" and data["title"] == "Debate map: Bridge"
    assert f'src="http://localhost/widget/map/{story.id}"' in data["html"] and data["html"].startswith(
        "<iframe"
    )
    assert (data["width"], data["height"]) == (600, 480)
    linked = make_story()
    db.session.add(SiteStory(site_id=site.id, story_id=linked.id, url=PUBLISHER + "/article"))
    db.session.commit()
    small = client.get(f"/oembed?url={PUBLISHER}/article&maxwidth=300&maxheight=200").get_json()
    assert f"/widget/map/{linked.id}?site=news" in small["html"] and small["width"] == 300
    assert client.get(f"/oembed?url=http://localhost/stories/{story.slug}/map").status_code == 200


def test_oembed_bad_input(client, site):
    assert client.get("/oembed?url=https://unknown.example/x").status_code == 404
    assert client.get("/oembed?url=http://localhost/stories/nope").status_code == 404
    assert client.get("/oembed").status_code == 400
    story = make_story()
    url = f"http://localhost/stories/{story.slug}"
    assert client.get(f"/oembed?url={url}&format=xml").status_code == 501
    assert client.get(f"/oembed?url={url}&maxwidth=abc").status_code == 400


def test_story_page_advertises_its_oembed(client, session):
    import re

    from tests.factories import make_story

    story = make_story()
    html = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    assert link, "the story page links its oEmbed document"
    href = link.group(1).replace("&amp;", "&").removeprefix("http://localhost")
    body = client.get(href).get_json()
    assert body["type"] == "rich" and story.headline in body["title"]
