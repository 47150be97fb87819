"""The editor's snippet page: a ready snippet, with its story's id, for every story the site may embed."""

from __future__ import annotations

import html as html_lib

from forum.extensions import db
from forum.models import SiteStory
from forum.services import sites as site_service
from tests.factories import login, make_story, make_user


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def test_every_embeddable_story_has_its_id_and_own_snippet(client, site):
    mine, open_one = make_story(headline='A "quoted" headline'), make_story(headline="Forum story")
    other_site = site_service.create_site("other", "Other Paper", ["https://other.example"])
    theirs = make_story(headline="Belongs elsewhere")
    db.session.add_all(
        [
            SiteStory(site_id=site.id, story_id=mine.id, url="https://news.example/a"),
            SiteStory(site_id=other_site.id, story_id=theirs.id, url="https://other.example/b"),
        ]
    )
    db.session.commit()
    make_user("editor1", role="editor")
    login(client, "editor1")
    page = _page(client, f"/editor/sites/{site.id}/snippet")
    for story in (mine, open_one):
        assert f"Story id <strong>{story.id}</strong>" in page and f"<code>{story.slug}</code>" in page
        assert f'<div data-forum-widget data-site="news" data-story="{story.id}"' in page
        assert f'id="snippet-story-{story.id}"' in page and f'data-copy="snippet-story-{story.id}"' in page
    assert 'data-title="A &quot;quoted&quot; headline"' in page  # the copied HTML stays valid
    assert "Belongs elsewhere" not in page and "STORY_ID" not in page
    assert "snippet.js" in page

    one = _page(client, f"/editor/sites/{site.id}/snippet?story={open_one.id}")
    assert f'data-story="{open_one.id}"' in one and f'data-story="{mine.id}"' not in one
    assert client.get(f"/editor/sites/{site.id}/snippet?story={theirs.id}").status_code == 403
