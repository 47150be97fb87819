"""Steps the browser tests share."""

from __future__ import annotations


def log_in(page, base: str, username: str, password: str = "a long password") -> None:
    """Sign in through the login form, as a reader would."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Log in").click()
