from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField


class LoginForm(FlaskForm):
    username = StringField("Username")
    password = PasswordField("Password")
    next = HiddenField()


class RegisterForm(FlaskForm):
    username = StringField("Username")
    display_name = StringField("Display name (optional)")
    email = StringField("Email (optional)")
    password = PasswordField("Password")
    confirm = PasswordField("Repeat password")
    next = HiddenField()
