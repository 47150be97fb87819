from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from tests.factories import CSRF_RE, login, make_user, post_form


def _register(client, username="newreader", password="s3cret-pass", confirm=None, **extra):
    data = {"username": username, "password": password, "confirm": confirm or password, **extra}
    return post_form(client, "/register", data)


def test_register_logs_in_and_hashes_password(client, session):
    response = _register(client, display_name="New Reader")
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "newreader"))
    assert user.display_name == "New Reader"
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:")) and "s3cret-pass" not in user.password_hash
    assert "Signed in as" in client.get("/").get_data(as_text=True)


def test_register_refuses_bad_input_and_stores_nothing(client, session):
    before = db.session.scalar(select(func.count()).select_from(User))
    assert _register(client, username="x").status_code == 400
    assert _register(client, password="short").status_code == 400
    page = _register(client, password="long enough 1", confirm="long enough 2")
    assert page.status_code == 400 and "The two passwords differ." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_register_duplicate_username_case_insensitive(client, session):
    make_user("Taken")
    response = _register(client, username="taken")
    assert response.status_code == 409
    assert "That username is taken." in response.get_data(as_text=True)


def test_login_does_not_reveal_which_part_was_wrong(client, reader):
    unknown = post_form(client, "/login", {"username": "nobody-here", "password": "whatever1"})
    wrong = post_form(client, "/login", {"username": reader.username, "password": "wrong password"})
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong username or password." in unknown.get_data(as_text=True)
    assert "Wrong username or password." in wrong.get_data(as_text=True)


def test_login_redirects_only_within_site(client, reader):
    ok = post_form(
        client, "/login", {"username": reader.username, "password": "correct horse", "next": "/stories/x"}
    )
    assert ok.headers["Location"].endswith("/stories/x")
    client.get("/")  # new session token below
    evil = post_form(
        client,
        "/login",
        {"username": reader.username, "password": "correct horse", "next": "https://evil.example/"},
    )
    assert "evil.example" not in evil.headers["Location"]


def test_banned_reader_cannot_log_in(client, session):
    make_user("banned1", status="banned")
    response = post_form(client, "/login", {"username": "banned1", "password": "correct horse"})
    assert response.status_code == 401


def test_logout_needs_post_with_csrf(logged_in):
    assert logged_in.get("/logout").status_code == 405
    assert logged_in.post("/logout").status_code == 400
    response = post_form(logged_in, "/logout")
    assert response.status_code == 303
    assert "Signed in as" not in logged_in.get("/").get_data(as_text=True)


def test_session_cookie_flags(client, reader):
    response = login(client, reader.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = client.application.test_client()
    html = secure.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = CSRF_RE.search(html)
    response = secure.post(
        "/login",
        data={
            "csrf_token": token.group(1) or token.group(2),
            "username": reader.username,
            "password": "correct horse",
        },
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "Secure" in response.headers["Set-Cookie"]
