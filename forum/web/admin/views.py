"""Admins grant and revoke roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.models.users import ROLES, STATUSES
from forum.services import accounts
from forum.web.editor.forms import RoleForm
from forum.web.forms import require_valid
from forum.web.roles import guard, requires

bp = guard(Blueprint("admin", __name__, url_prefix="/admin"))


@bp.get("/")
@requires("admin")
def users():
    status, role = request.args.get("status") or None, request.args.get("role") or None
    if status not in (None, *STATUSES) or role not in (None, *ROLES):
        abort(400, "Unknown status or role filter.")
    rows = accounts.list_users(request.args.get("q"), status=status, role=role)
    return render_template(
        "admin/users.html",
        rows=rows,
        args=request.args,
        roles=ROLES,
        statuses=STATUSES,
        form=RoleForm(formdata=None),
    )


@bp.post("/users/<int:user_id>/role")
@requires("admin")
def set_role(user_id: int):
    user = accounts.get_user(user_id)
    form = RoleForm()
    require_valid(form)
    accounts.set_role(user, form.role.data, current_user, form.reason.data)
    flash(f"{user.display_name} is now {'an' if user.role == 'admin' else 'a'} {user.role}.", "success")
    return redirect(url_for("admin.users", q=request.form.get("q") or None), code=303)
