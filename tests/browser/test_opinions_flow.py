"""In a real browser: a new reader votes on 7 demo comments in the vote mode, then sees the opinion map
with their own position."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from forum import jobs
from tests.browser.helpers import log_in

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


def test_visitor_sees_named_groups_and_an_editor_renames_one(live_server, page, browser):
    from forum.extensions import db
    from forum.services import accounts
    from forum.services import opinions as opinion_service
    from forum.services.comments import get_story

    with live_server.app_context():
        opinion_service.compute_opinions(get_story("anthropic-rsp-3"))
        if accounts.find_user("groups_editor") is None:
            accounts.register_user("groups_editor", "editor password", "Gia Editor", role="editor")
        db.session.commit()
    base = live_server.config["LIVE_URL"]
    page.goto(f"{base}/stories/anthropic-rsp-3/opinions")  # signed out
    expect(page.locator(".notice.gate")).to_contain_text("to see where you stand")
    first = page.locator("li.opinion-group").first
    expect(first.locator("h2 .group-label")).not_to_be_empty()
    expect(first.locator(".shares").first).to_contain_text(re.compile(r"\d+ of \d+ in group A \(\d+%\)"))
    expect(page.locator("form.group-name-form")).to_have_count(0)

    log_in(page, base, "groups_editor", "editor password")
    page.goto(f"{base}/stories/anthropic-rsp-3/opinions")
    form = page.locator("li.opinion-group").first.locator("form.group-name-form")
    form.get_by_label("Editor: name group A").fill("Keep the safety promises")
    form.get_by_role("button", name="Save name").click()
    expect(page.locator(".flash")).to_contain_text("Group A now reads “Keep the safety promises”")
    expect(page.locator("li.opinion-group").first.locator("h2 .group-label")).to_have_text(
        "Keep the safety promises"
    )
    other = browser.new_context().new_page()  # readers see the editor's name
    other.goto(f"{base}/stories/anthropic-rsp-3/opinions")
    expect(other.locator("li.opinion-group").first.locator("h2 .group-label")).to_have_text(
        "Keep the safety promises"
    )
    other.context.close()
