"""An editor merges two viewpoints, renames the result and publishes; readers and the widget see it."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.analysis.embedders import HashingEmbedder
from forum.extensions import db
from forum.models import Story, Viewpoint
from forum.services import accounts, mapping
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def mapped_demo(live_server):
    with live_server.app_context():
        story = db.session.scalar(select(Story).where(Story.slug == "anthropic-rsp-3"))
        story.map_auto_publish = False
        mapping.recompute_map(story, HashingEmbedder(), trigger="test")
        if accounts.find_user("editor_b") is None:
            accounts.register_user("editor_b", "editor password", "Eddie Editor", role="editor")
        db.session.commit()
        views = list(
            db.session.scalars(
                select(Viewpoint)
                .where(Viewpoint.story_id == story.id, Viewpoint.active, Viewpoint.is_other.is_(False))
                .order_by(Viewpoint.position)
            )
        )
        return story.id, story.slug, views[0].id, views[1].id


def test_editor_merges_renames_publishes(live_server, page, mapped_demo):
    story_id, slug, first, second = mapped_demo
    base = live_server.config["LIVE_URL"]
    log_in(page, base, "editor_b", "editor password")
    page.get_by_role("link", name="Editor").first.wait_for()

    page.goto(f"{base}/editor/stories/{slug}/map")
    card = page.locator(f"#vp-{second}")
    card.locator("details.vp-tools > summary").click()  # each viewpoint's tools are folded away
    card.locator("select[name=target_id]").select_option(str(first))
    card.get_by_role("button", name="Merge").click()
    expect(page.locator(".flash")).to_contain_text("Viewpoints merged.")
    expect(page.locator(f"#vp-{second}")).to_have_count(0)

    merged = page.locator(f"#vp-{first}")
    merged.locator("details.vp-tools > summary").click()
    merged.locator("input[name=headline]").fill("Labs cannot be trusted to police themselves")
    merged.get_by_role("button", name="Rename").click()
    expect(page.locator(".flash")).to_contain_text("Headline saved.")

    page.goto(f"{base}/stories/{slug}/map")
    expect(page.locator(".notice")).to_contain_text("not published")

    page.goto(f"{base}/editor/stories/{slug}/map")
    page.get_by_role("button", name="Publish this map").click()
    expect(page.locator(".flash")).to_contain_text("published")

    page.goto(f"{base}/stories/{slug}/map")
    expect(page.locator(f"#vp-{first} h3")).to_contain_text("Labs cannot be trusted to police themselves")
    expect(page.locator(f"#vp-{second}")).to_have_count(0)

    page.goto(f"{base}/widget/map/{story_id}")
    expect(page.locator("body")).to_contain_text("Labs cannot be trusted to police themselves")
