"""The one role check every staff route uses.

Staff blueprints call :func:`guard` once; every route on them is then refused (403) unless its view declares
the role it needs with :func:`requires`. Anonymous visitors are sent to the login page; signed-in users
without the role get 403; suspended or banned staff get 403 too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from forum.models import UserStatus

ROLE_RANK = {"reader": 0, "editor": 1, "admin": 2}


def has_role(user, role: str) -> bool:
    """Whether ``user`` holds ``role`` or a higher one (admins can do what editors can)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.status != UserStatus.ACTIVE:
        return False
    return ROLE_RANK.get(user.role, -1) >= ROLE_RANK[role]


def requires(role: str) -> Callable:
    """Declare (and enforce) the role a view needs: ``@requires("editor")``."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            _check(role)
            return view(*args, **kwargs)

        wrapper.required_role = role  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _check(role: str) -> None:
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    if not has_role(current_user, role):
        abort(403, f"This page is for {role}s only.")


def guard(bp: Blueprint) -> Blueprint:
    """Refuse by default every route of ``bp`` whose view did not declare a role with :func:`requires`."""

    @bp.before_request
    def _declared_role_only():
        view = current_app.view_functions.get(request.endpoint or "")
        role = getattr(view, "required_role", None)
        if role is None:
            abort(403, "This route has not declared which role may use it.")
        _check(role)

    return bp
