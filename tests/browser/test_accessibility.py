"""axe-core on every main page, in Debian's Chromium: no critical or serious findings.

Each page is loaded in a context that bypasses the Content-Security-Policy (it would refuse the injected
axe script); the pages themselves are the ones readers, editors and publishers get."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.analysis.embedders import HashingEmbedder
from forum.extensions import db
from forum.models import Site, Story, Viewpoint
from forum.services import accounts, mapping
from forum.services import opinions as opinion_service
from forum.services import sites as site_service
from tests.browser.axe import axe_context, describe, violations
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser
SLUG = "anthropic-rsp-3"
PASSWORDS = {"axe_reader": "reader password", "axe_editor": "editor password"}


@pytest.fixture(scope="module")
def prepared(live_server):
    """The demo story with a computed map (one viewpoint curated, one hidden, so the review page shows its
    tags) and opinion groups, a reader, an editor and a publisher site. The marks go afterwards."""
    with live_server.app_context():
        story = db.session.scalar(select(Story).where(Story.slug == SLUG))
        mapping.recompute_map(story, HashingEmbedder(), trigger="test")
        views = db.session.scalars(
            select(Viewpoint)
            .where(Viewpoint.story_id == story.id, Viewpoint.active, Viewpoint.is_other.is_(False))
            .order_by(Viewpoint.position)
        ).all()
        marked = {"curated": views[0].id, "hidden": views[-1].id}
        views[0].curated = True
        views[-1].hidden = True
        opinion_service.compute_opinions(story)
        for name, role in (("axe_reader", "reader"), ("axe_editor", "editor")):
            if accounts.find_user(name) is None:
                accounts.register_user(name, PASSWORDS[name], role=role)
        site = db.session.scalar(select(Site).where(Site.key == "axe"))
        if site is None:
            site = site_service.create_site("axe", "Axe Gazette", ["https://axe.example"])
        db.session.commit()
        prepared = {"story_id": story.id, "site_id": site.id}
    yield prepared
    with live_server.app_context():
        for attribute, viewpoint_id in marked.items():
            viewpoint = db.session.get(Viewpoint, viewpoint_id)
            if viewpoint is not None:
                setattr(viewpoint, attribute, False)
        db.session.commit()


@pytest.fixture(scope="module")
def contexts(browser, live_server, prepared):
    """One browser context per kind of visitor: anonymous, a signed-in reader, a signed-in editor."""
    base = live_server.config["LIVE_URL"]
    made = {None: axe_context(browser)}
    for name in PASSWORDS:
        ctx = axe_context(browser)
        page = ctx.new_page()
        log_in(page, base, name, PASSWORDS[name])
        page.wait_for_url(f"{base}/")
        page.close()
        made[name] = ctx
    yield made
    for ctx in made.values():
        ctx.close()


PAGES = [
    # (visitor, path, label)
    (None, "/", "home"),
    (None, f"/stories/{SLUG}", "story"),
    (None, f"/stories/{SLUG}/map", "debate map"),
    ("axe_reader", f"/stories/{SLUG}/vote", "vote"),
    ("axe_reader", f"/stories/{SLUG}/opinions", "opinion groups"),
    (None, f"/stories/{SLUG}/opinions", "opinion groups, signed out"),
    (None, "/login", "login"),
    (None, "/register", "register"),
    (None, "/password/forgot", "forgotten password"),
    ("axe_reader", "/account", "account"),
    ("axe_reader", "/account/delete", "delete account"),
    ("axe_editor", "/editor/", "editor dashboard"),
    ("axe_editor", "/editor/stories", "editor story list"),
    ("axe_editor", "/editor/moderation", "moderation queue"),
    ("axe_editor", f"/editor/stories/{SLUG}/map", "map review"),
    ("axe_editor", f"/editor/stories/{SLUG}/map/report", "printable report"),
    ("axe_editor", "/editor/sites/", "publisher sites"),
    ("axe_editor", "/editor/sites/{site_id}/snippet", "snippet"),
    (None, "/widget/frame?site=axe&story={story_id}", "widget frame"),
    (None, "/widget/map/{story_id}", "widget map frame (oEmbed)"),
    (None, "/widget/signin?site=axe", "widget sign-in popup"),
    (None, "/widget/register?site=axe", "widget registration popup"),
]


@pytest.mark.parametrize(
    ("visitor", "path", "label"), PAGES, ids=[p[2] if isinstance(p, tuple) else p.values[2] for p in PAGES]
)
def test_no_critical_or_serious_axe_findings(live_server, prepared, contexts, visitor, path, label):
    page = contexts[visitor].new_page()
    page.set_default_timeout(15_000)
    try:
        response = page.goto(live_server.config["LIVE_URL"] + path.format(**prepared))
        assert response is not None and response.status == 200, (
            f"{label}: HTTP {response and response.status}"
        )
        found = violations(page)
        assert not found, f"axe on the {label} page ({path}):\n{describe(found)}"
    finally:
        page.close()
