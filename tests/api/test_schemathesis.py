"""Schema-driven fuzzing: schemathesis generates requests for every operation in /api/openapi.json and checks
each answer against the document (status codes, content types, bodies), signed in as a reader, on both
database backends. No 500s, and nothing malformed gets stored."""

from __future__ import annotations

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment
from tests.api.conftest import token
from tests.factories import login, make_comment, make_story, make_user

MAX_EXAMPLES = 8
# Every other check runs. This one expects every schema-valid request to succeed, but some refusals depend on
# state, not shape (replying to a comment deleted a moment ago by another generated request: 422).
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def world(client, session):
    """A story with comments by someone else and by the signed-in reader; the reader's cookie and token."""
    story = make_story(slug="fuzzed")
    author = make_user("author")
    theirs = make_comment(story, author, "Theirs")
    reader = make_user("reader1")
    mine = make_comment(story, reader, "Mine")
    login(client, "reader1")
    csrf = token(client)
    return {
        "story": story,
        "ids": [theirs.id, mine.id],
        "headers": {"X-CSRFToken": csrf},
        "cookies": {"session": client.get_cookie("session").value},
    }


def _isolated(app):
    """The app as a WSGI callable whose requests do not share ``g`` with the test's app context (as
    ``IsolatedClient`` in tests/factories.py does), so no request's user or token leaks into the next."""

    def wsgi(environ, start_response):
        saved = dict(g.__dict__)
        g.__dict__.clear()
        try:
            return list(app(environ, start_response))
        finally:
            g.__dict__.clear()
            g.__dict__.update(saved)

    return wsgi


def _aim_at_real_data(case, world) -> None:
    """Half the generated ids and slugs are replaced by real ones, so the happy paths get fuzzed too."""
    params = case.path_parameters or {}
    if "story" in params and len(str(params["story"])) % 2 == 0:
        params["story"] = world["story"].slug
    if "comment_id" in params and params["comment_id"] % 2 == 0:
        params["comment_id"] = world["ids"][params["comment_id"] % 4 // 2]


def _nothing_malformed_stored() -> None:
    for comment in db.session.scalars(select(Comment)):
        assert comment.body.strip() == comment.body and 0 < len(comment.body) <= 5000
        assert "\x00" not in comment.body and "<script" not in comment.body_html.lower()
        assert comment.side in (None, "agree", "disagree", "unsure")


def _signs_out(operation) -> bool:
    return operation.method.upper() == "DELETE" and operation.path in ("/api/session", "/api/sessions")


def test_api_matches_its_schema(app, world):
    # The operations are driven from here (not schemathesis' pytest plugin) so that each one runs inside the
    # test's rolled-back database session, on both backends.
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", _isolated(app))
    # Signing out ends the reader's sessions on the server: those operations go last, so the others are
    # fuzzed signed in.
    operations = sorted((result.ok() for result in api.get_all_operations()), key=_signs_out)
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def fuzz(case):
            _aim_at_real_data(case, world)
            case.call_and_validate(
                headers=world["headers"], cookies=world["cookies"], excluded_checks=EXCLUDED
            )

        try:
            fuzz()
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
        _nothing_malformed_stored()


def test_api_refuses_invalid_requests_without_a_server_error(app, world):
    """Negative mode: schemathesis breaks every operation's schema (wrong types, ids out of range, missing
    fields, extra ones); every answer is a 4xx, never a 500."""
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", _isolated(app))
    operations = sorted((result.ok() for result in api.get_all_operations()), key=_signs_out)
    fuzzed = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def fuzz(case):
            case.call_and_validate(
                headers=world["headers"], cookies=world["cookies"], checks=[not_a_server_error]
            )

        try:
            fuzz()
        except Unsatisfiable:
            continue  # nothing in this operation can be made invalid (no body, only free-text parameters)
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
        fuzzed += 1
        _nothing_malformed_stored()
    assert fuzzed >= 10


HOSTILE_BODIES = {
    "100,000 [": b"[" * 100_000,
    "5,000 nested objects": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "nested in a field": b'{"body": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
}
HOSTILE_IDS = ["99999999999999999999", "9223372036854775808", "3000000000", "9" * 5_000]


def test_every_operation_refuses_hostile_shapes_as_documented(app, client, world):
    """The shapes the outside test found, sent to every operation the document lists: deeply nested JSON to
    each one that takes a body, ids past 64 bits to each one with an id in its path. The answer is one of
    the operation's documented 4xx statuses, with a JSON error body."""
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", _isolated(app))
    operations = sorted((result.ok() for result in api.get_all_operations()), key=_signs_out)
    tried = 0
    for operation in operations:
        documented = {int(code) for code in operation.definition.raw["responses"]}
        params = {p.name for p in operation.path_parameters}
        values = {"story": world["story"].slug, "comment_id": world["ids"][0], "viewpoint_id": 1}
        path = operation.path.format(**{name: values[name] for name in params})
        attempts = []
        if operation.body:
            attempts += [(path, raw) for raw in HOSTILE_BODIES.values()]
        for name in params & {"comment_id", "viewpoint_id"}:
            attempts += [
                (operation.path.format(**{**{n: values[n] for n in params}, name: big}), b"{}")
                for big in HOSTILE_IDS
            ]
        for url, raw in attempts:
            response = client.open(
                url,
                method=operation.method.upper(),
                data=raw if operation.body else None,
                content_type="application/json" if operation.body else None,
                headers=world["headers"],
            )
            tried += 1
            status = response.status_code
            assert 400 <= status < 500 and status in documented, (operation.label, url[:80], status)
            assert response.get_json()["error"]["message"], (operation.label, url[:80])
    assert tried >= 20
    _nothing_malformed_stored()
