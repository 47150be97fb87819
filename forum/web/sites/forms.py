"""Forms for registering publisher sites. The services validate the values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField


class SiteForm(FlaskForm):
    key = StringField("Site key (used in the snippet)")
    name = StringField("Name")
    origins = TextAreaField("Allowed origins, one per line")
    auto_create = BooleanField("Create a discussion automatically for new article pages")
    active = BooleanField("Active", default=True)
