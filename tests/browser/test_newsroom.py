"""In Chromium: an editor rejects a comment with a preset reason from the queue, the reader sees why on their
own comment, mends it and resubmits it; the editor reaches the map review from the dashboard in one click
and finds each viewpoint's tools folded away."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.analysis.embedders import HashingEmbedder
from forum.extensions import db
from forum.models import Story
from forum.services import accounts, mapping
from tests.browser.helpers import held_comment, log_in

pytestmark = pytest.mark.browser


def test_reject_with_a_reason_then_the_reader_mends_and_resubmits(live_server, browser):
    with held_comment(
        live_server,
        browser,
        editor="news_editor",
        reader="news_reader",
        headline="A held story for rejections",
        body="Browser rejection: buy my newsletter, it explains everything.",
    ) as held:
        base, slug, reader, editor = held.base, held.slug, held.reader, held.editor
        editor.goto(f"{base}/editor/moderation")
        row = editor.locator("tr.queue-item", has_text="buy my newsletter")
        expect(row).to_be_visible()
        editor.select_option("#preset", "spam")
        editor.fill("#reason", "advertising a newsletter")
        row.get_by_role("button", name="Reject").click()
        expect(editor.locator(".flash")).to_contain_text("1 comment rejected")
        # An empty reason box and the default preset: no dead end either.
        editor.goto(f"{base}/editor/moderation?state=rejected")
        expect(editor.locator("tr.queue-item", has_text="buy my newsletter")).to_contain_text(
            "Spam or advertising: advertising a newsletter"
        )

        reader.goto(f"{base}/stories/{slug}")
        mine = reader.locator("article.comment", has_text="buy my newsletter")
        expect(mine.locator(".rejected-note")).to_contain_text(
            "Spam or advertising: advertising a newsletter"
        )
        mine.get_by_role("link", name="Edit it and resubmit it for moderation").click()
        expect(reader.locator(".rejected-note")).to_contain_text("Spam or advertising")
        reader.fill("#body", "Browser rejection: newsletters aside, the plan needs a vote.")
        reader.get_by_role("button", name="Save and resubmit").click()
        expect(reader.locator(".flash")).to_contain_text("sent back to the editors")
        expect(
            reader.locator("article.comment", has_text="newsletters aside").locator(".awaiting")
        ).to_be_visible()

        editor.goto(f"{base}/editor/moderation")
        expect(editor.locator("tr.queue-item", has_text="newsletters aside")).to_contain_text(
            "Edited by its author after a rejection"
        )


def test_editor_reaches_the_map_review_from_the_dashboard(live_server, page):
    base = live_server.config["LIVE_URL"]
    with live_server.app_context():
        story = db.session.scalar(select(Story).where(Story.slug == "anthropic-rsp-3"))
        mapping.recompute_map(story, HashingEmbedder(), trigger="test")
        accounts.register_user("map_editor", "a long password", "Map Editor", role="editor")
        db.session.commit()
        db.session.remove()
    log_in(page, base, "map_editor")
    page.get_by_role("link", name="Editor", exact=True).click()
    row = page.locator("tr", has_text="Anthropic scales back")
    row.get_by_role("link", name="Map review").click()
    expect(page).to_have_url(re.compile(r"/editor/stories/anthropic-rsp-3/map$"))
    expect(page.locator("h1")).to_have_text("Review the debate map")
    expect(page.locator("nav.staff-nav")).to_contain_text("Moderation")
    card = page.locator("li.review-vp").first
    expect(card).to_be_visible()
    expect(card.locator("input[name=headline]")).to_be_hidden()  # folded in a <details>
    card.locator("details.vp-tools > summary").click()
    expect(card.locator("input[name=headline]")).to_be_visible()
    # The workspace is wider than the 700 px reader column.
    assert page.evaluate("document.querySelector('main').getBoundingClientRect().width") > 900
