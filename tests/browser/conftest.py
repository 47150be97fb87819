"""A live forum server (werkzeug, in a thread, on a temporary SQLite file with the demo story) and a headless
Debian Chromium driven by Playwright. Never downloads a browser."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from forum.extensions import db
from tests.factories import make_app, require_or_skip

CHROMIUM = os.environ.get("FORUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The forum served on an ephemeral loopback port, with a migrated database and the demo story."""
    from flask_migrate import upgrade

    from forum.demo import generate_votes, load_demo
    from forum.services.demo import seed_demo

    path = tmp_path_factory.mktemp("live") / "forum.db"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "..", "migrations"))
        data = load_demo()
        seed_demo(data, generate_votes(data))
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        require_or_skip("FORUM_REQUIRE_BROWSER", f"Debian's chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
