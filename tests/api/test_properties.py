"""Property-based tests (hypothesis): arbitrary input to the forms and the JSON API never causes a 500 and
never stores a malformed comment or vote."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Vote
from tests.api.conftest import token
from tests.conftest import csrf_token

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
text = st.text(max_size=300)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
comment_fields = st.fixed_dictionaries(
    {},
    optional={
        "body": json_values | text,
        "side": st.sampled_from(["agree", "disagree", "unsure", "none", "", "x", None]) | json_values,
        "parent_id": st.integers() | st.none() | text,
        "idempotency_key": text | st.none() | st.integers(),
    },
)


def _assert_clean_store() -> None:
    for comment in db.session.scalars(select(Comment)):
        assert comment.body and comment.body == comment.body.strip() and len(comment.body) <= 5000
        assert "\x00" not in comment.body and "<script" not in comment.body_html.lower()
        assert comment.side in (None, "agree", "disagree", "unsure")
    for vote in db.session.scalars(select(Vote)):
        assert vote.value in (-1, 0, 1)


def test_api_comment_bodies(signed_in, story):
    csrf = token(signed_in)

    @SETTINGS
    @given(payload=comment_fields | json_values)
    def post(payload):
        response = signed_in.post(
            "/api/stories/api-story/comments", json=payload, headers={"X-CSRFToken": csrf}
        )
        assert response.status_code in (201, 400, 404, 413, 415, 422), response.get_data(as_text=True)[:300]
        if response.status_code != 201:
            assert response.get_json()["error"]["message"]

    post()
    _assert_clean_store()


def test_api_raw_bytes(signed_in, story):
    csrf = token(signed_in)

    @SETTINGS
    @given(
        raw=st.binary(max_size=200),
        mime=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    )
    def post(raw, mime):
        response = signed_in.post(
            "/api/stories/api-story/comments", data=raw, content_type=mime, headers={"X-CSRFToken": csrf}
        )
        assert response.status_code in (201, 400, 415, 422), response.get_data(as_text=True)[:300]

    post()
    _assert_clean_store()


def test_api_votes(signed_in, their_comment):
    csrf = token(signed_in)

    @SETTINGS
    @given(
        payload=st.fixed_dictionaries({}, optional={"vote": json_values | st.sampled_from(["agree", "pass"])})
        | json_values
    )
    def vote(payload):
        response = signed_in.put(
            f"/api/comments/{their_comment.id}/vote", json=payload, headers={"X-CSRFToken": csrf}
        )
        assert response.status_code in (200, 400, 415, 422), response.get_data(as_text=True)[:300]

    vote()
    _assert_clean_store()
    assert len(db.session.scalars(select(Vote)).all()) <= 1


def test_comment_form(signed_in, story):
    csrf = csrf_token(signed_in, "/stories/api-story")

    @SETTINGS
    @given(body=text, side=text | st.sampled_from(["agree", "none"]), parent_id=text, key=text)
    def post(body, side, parent_id, key):
        data = {
            "csrf_token": csrf,
            "body": body,
            "side": side,
            "parent_id": parent_id,
            "idempotency_key": key,
        }
        response = signed_in.post("/stories/api-story/comments", data=data)
        assert response.status_code in (303, 400, 403, 404), response.get_data(as_text=True)[:300]

    post()
    _assert_clean_store()


def test_register_and_login_forms(client):
    csrf = csrf_token(client, "/register")

    @settings(SETTINGS, max_examples=15)
    @given(username=text, password=text, display=text)
    def register(username, password, display):
        data = {
            "csrf_token": csrf,
            "username": username,
            "password": password,
            "confirm": password,
            "display_name": display,
        }
        response = client.post("/register", data=data)
        assert response.status_code in (200, 303, 400, 409), response.get_data(as_text=True)[:300]
        login = client.post("/login", data={"csrf_token": csrf, "username": username, "password": password})
        assert login.status_code in (303, 400, 401)

    register()


def test_story_and_comment_urls(client, story):
    @SETTINGS
    @given(
        ref=st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and s not in (".", "..")),
        query=text,
    )
    def visit(ref, query):
        ref = quote(ref, safe="")
        for path in (f"/stories/{ref}", f"/api/stories/{ref}", f"/api/stories/{ref}/comments"):
            response = client.get(path, query_string={"page": query, "sort": query, "limit": query})
            assert response.status_code in (200, 400, 404), (path, response.status_code)

    visit()
