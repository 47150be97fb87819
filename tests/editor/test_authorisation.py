"""The authorisation matrix: every route under /editor/ and /admin/, as anonymous, reader, editor and admin.

GET: anonymous visitors go to the login page, readers get 403, staff get 200 where their role allows (403
where it does not). POST: nobody without the role changes anything. A route that declares no role is refused.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Blueprint
from werkzeug.routing import Rule

from forum.extensions import db
from forum.services import moderation
from forum.web.roles import ROLE_RANK, guard, requires
from tests.factories import login, make_app, make_comment, make_story, make_user, post_form

STAFF_PREFIXES = ("/editor/", "/admin/")
ROLES = ("anonymous", "reader", "editor", "admin")
#: query strings that GET routes need to answer 200 (they answer 400 without them)
QUERY = {"review.key_point_scores": "?statement=Labs+should+pause"}


def _staff_rules(app) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(STAFF_PREFIXES)]
    assert len(rules) >= 15, "the editor and admin blueprints are not registered"
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def _fixture_ids(reader) -> dict[str, int | str]:
    """Real ids for every URL parameter a staff route may take. A new parameter needs an entry here."""
    story = make_story(headline="Matrix story")
    target = make_user("matrix_target")
    comment = make_comment(story, target, "A comment for the matrix.")
    make_comment(story, target, "A held comment.", status="pending")
    word = moderation.add_banned_word("matrixword", reader)
    ids: dict[str, int | str] = {
        "story_id": story.id,
        "slug": story.slug,
        "comment_id": comment.id,
        "user_id": target.id,
        "word_id": word.id,
    }
    try:
        from forum.services import sites
    except ImportError:  # pragma: no cover - the widget's site registry is optional
        pass
    else:
        ids["site_id"] = sites.create_site("matrix-site", "Matrix site", "https://news.example").id
    try:
        from forum.models import Viewpoint
    except ImportError:  # pragma: no cover
        pass
    else:
        vp = Viewpoint(story_id=story.id, headline="A viewpoint", key_phrases=[], quote_ids=[])
        db.session.add(vp)
        db.session.flush()
        ids["viewpoint_id"] = vp.id
        ids["other_id"] = ids["viewpoint_id"]
    db.session.commit()
    return ids


def _url(rule: Rule, ids: dict[str, int | str]) -> str:
    missing = [arg for arg in rule.arguments if arg not in ids]
    assert not missing, f"{rule.rule}: add a fixture id for {missing} in _fixture_ids"
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(ids[arg]), path)
    return path


def _needed_role(app, rule: Rule) -> str:
    role = getattr(app.view_functions[rule.endpoint], "required_role", None)
    assert role in ("editor", "admin"), f"{rule.endpoint} ({rule.rule}) declares no staff role"
    return role


def _snapshot() -> dict[str, list]:
    """Every row of every table: POSTs by the wrong people must leave this unchanged."""
    tables = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).all()
        tables[table.name] = sorted(tuple(map(str, row)) for row in rows)
    return tables


@pytest.fixture
def clients(app, session, reader):
    make_user("matrix_editor", role="editor")
    make_user("matrix_admin", role="admin")
    result = {"anonymous": app.test_client()}
    for role, name in (("reader", reader.username), ("editor", "matrix_editor"), ("admin", "matrix_admin")):
        result[role] = app.test_client()
        login(result[role], name)
    return result


def test_every_staff_get_route_answers_each_role_correctly(app, clients, reader):
    ids = _fixture_ids(reader)
    checked = 0
    for rule in _staff_rules(app):
        if "GET" not in rule.methods:
            continue
        needed = _needed_role(app, rule)
        url = _url(rule, ids) + QUERY.get(rule.endpoint, "")
        for who in ROLES:
            response = clients[who].get(url)
            if who == "anonymous":
                expected = 302
                assert response.status_code == expected, (who, url, response.status_code)
                assert "/login" in response.headers["Location"], (who, url)
            elif ROLE_RANK[who] >= ROLE_RANK[needed]:
                assert response.status_code == 200, (who, url, response.status_code)
            else:
                assert response.status_code == 403, (who, url, response.status_code)
                assert f"for {needed}s only" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 4 * 12


def test_no_staff_post_route_changes_anything_for_people_without_the_role(app, clients, reader):
    ids = _fixture_ids(reader)
    before = _snapshot()
    checked = 0
    for rule in _staff_rules(app):
        if "POST" not in rule.methods:
            continue
        needed = _needed_role(app, rule)
        url = _url(rule, ids)
        data = {
            "action": "reject",
            "ids": str(ids["comment_id"]),
            "reason": "x",
            "status": "closed",
            "role": "admin",
            "word": "w",
            "headline": "H",
            "question": "Q",
            "name": "n",
            "origins": "https://a.example",
        }
        for who in ROLES:
            if who != "anonymous" and ROLE_RANK[who] >= ROLE_RANK[needed]:
                continue
            response = post_form(clients[who], url, data)
            if who == "anonymous":
                assert response.status_code == 302 and "/login" in response.headers["Location"], (url,)
            else:
                assert response.status_code == 403, (who, url, response.status_code)
            checked += 1
    assert checked >= 2 * 8
    assert _snapshot() == before


def test_staff_pages_are_refused_to_suspended_and_banned_staff(app, session):
    for status in ("suspended", "banned"):
        make_user(f"{status}_editor", role="editor", status=status)
    client = app.test_client()
    login(client, "suspended_editor")
    assert client.get("/editor/").status_code == 403
    assert client.get("/editor/moderation").status_code == 403
    client = app.test_client()
    response = post_form(client, "/login", {"username": "banned_editor", "password": "correct horse"})
    assert client.get("/editor/").status_code in (302, 403) and response.status_code != 303


def test_a_route_without_a_declared_role_is_refused(tmp_path):
    """Deny by default: a view on a guarded blueprint that forgot @requires answers 403 even to an admin."""
    from pathlib import Path

    from flask_migrate import upgrade

    test_app = make_app(f"sqlite:///{tmp_path / 'guard.db'}")
    extra = guard(Blueprint("undeclared", __name__, url_prefix="/editor/undeclared"))

    @extra.get("/")
    def forgot():
        return "secret"

    @extra.get("/declared")
    @requires("editor")
    def declared():
        return "fine"

    test_app.register_blueprint(extra)
    with test_app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        make_user("guard_admin", role="admin")
        client = test_app.test_client()
        assert client.get("/editor/undeclared/").status_code == 403
        login(client, "guard_admin")
        response = client.get("/editor/undeclared/")
        assert response.status_code == 403
        assert "has not declared which role" in response.get_data(as_text=True)
        assert client.get("/editor/undeclared/declared").get_data(as_text=True) == "fine"
        db.session.remove()
        db.engine.dispose()


def test_every_view_on_the_staff_blueprints_declares_its_role(app):
    for rule in _staff_rules(app):
        assert _needed_role(app, rule) in ("editor", "admin")
    assert app.url_map.bind("").match("/editor/moderation", method="GET")[0] == "editor.queue"
