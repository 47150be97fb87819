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
from tests.factories import csrf_token

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


# --- hostile shapes from the outside test (issue 13): nesting, ids out of range, odd URLs, odd claims ---


def _nested(kind: str, depth: int) -> bytes:
    if kind == "arrays":
        return b"[" * depth + b"]" * depth
    if kind == "open-arrays":
        return b"[" * depth  # not even closed
    if kind == "objects":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"body": ' + b'[{"x":' * depth + b"0" + b"}]" * depth + b"}"  # hidden inside a field


nested_json = st.builds(
    _nested,
    st.sampled_from(["arrays", "open-arrays", "objects", "in-a-field"]),
    st.integers(min_value=1_000, max_value=100_000) | st.sampled_from([5_000, 100_000]),
)
too_big_ids = (
    st.integers(min_value=2**31, max_value=10**40).map(str)
    | st.integers(min_value=20, max_value=5_000).map(lambda n: "9" * n)
    | st.sampled_from(["99999999999999999999", "18446744073709551616", "9223372036854775808", "3000000000"])
)


def _is_json_error(response, *statuses: int) -> bool:
    body = response.get_json(silent=True) or {}
    return response.status_code in statuses and bool((body.get("error") or {}).get("message"))


def test_deeply_nested_json_is_a_400_on_every_write(signed_in, story, their_comment, reader):
    from tests.factories import make_comment

    csrf = token(signed_in)
    mine = make_comment(story, reader, "Mine to edit.")
    endpoints = [
        ("POST", "/api/stories/api-story/comments"),
        ("POST", f"/api/comments/{their_comment.id}/replies"),
        ("PATCH", f"/api/comments/{mine.id}"),
        ("PUT", f"/api/comments/{their_comment.id}/vote"),
        ("POST", "/api/session"),
    ]

    @settings(SETTINGS, max_examples=12)
    @given(raw=nested_json)
    def send(raw):
        for method, path in endpoints:
            response = signed_in.open(
                path, method=method, data=raw, content_type="application/json", headers={"X-CSRFToken": csrf}
            )
            assert _is_json_error(response, 400, 422), (method, path, response.status_code)

    send()
    _assert_clean_store()
    db.session.refresh(mine)
    assert mine.body == "Mine to edit."


def test_deeply_nested_json_on_the_widget_api(client, story):
    from forum.services import sites as site_service

    site_service.create_site("nest", "Nest", ["https://nest.example"])
    db.session.commit()
    headers = {"Origin": "http://localhost"}

    @settings(SETTINGS, max_examples=8)
    @given(raw=nested_json)
    def send(raw):
        for path in (
            "/widget/api/sso",
            f"/widget/api/stories/{story.id}/comments",
            "/widget/api/comments/1/vote",
        ):
            response = client.post(path, data=raw, content_type="application/json", headers=headers)
            assert _is_json_error(response, 400, 401), (path, response.status_code)

    send()


def test_ids_no_column_can_hold_are_4xx_everywhere(signed_in, story):
    from forum.services import sites as site_service

    site_service.create_site("ids", "Ids", ["https://ids.example"])
    db.session.commit()
    client = signed_in
    csrf = csrf_token(signed_in, "/stories/api-story")

    @SETTINGS
    @given(big=too_big_ids)
    def visit(big):
        paths = [
            f"/widget/frame?site=ids&story={big}",
            f"/widget/count?site=ids&story={big}",
            f"/widget/map/{big}",
            f"/api/comments/{big}",
            f"/api/stories/{big}",
            f"/api/stories/{big}/viewpoints",
            f"/stories/{big}",
            f"/comments/{big}",
            f"/comments/{big}/edit",
        ]
        for path in paths:
            response = client.get(path)
            assert 400 <= response.status_code < 500, (path, response.status_code)
        for path in (f"/comments/{big}/vote", f"/comments/{big}/delete", f"/comments/{big}/flag"):
            response = client.post(path, data={"csrf_token": csrf, "vote": "agree", "reason": "spam"})
            assert 400 <= response.status_code < 500, (path, response.status_code)
        api = client.put(
            f"/api/comments/{big}/vote", json={"vote": "agree"}, headers={"X-CSRFToken": token(client)}
        )
        assert api.status_code == 404

    visit()


def test_oembed_urls_never_500(client, session):
    odd = st.sampled_from(
        [
            "http://[::1",
            "http://[",
            "https://[::1]:99999/x",
            "http://a:b@[::1]/",
            "http://%zz",
            "//x",
            "http://:80",
        ]
    )

    @SETTINGS
    @given(url=odd | text | st.builds(lambda t: "http://" + t, text), width=text)
    def visit(url, width):
        response = client.get("/oembed", query_string={"url": url, "maxwidth": width})
        assert response.status_code in (200, 400, 404, 501), (url, response.status_code)

    visit()


def test_sso_tokens_with_odd_claims_are_refused_cleanly(client, session):
    """Tokens signed with the right secret, each with one claim of an odd type or value (a string ``exp``
    among them): refused with 401, never a 500."""
    import time as _time

    import jwt

    from forum.services import sites as site_service

    site = site_service.create_site("claims", "Claims", ["https://claims.example"])
    db.session.commit()
    odd = json_values | st.sampled_from(
        [str(int(_time.time()) + 60), "", "NaN", True, 1e308, 2**70, -(2**70)]
    )
    seen = {"n": 0}

    def signed(claims) -> int:
        token = jwt.encode(claims, site.sso_secret, algorithm="HS256")
        response = client.post(
            "/widget/api/sso", json={"site": "claims", "token": token}, headers={"Origin": "http://localhost"}
        )
        return response.status_code

    # the shape the outside test found: exp as a string of digits, everything else right
    good = {"sub": "u-1", "name": "Reader", "jti": "j-0", "exp": int(_time.time()) + 60}
    assert signed({**good, "exp": str(good["exp"]), "jti": "j-string-exp"}) == 401

    @SETTINGS
    @given(claim=st.sampled_from(["exp", "sub", "name", "jti", "iat", "nbf"]), value=odd)
    def sign_in(claim, value):
        seen["n"] += 1
        claims = {**good, "jti": f"j-{seen['n']}", claim: value}
        status = signed(claims)
        assert status in (200, 401, 403), (claims, status)
        if claim == "exp" and (isinstance(value, bool) or not isinstance(value, int | float)):
            assert status == 401, claims

    sign_in()
