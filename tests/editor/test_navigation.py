"""Every editor and admin page is within two clicks of the dashboard: a crawl that follows the links of the
workspace pages and finds every GET route of the editor, review, sites and admin blueprints."""

from __future__ import annotations

import re
from collections import deque

from werkzeug.exceptions import NotFound
from werkzeug.routing import RequestRedirect

from forum import jobs
from forum.extensions import db
from forum.services import moderation, sites
from tests.factories import make_comment, make_story, make_user

STAFF_BLUEPRINTS = ("editor", "review", "admin", "sites_admin", "sites_editor")
HREF = re.compile(r'href="([^"#?]*)[^"]*"')


def _staff_pages(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS
    }


def _crawl(client, adapter, start: str, depth: int) -> dict[str, int]:
    """Endpoint -> the fewest clicks from ``start`` to a page of it (following only staff links)."""
    found: dict[str, int] = {}
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        path, clicks = queue.popleft()
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except (NotFound, RequestRedirect):
            continue
        found.setdefault(endpoint, clicks)
        if clicks == depth or endpoint.split(".")[0] not in STAFF_BLUEPRINTS:
            continue
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if response.mimetype != "text/html":
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            if href.startswith(("/editor", "/admin")) and href not in seen:
                seen.add(href)
                queue.append((href, clicks + 1))
    return found


def test_every_staff_page_is_two_clicks_from_the_dashboard(app, client, debate):
    story, posted = debate
    jobs.drain(app)
    admin = make_user("chief", role="admin")
    held = make_comment(make_story(moderation_mode="all"), make_user("newcomer"), "Held.", status="pending")
    moderation.flag_comment(posted["regulate"][0], make_user("flagger"), "Rude")
    sites.create_site("paper", "The Paper", "https://paper.example")
    db.session.commit()
    assert held.id
    from tests.factories import login

    login(client, admin.username)
    adapter = app.url_map.bind("localhost")
    found = _crawl(client, adapter, "/editor/", depth=2)
    missing = _staff_pages(app) - set(found)
    assert not missing, f"not reachable in two clicks from the dashboard: {sorted(missing)}"
    # The map review is one click away (the story's row), as are the stories, queue and audit log.
    for endpoint in ("review.overview", "editor.story_list", "editor.queue", "editor.audit_log"):
        assert found[endpoint] == 1, endpoint
    assert found["sites_admin.index"] == 1 and found["admin.users"] == 1


def test_map_review_is_linked_from_the_story_list_edit_page_and_readers_map(app, client, debate):
    story, _ = debate
    make_user("editor7", role="editor")
    from tests.factories import login

    login(client, "editor7")
    review = f"/editor/stories/{story.slug}/map"
    for page in (
        "/editor/stories",
        f"/editor/stories/{story.id}/edit",
        f"/stories/{story.slug}/map",
        "/editor/",
    ):
        assert f'href="{review}"' in client.get(page).get_data(as_text=True), page
    # Readers do not get the link.
    reader = app.test_client()
    make_user("plain")
    login(reader, "plain")
    assert review not in reader.get(f"/stories/{story.slug}/map").get_data(as_text=True)
    # An editor (not an admin) sees no admin links in the menu.
    html = client.get("/editor/").get_data(as_text=True)
    assert 'href="/admin/' not in html and 'href="/editor/sites/"' in html


def test_audit_log_shows_words_and_filters_map_actions(app, client, session):
    from forum.services import audit

    editor = make_user("editor8", role="editor")
    story = make_story()
    audit.record("map.publish", editor, story=story)
    audit.record("story.created", editor, story=story)
    db.session.commit()
    from tests.factories import login

    login(client, "editor8")
    html = client.get("/editor/audit?action=map.").get_data(as_text=True)
    assert "<td>Map published" in html and "<td>Story created" not in html and "<code>" not in html
    assert audit.describe("comment.approved") == "Comment approved"
    assert audit.describe("widget.something_new") == "Widget something new"
