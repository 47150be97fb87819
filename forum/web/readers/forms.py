"""Reader forms. Flask-WTF supplies the CSRF token; services do the domain validation."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment")
    side = StringField("Your side")
    parent_id = HiddenField()
    idempotency_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = secrets.token_urlsafe(16)


class EditForm(FlaskForm):
    body = TextAreaField("Your comment")
    side = StringField("Your side")


class ActionForm(FlaskForm):
    """A form with nothing but the CSRF token (delete, vote buttons carry their value in the button)."""

    vote = HiddenField()
