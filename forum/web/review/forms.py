"""The map review's forms: one per action, each with the CSRF token, the map version the editor's page
showed and the action's own fields, read into typed values (ints, lists of ids, whitespace-cleaned text) so
:mod:`forum.services.review` never parses strings. A field that cannot be read names the service error that
answers it, with the message and status the service gives for the same mistake."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import StopValidation
from wtforms.widgets import HiddenInput

from forum.ids import parse_id
from forum.services.errors import InvalidInput, NotFound, ServiceError
from forum.services.review import MISSING_VERSION


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _trimmed(text: str | None) -> str:
    return (text or "").strip()


class _Typed(Field):
    """A value the form must read; missing or unreadable, the form is refused with ``refusal(message)``."""

    widget = HiddenInput()

    def __init__(self, refusal: type[ServiceError], message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refusal, self.message = refusal, message

    def parse(self, values: list[str]) -> Any:
        raise NotImplementedError

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = self.parse(valuelist)

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is None:
            raise StopValidation(self.message)


class Number(_Typed):
    """A whole number, as ``int()`` reads it (the map version, how many parts)."""

    def parse(self, values: list[str]) -> int | None:
        try:
            return int(values[0]) if values else None
        except ValueError:
            return None


class RowId(_Typed):
    """A row's id (:func:`forum.ids.parse_id`: an id column can hold it)."""

    def parse(self, values: list[str]) -> int | None:
        return parse_id(values[0]) if values else None


class RowIds(_Typed):
    """Repeated ids (checkboxes): a list of ints, empty when none is ticked."""

    def parse(self, values: list[str]) -> list[int] | None:
        ids = [parse_id(v) for v in values]
        return None if None in ids else [i for i in ids if i is not None]


class Switch(Field):
    """On ("1") or off (anything else, or nothing)."""

    widget = HiddenInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = bool(valuelist) and valuelist[0] == "1"


def _viewpoint_id() -> RowId:
    return RowId(NotFound, "There is no such viewpoint.")


class ReviewForm(FlaskForm):
    """A review form: the CSRF token, and :meth:`refusal` for a field that could not be read."""

    def refusal(self) -> ServiceError | None:
        """The service error answering the first field that could not be read (fields in their order)."""
        for field in self:
            if isinstance(field, _Typed) and field.errors:
                return field.refusal(field.errors[0])
        return None


class RecomputeForm(ReviewForm):
    """Recompute the map: the CSRF token is all it needs."""


class AutoPublishForm(ReviewForm):
    """Auto-publish on or off (it applies to the map as it is, whatever the page showed)."""

    enabled = Switch()


class ActionForm(ReviewForm):
    """An edit of the map, or its publication: the map version the editor's page showed comes too."""

    map_version = Number(InvalidInput, MISSING_VERSION)


class RenameForm(ActionForm):
    viewpoint_id = _viewpoint_id()
    headline = StringField(filters=[_one_line])


class SummaryForm(ActionForm):
    viewpoint_id = _viewpoint_id()
    summary = TextAreaField(filters=[_trimmed])


class HideForm(ActionForm):
    viewpoint_id = _viewpoint_id()
    enabled = Switch()


class MergeForm(ActionForm):
    """Merge ``viewpoint_id`` into ``target_id`` (the target is checked first)."""

    target_id = _viewpoint_id()
    viewpoint_id = _viewpoint_id()


class SplitForm(ActionForm):
    viewpoint_id = _viewpoint_id()
    parts = Number(InvalidInput, "Say into how many viewpoints to split (2 to 6).")


class MoveForm(ActionForm):
    """Move comment ``comment_id`` into viewpoint ``target_id`` (the target is checked first)."""

    target_id = _viewpoint_id()
    comment_id = RowId(NotFound, "There is no such comment.")


class PinForm(ActionForm):
    viewpoint_id = _viewpoint_id()
    quote_ids = RowIds(InvalidInput, "Quotes are chosen by comment id.")


class PublishForm(ActionForm):
    """Publish the map as the editor's page showed it."""


class KeyPointForm(ActionForm):
    """A key point to add, or to preview first: one sentence."""

    statement = StringField(filters=[_one_line])
