"""Editors' forms. Flask-WTF supplies the CSRF token; the services do the domain validation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class CsrfForm(FlaskForm):
    """Nothing but the CSRF token (buttons carry their value)."""


class StoryForm(FlaskForm):
    headline = StringField("Headline")
    slug = StringField("Slug (address)")
    question = StringField("The question to readers")
    lede = TextAreaField("Lede")
    body = TextAreaField("Story text")
    source_url = StringField("Source link")
    source_name = StringField("Source name")
    moderation_mode = StringField("Moderation")
    deleted_comments = StringField("A deleted reader's comments")


class ModerateForm(FlaskForm):
    """Bulk approve or reject: the ids come as repeated ``ids`` fields (checkboxes); a row's own button sends
    ``row`` = "approve:<id>" or "reject:<id>" instead."""

    action = StringField("Action")
    preset = StringField("Why reject")
    reason = StringField("Reason")
    row = HiddenField()


class StatusForm(FlaskForm):
    action = StringField("Action")
    reason = StringField("Reason")


class BannedWordForm(FlaskForm):
    word = StringField("Word or phrase")
    story_id = StringField("Story")


class RoleForm(FlaskForm):
    role = StringField("Role")
    reason = StringField("Reason")


class FlagForm(FlaskForm):
    reason = StringField("Why should an editor look at this comment?")
