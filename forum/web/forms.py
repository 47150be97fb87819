"""What every form-handling view does first."""

from __future__ import annotations

from flask import abort
from flask_wtf import FlaskForm


def require_valid(form: FlaskForm) -> FlaskForm:
    """Validate a posted form (its CSRF token included): a malformed or forged one is a 400."""
    if not form.validate():
        abort(400, "The form was incomplete or malformed.")
    return form
