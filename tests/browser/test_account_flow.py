"""In Chromium: a reader registers with an email address, forgets the password and resets it through the
link a real SMTP server received, downloads their data, then deletes the account."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.mailbox import smtp_server, text_of

pytestmark = pytest.mark.browser
LINK_RE = re.compile(r"http://\S+/password/reset/\S+")


@pytest.fixture
def mail(live_server):
    with smtp_server() as (port, inbox):
        saved = {
            k: live_server.config.get(k) for k in ("FORUM_SMTP_HOST", "FORUM_SMTP_PORT", "FORUM_SITE_NAME")
        }
        live_server.config.update(
            FORUM_SMTP_HOST="127.0.0.1", FORUM_SMTP_PORT=port, FORUM_SITE_NAME="The Daily Debate"
        )
        try:
            yield inbox
        finally:
            live_server.config.update(saved)


def test_register_forget_reset_download_and_delete(live_server, page, mail):
    base = live_server.config["LIVE_URL"]
    page.goto(f"{base}/register")
    expect(page).to_have_title(re.compile("· The Daily Debate$"))
    page.fill("#username", "forgetful_reader")
    page.fill("#email", "forgetful@example.org")
    page.fill("#password", "first long password")
    page.fill("#confirm", "first long password")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("header.site")).to_contain_text("Signed in as")
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("link", name="Log in").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("#email", "forgetful@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator(".flash")).to_contain_text("If an account has that address")
    [(_, rcpts, message)] = mail.wait()
    assert rcpts == ["forgetful@example.org"]
    link = LINK_RE.search(text_of(message)).group(0)

    page.goto(link)
    page.fill("#password", "second long password")
    page.fill("#confirm", "second long password")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".flash")).to_contain_text("Your password is changed")
    page.fill("#username", "forgetful_reader")
    page.fill("#password", "second long password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.site")).to_contain_text("Signed in as")

    page.goto(f"{base}/account")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your data").click()
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert (
        data["profile"]["username"] == "forgetful_reader"
        and data["profile"]["email"] == "forgetful@example.org"
    )

    page.get_by_role("link", name="delete your account").click()
    page.fill("#password", "second long password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".flash")).to_contain_text("Your account is deleted")
    expect(page.locator("header.site")).not_to_contain_text("Signed in as")
