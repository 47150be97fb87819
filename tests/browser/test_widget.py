"""The widget across two sites in Debian's Chromium, with third-party cookies blocked: the forum on
127.0.0.1:P, a publisher's pages on localhost:Q (a registered origin; another site, not just another port,
which a browser would count as the same site) and 127.0.0.1:Q (an unregistered one). A control run without
the blocking switch shows the forum's cookie does reach the frame there, so the blocking is real."""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import jwt
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import SiteStory, Story
from forum.services import accounts, widget_auth
from forum.services import sites as site_service
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
BLOCK_3P_COOKIES = "--test-third-party-cookie-phaseout"  # Chromium's switch (115+, still in 156)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def publisher(tmp_path_factory):
    root = tmp_path_factory.mktemp("publisher")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    yield SimpleNamespace(
        root=root, origin=f"http://localhost:{port}", unregistered=f"http://127.0.0.1:{port}"
    )
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def env(live_server, publisher):
    with live_server.app_context():
        site = site_service.create_site("pub", "The Publisher", [publisher.origin], auto_create=True)
        accounts.register_user("widget_reader", "a long password", "Widget Reader")
        story = db.session.scalar(select(Story).where(Story.slug == "anthropic-rsp-3"))
        held = Story(
            slug="widget-held", headline="Held", question="Hold every comment?", moderation_mode="all"
        )
        db.session.add(held)
        db.session.commit()
        return SimpleNamespace(
            forum=live_server.config["LIVE_URL"],
            secret=site.sso_secret,
            story_id=story.id,
            slug=story.slug,
            held_story_id=held.id,
        )


@pytest.fixture(scope="module")
def strict_browser(browser):
    instance = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, BLOCK_3P_COOKIES], headless=True
    )
    yield instance
    instance.close()


@pytest.fixture
def context(strict_browser, env):
    ctx = strict_browser.new_context(viewport={"width": 1000, "height": 900})
    ctx.set_default_timeout(10_000)
    # A cross-site-capable cookie on the forum's origin: sent first-party, never to the embedded frame.
    host = env.forum.split("//")[1].split(":")[0]
    ctx.add_cookies(
        [{"name": "probe", "value": "1", "domain": host, "path": "/", "sameSite": "None", "secure": True}]
    )
    yield ctx
    ctx.close()


def _write(publisher, name: str, body: str, env, head: str = "") -> None:
    (publisher.root / name).write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Publisher article</title>{head}"
        "<script>window.__before = Object.keys(window);</script></head>"
        f"<body><h1>An article</h1>{body}</body></html>"
    )


def _snippet(env, wid: str, **attrs) -> str:
    data = " ".join(f'data-{k}="{v}"' for k, v in attrs.items())
    return f'<div id="{wid}" data-forum-widget data-site="pub" {data}>Loading the debate…</div>'


def _script(env) -> str:
    return f'<script async src="{env.forum}/embed.js"></script>'


def _cookies_seen(page) -> list:
    seen: list = []
    page.on(
        "request",
        lambda r: seen.append((r.url, r.all_headers().get("cookie"))) if "/widget/" in r.url else None,
    )
    return seen


def _reachable(target):
    """``target`` (inside a widget frame), scrolled into view, once pointer input at it reaches it.

    The frame is another site's, drawn by its own renderer process, and Chromium routes a click to it by
    the browser's record of where the frame is on screen. Just after a scroll (Playwright scrolls the
    element into view as part of a click) that record can lag on a loaded machine: the click goes to the
    publisher's page, lands on the <iframe> element and never reaches the button (no error, no popup).
    So scroll first, then hover until the element itself is hovered, and only then click."""
    target.scroll_into_view_if_needed()
    deadline = time.monotonic() + 10
    target.hover()
    while not target.evaluate("e => e.matches(':hover')"):
        assert time.monotonic() < deadline, "pointer input never reached the widget frame"
        target.page.wait_for_timeout(50)
        target.hover()
    return target


