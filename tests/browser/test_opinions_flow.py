"""In a real browser: a new reader votes on 7 demo comments in the vote mode, then sees the opinion map
with their own position."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from forum import jobs

pytestmark = pytest.mark.browser


def test_new_reader_votes_seven_times_and_sees_where_they_stand(live_server, page):
    base = live_server.config["LIVE_URL"]
    page.goto(f"{base}/register")
    page.fill("#username", "opinion_reader")
    page.fill("#display_name", "Opinion Reader")
    page.fill("#password", "a long password")
    page.fill("#confirm", "a long password")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("header.site")).to_contain_text("Signed in as Opinion Reader")

    page.goto(f"{base}/stories/anthropic-rsp-3")
    page.get_by_role("link", name="Opinion groups").click()
    expect(page.locator(".notice.gate")).to_contain_text("Vote on 7 more comments")
    page.get_by_role("link", name=re.compile("Vote on comments")).click()
    expect(page.locator("p.vote-progress")).to_contain_text(re.compile(r"^0 of \d+ voted"))

    shown = []
    for i in range(7):
        card = page.locator("article.vote-card")
        shown.append(card.get_attribute("id"))
        card.get_by_role("button", name=["Agree", "Disagree"][i % 2], exact=True).click()
        expect(page.locator("p.vote-progress")).to_contain_text(f"{i + 1} of ")
    assert len(set(shown)) == 7, "never the same comment twice"
    expect(page.locator(".flash")).to_contain_text("You have voted enough")

    with live_server.app_context():
        assert jobs.drain(live_server) >= 1  # the background job the votes queued
    page.get_by_role("link", name=re.compile("See the opinion groups")).click()
    expect(page.locator("h1")).to_have_text("Opinion groups")
    expect(page.locator("p.you-are")).to_contain_text("You are in group")
    expect(page.locator("svg.scatter circle.dot.me")).to_have_count(1)
    assert page.locator("svg.scatter circle.dot").count() > 20
    expect(page.locator("li.opinion-group.mine")).to_have_count(1)
    expect(page.locator("li.opinion-group").first.locator(".statement").first).to_be_visible()
