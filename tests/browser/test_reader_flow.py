"""The reader's main path in a real browser: register, open the demo story, comment, reply, vote."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _register(page, base, username):
    page.goto(f"{base}/")
    page.get_by_role("link", name="Register").click()
    page.fill("#username", username)
    page.fill("#display_name", "Browser Reader")
    page.fill("#password", "a long password")
    page.fill("#confirm", "a long password")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("header.site")).to_contain_text("Signed in as Browser Reader")


def test_register_comment_reply_and_vote(live_server, page):
    base = live_server.config["LIVE_URL"]
    _register(page, base, "browser_reader")

    page.get_by_role("link", name=re.compile("Anthropic scales back")).click()
    expect(page.locator("h1")).to_contain_text("If you can't beat them")
    expect(page.locator(".question-box")).to_contain_text("Should AI labs be allowed")
    assert page.locator("article.comment").count() >= 20

    page.fill("#body", "Browser test: *pauses* only work if **everyone** pauses.")
    page.check("input[name=side][value=agree]")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator("article.comment", has_text="Browser test: pauses only work")
    expect(mine.first).to_be_visible()
    expect(mine.first.locator("em")).to_have_text("pauses")
    expect(mine.first.locator(".side")).to_have_text("Says yes")

    # Reply to the first comment by someone else (no JavaScript needed: <details> + a plain form).
    other = page.locator("article.comment.level-0").filter(has=page.locator("form.vote-form")).first
    other_id = other.get_attribute("id")
    other.locator(":scope > footer details.reply > summary").click()
    other.locator(":scope > footer details.reply textarea").fill("Browser reply: I see your point, but no.")
    other.locator(":scope > footer details.reply button").click()
    reply = page.locator(f"#{other_id} article.comment", has_text="Browser reply: I see your point")
    expect(reply).to_be_visible()

    # Vote: the count changes in place (JavaScript) and survives a reload (stored).
    target = page.locator(f"#{other_id} > footer form.vote-form")
    agree = target.locator("button.vote.agree")
    before = int(agree.locator(".count").inner_text())
    was_chosen = "chosen" in (agree.get_attribute("class") or "")
    agree.click()
    expected = before if was_chosen else before + 1
    expect(agree.locator(".count")).to_have_text(str(expected))
    expect(agree).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator(f"#{other_id} > footer form.vote-form button.vote.agree .count")).to_have_text(
        str(expected)
    )

    disagree = page.locator(f"#{other_id} > footer form.vote-form button.vote.disagree")
    before_d = int(disagree.locator(".count").inner_text())
    disagree.click()
    expect(disagree.locator(".count")).to_have_text(str(before_d + 1))
    expect(page.locator(f"#{other_id} > footer form.vote-form button.vote.agree .count")).to_have_text(
        str(expected - 1)
    )


def test_reader_cannot_post_without_login(live_server, page):
    base = live_server.config["LIVE_URL"]
    page.goto(f"{base}/stories/anthropic-rsp-3")
    expect(page.locator("#new-comment")).to_have_count(0)
    expect(page.locator("p.join")).to_contain_text("to comment and vote")