def test_widget_loads_sizes_itself_and_a_reader_signs_in_through_the_popup(context, publisher, env):
    body = (
        f'<p>Debate: <span id="count" data-forum-count="{env.story_id}" data-site="pub"></span></p>'
        + _snippet(env, "w1", story=env.story_id, title="Demo")
        + _snippet(env, "w2", story=env.story_id)
        + _script(env)
        + _script(env)  # pasted twice
    )
    _write(publisher, "article.html", body, env)
    page = context.new_page()
    seen = _cookies_seen(page)
    page.goto(f"{publisher.origin}/article.html")
    expect(page.locator("#w1 iframe")).to_have_count(1)
    expect(page.locator("#w2 iframe")).to_have_count(1)
    frame = page.frame_locator("#w1 iframe")
    expect(frame.locator(".fw-question")).to_contain_text("Should AI labs")
    expect(page.frame_locator("#w2 iframe").locator(".fw-question")).to_contain_text("Should AI labs")
    expect(page.locator("#count")).to_have_text(re.compile(r"^\d+ comments$"))
    added = page.evaluate(
        "Object.keys(window).filter(k => !window.__before.includes(k) && k !== '__before'"
        " && !/^\\d+$/.test(k))"
    )
    assert added == ["ForumWidget"], added  # window[0], window[1] are the frames themselves

    # It sizes itself: the iframe's height follows the frame's content.
    page.wait_for_function("() => document.querySelector('#w1 iframe').style.height !== '420px'")
    inner = next(f for f in page.frames if "/widget/frame" in f.url)
    content = inner.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    outer = page.evaluate("document.querySelector('#w1 iframe').getBoundingClientRect().height")
    assert abs(content - outer) <= 2 and outer > 600

    # Sign in through the popup on the forum's origin.
    with page.expect_popup() as popup_info:
        _reachable(frame.locator("#fw-signin")).click()
    popup = popup_info.value
    popup.fill("#username", "widget_reader")
    popup.fill("#password", "a long password")
    popup.get_by_role("button", name="Log in").click()
    popup.wait_for_event("close")
    expect(frame.locator("#fw-name")).to_have_text("Widget Reader")

    # Post a comment with a side; it appears in the widget under "Your comments", then on the forum.
    frame.locator("#fw-body").fill("Posted from the *embedded* widget.")
    _reachable(frame.locator("input[name=side][value=disagree]")).check()
    _reachable(frame.get_by_role("button", name="Post comment")).click()
    expect(frame.locator("#fw-status")).to_have_text("Your comment is posted.")
    mine = frame.locator("#fw-mine .fw-comment").first
    expect(mine).to_contain_text("Posted from the embedded widget.")
    expect(mine.locator("em")).to_have_text("embedded")
    expect(mine).to_be_in_viewport()

    # Vote on someone else's comment.
    other = frame.locator("#fw-list .fw-comment").nth(1)
    agree = other.locator(".fw-vote.fw-agree")
    before = int(agree.locator(".fw-count").inner_text())
    _reachable(agree).click()
    expect(agree.locator(".fw-count")).to_have_text(str(before + 1))
    expect(agree).to_have_attribute("aria-pressed", "true")

    forum = context.new_page()
    forum.goto(f"{env.forum}/stories/{env.slug}?sort=newest")
    expect(forum.locator("article.comment", has_text="Posted from the embedded widget.")).to_have_count(1)

    # Third-party cookies really were blocked: the probe cookie went to the forum's own page only.
    widget_requests = [(u, c) for u, c in seen if "/widget/" in u]
    assert widget_requests and all(c is None for _, c in widget_requests), widget_requests
    first_party = []
    forum.on("request", lambda r: first_party.append(r.all_headers().get("cookie")))
    forum.reload()
    assert first_party and "probe=1" in (first_party[0] or "")


def test_a_new_reader_registers_in_the_popup_and_sees_a_held_comment(context, publisher, env, live_server):
    _write(publisher, "join.html", _snippet(env, "w", story=env.held_story_id) + _script(env), env)
    page = context.new_page()
    page.goto(f"{publisher.origin}/join.html")
    frame = page.frame_locator("#w iframe")
    with page.expect_popup() as popup_info:
        _reachable(frame.locator("#fw-signin")).click()
    popup = popup_info.value
    popup.get_by_role("link", name="Create one").click()
    popup.fill("#username", "popup_newcomer")
    popup.fill("#display_name", "Popup Newcomer")
    popup.fill("#password", "a long password")
    popup.fill("#confirm", "a long password")
    popup.get_by_role("button", name="Create account").click()
    popup.wait_for_event("close")
    expect(frame.locator("#fw-name")).to_have_text("Popup Newcomer")

    frame.locator("#fw-body").fill("My first comment, held for the moderators.")
    _reachable(frame.get_by_role("button", name="Post comment")).click()
    expect(frame.locator("#fw-status")).to_have_text("Your comment awaits moderation.")
    held = frame.locator("#fw-mine .fw-comment").first
    expect(held).to_contain_text("My first comment, held for the moderators.")
    expect(held.locator(".fw-pending")).to_have_text("Awaiting moderation")

    # Later, on another page view: once signed in again, the reader finds their held comment.
    page.reload()
    expect(frame.locator("#fw-mine-box")).to_be_hidden()
    with page.expect_popup() as again:
        _reachable(frame.locator("#fw-signin")).click()
    again.value.wait_for_event("close")  # still signed in on the forum (first party): closes at once
    expect(frame.locator("#fw-mine .fw-comment")).to_have_count(1)
    expect(frame.locator("#fw-mine .fw-pending")).to_have_text("Awaiting moderation")


