"""In Chromium: an editor copies a story's ready snippet from the snippet page with its Copy button."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Site, Story
from forum.services import accounts
from forum.services import sites as site_service
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def snippet_env(live_server):
    with live_server.app_context():
        if accounts.find_user("snippet_editor") is None:
            accounts.register_user("snippet_editor", "editor password", role="editor")
        site = db.session.scalar(select(Site).where(Site.key == "copy"))
        if site is None:
            site = site_service.create_site("copy", "Copy Courier", ["https://copy.example"])
        story = db.session.scalar(select(Story).where(Story.slug == "anthropic-rsp-3"))
        db.session.commit()
        return site.id, story.id


def test_the_copy_button_puts_the_storys_snippet_on_the_clipboard(browser, live_server, snippet_env):
    site_id, story_id = snippet_env
    base = live_server.config["LIVE_URL"]
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    try:
        log_in(page, base, "snippet_editor", "editor password")
        page.goto(f"{base}/editor/sites/{site_id}/snippet")
        block = page.locator(f"#story-{story_id}")
        expect(block).to_contain_text(f"Story id {story_id}")
        block.get_by_role("button", name=f"Copy the snippet for story {story_id}").click()
        expect(block.locator(".copy-status")).to_have_text("Copied.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == block.locator(f"#snippet-story-{story_id}").inner_text()
        assert f'data-site="copy" data-story="{story_id}"' in copied and "/embed.js" in copied
    finally:
        context.close()
