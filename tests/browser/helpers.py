"""Steps the browser tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from playwright.sync_api import expect

from forum.extensions import db
from forum.services import accounts
from tests.factories import make_story


def log_in(page, base: str, username: str, password: str = "a long password") -> None:
    """Sign in through the login form, as a reader would."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Log in").click()


@contextmanager
def held_comment(live_server, browser, *, editor: str, reader: str, headline: str, body: str) -> Iterator:
    """A story that holds every comment for an editor; an editor and a reader (usernames ``editor`` and
    ``reader``) signed in, each in a browser context of their own; and the reader's comment ``body`` posted
    and held. Yields ``base``, ``slug`` and the two pages; closes both contexts afterwards."""
    base = live_server.config["LIVE_URL"]
    with live_server.app_context():
        accounts.register_user(editor, "a long password", f"{editor.title()} Editor", role="editor")
        accounts.register_user(reader, "a long password", f"{reader.title()} Reader")
        slug = make_story(headline=headline, moderation_mode="all").slug
        db.session.commit()
        db.session.remove()
    reader_ctx, editor_ctx = browser.new_context(), browser.new_context()
    try:
        reader_page, editor_page = reader_ctx.new_page(), editor_ctx.new_page()
        for page, username in ((reader_page, reader), (editor_page, editor)):
            page.set_default_timeout(10_000)
            log_in(page, base, username)
        reader_page.goto(f"{base}/stories/{slug}")
        reader_page.fill("#body", body)
        reader_page.get_by_role("button", name="Post comment").click()
        expect(reader_page.locator(".flash")).to_contain_text("held for moderation")
        yield SimpleNamespace(base=base, slug=slug, reader=reader_page, editor=editor_page)
    finally:
        reader_ctx.close()
        editor_ctx.close()
