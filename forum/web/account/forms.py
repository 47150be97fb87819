"""A reader's own account: the forms (the CSRF token from Flask-WTF; services check the values)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class ForgotForm(FlaskForm):
    email = StringField("Email address")


class ResetForm(FlaskForm):
    password = PasswordField("New password")
    confirm = PasswordField("Repeat the new password")


class EmailForm(FlaskForm):
    email = StringField("Email address")


class DeleteForm(FlaskForm):
    password = PasswordField("Your password")
