from tests.factories import make_app, post_form


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_scripts_so_csp_holds(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and " onclick=" not in html and "style=" not in html


def test_rate_limit_on_login(app, session):
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], FORUM_LIMIT_LOGIN="3 per minute")
    c = limited.test_client()
    with limited.app_context():
        statuses = [
            post_form(c, "/login", {"username": "nobody", "password": "nothing1"}).status_code
            for _ in range(4)
        ]
    assert statuses == [401, 401, 401, 429]


def test_malformed_requests_get_4xx(logged_in):
    assert logged_in.get("/stories/%00").status_code == 400
    assert logged_in.get("/stories/x?sort=%00").status_code == 400
    big = "x" * (2 * 1024 * 1024)
    assert post_form(logged_in, "/stories/s/comments", {"body": big}).status_code == 413
    assert logged_in.post("/comments/notanumber/vote").status_code == 404


def test_nul_bytes_in_forms_are_refused_with_nothing_stored(logged_in):
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Comment
    from tests.factories import make_story

    story = make_story()
    response = post_form(logged_in, f"/stories/{story.slug}/comments", {"body": "nul \x00 inside"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
