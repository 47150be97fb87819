"""Moderation in a real browser: a reader's comment is held, an editor approves it, readers then see it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import held_comment

pytestmark = pytest.mark.browser


def test_editor_approves_a_held_comment_and_readers_see_it(live_server, browser):
    with held_comment(
        live_server,
        browser,
        editor="mod_editor",
        reader="held_reader",
        headline="A story that holds every comment",
        body="Browser moderation: this waits for an editor.",
    ) as held:
        base, slug, reader, editor = held.base, held.slug, held.reader, held.editor
        mine = reader.locator("article.comment", has_text="this waits for an editor")
        expect(mine.locator(".awaiting")).to_contain_text("Awaiting moderation")  # only its author sees it
        outsider = browser.new_context()
        try:
            before = outsider.new_page()
            before.goto(f"{base}/stories/{slug}")
            expect(before.locator("article.comment", has_text="this waits for an editor")).to_have_count(0)
        finally:
            outsider.close()

        editor.get_by_role("link", name="Editor", exact=True).click()
        editor.get_by_role("link", name="Moderation", exact=True).click()
        row = editor.locator("tr.queue-item", has_text="this waits for an editor")
        expect(row).to_be_visible()
        expect(row).to_contain_text("Story holds every comment")
        row.get_by_role("button", name="Approve").click()
        expect(editor.locator(".flash")).to_contain_text("1 comment approved")
        expect(editor.locator("tr.queue-item", has_text="this waits for an editor")).to_have_count(0)

        editor.get_by_role("link", name="Audit log", exact=True).click()
        expect(editor.locator("table.audit")).to_contain_text("Comment approved")

        reader.goto(f"{base}/stories/{slug}")
        expect(reader.locator("article.comment", has_text="this waits for an editor")).to_be_visible()
        expect(reader.locator(".awaiting")).to_have_count(0)
        anonymous = browser.new_context()
        try:
            public = anonymous.new_page()
            public.goto(f"{base}/stories/{slug}")
            expect(public.locator("article.comment", has_text="this waits for an editor")).to_be_visible()
            public.goto(f"{base}/editor/moderation")
            expect(public).to_have_url(f"{base}/login?next=%2Feditor%2Fmoderation")
        finally:
            anonymous.close()