def test_where_third_party_cookies_are_allowed_the_forum_cookie_reaches_the_frame(
    browser, publisher, env, tmp_path
):
    """The control: the same page in a Chromium profile that allows third-party cookies sends the forum's
    cookie to the frame. So the publisher's page and the forum really are two sites (a cookie goes to a
    same-site frame whatever the setting), and the strict browser's blocking is what keeps it out there."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    allow = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    (profile / "Default" / "Preferences").write_text(json.dumps(allow))
    ctx = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        host = env.forum.split("//")[1].split(":")[0]
        probe = {
            "name": "probe",
            "value": "1",
            "domain": host,
            "path": "/",
            "sameSite": "None",
            "secure": True,
        }
        ctx.add_cookies([probe])
        _write(publisher, "control.html", _snippet(env, "w", story=env.story_id) + _script(env), env)
        page = ctx.new_page()
        seen = _cookies_seen(page)
        page.goto(f"{publisher.origin}/control.html")
        expect(page.frame_locator("#w iframe").locator(".fw-question")).to_be_visible()
        frames = [c for u, c in seen if "/widget/frame" in u]
        assert frames and "probe=1" in (frames[0] or ""), seen
    finally:
        ctx.close()


def _sso_page(publisher, env, name, token):
    _write(publisher, name, _snippet(env, "w", story=env.story_id, sso=token) + _script(env), env)
    return f"{publisher.origin}/{name}"


def test_publisher_token_signs_in_once_and_bad_tokens_are_refused(context, publisher, env):
    token = widget_auth.sign_sso_token(env.secret, "pub-user-1", "Publisher Pat")
    page = context.new_page()
    page.goto(_sso_page(publisher, env, "sso.html", token))
    frame = page.frame_locator("#w iframe")
    expect(frame.locator("#fw-name")).to_have_text("Publisher Pat")
    frame.locator("#fw-body").fill("Signed in by my newspaper.")
    _reachable(frame.get_by_role("button", name="Post comment")).click()
    expect(frame.locator("#fw-status")).to_have_text("Your comment is posted.")

    page.reload()  # the same token again: a replay
    expect(frame.locator("#fw-status")).to_contain_text("used already")
    expect(frame.locator("#fw-signed-out")).to_be_visible()

    now = int(time.time())
    bad = {
        "forged.html": (
            jwt.encode({"sub": "x", "name": "X", "exp": now + 300, "jti": "f1"}, "z" * 64),
            "not valid",
        ),
        "expired.html": (
            jwt.encode({"sub": "x", "name": "X", "exp": now - 300, "jti": "e1"}, env.secret),
            "expired",
        ),
        "malformed.html": ("not-a-token", "malformed"),
    }
    for name, (bad_token, message) in bad.items():
        page.goto(_sso_page(publisher, env, name, bad_token))
        expect(frame.locator("#fw-status")).to_contain_text(message)
        expect(frame.locator("#fw-signed-in")).to_be_hidden()


def test_unregistered_origin_gets_no_widget(context, publisher, env, live_server):
    _write(publisher, "stolen.html", _snippet(env, "w", story=env.story_id) + _script(env), env)
    page = context.new_page()
    page.goto(f"{publisher.unregistered}/stolen.html")
    frame = page.frame_locator("#w iframe")
    expect(frame.locator(".fw-error")).to_contain_text(f"{publisher.unregistered} is not allowed")
    expect(frame.locator("#fw-root")).to_have_count(0)

    # Hiding the page's address does not help: the browser refuses to frame the widget there.
    src = f"{env.forum}/widget/frame?site=pub&story={env.story_id}"
    (publisher.root / "hidden.html").write_text(
        f'<iframe id="f" referrerpolicy="no-referrer" src="{src}"></iframe>'
    )
    page.goto(f"{publisher.unregistered}/hidden.html")
    page.wait_for_timeout(1000)
    frames = [f for f in page.frames if f is not page.main_frame]
    assert frames and all(f.locator(".fw-question").count() == 0 for f in frames)


def test_a_new_article_page_starts_its_discussion(context, publisher, env, live_server):
    from forum.services.widget_auth import sign_story_token

    url = f"{publisher.origin}/2026/new-bridge.html"
    (publisher.root / "2026").mkdir(exist_ok=True)
    # The publisher's server signs the page's URL and title; nothing else in the page can name the story.
    token = sign_story_token(env.secret, url, "A new bridge", "Build it?")
    _write(
        publisher,
        "2026/new-bridge.html",
        _snippet(env, "w", **{"story-token": token}) + _script(env),
        env,
        head=f'<link rel="canonical" href="{url}">',
    )
    page = context.new_page()
    page.goto(url)
    expect(page.frame_locator("#w iframe").locator(".fw-question")).to_have_text("Build it?")
    with live_server.app_context():
        link = db.session.scalar(select(SiteStory).where(SiteStory.url == url))
        assert link is not None and link.story.headline == "A new bridge" and link.story.listed
