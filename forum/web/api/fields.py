"""The API's marshmallow fields: strict JSON types for what it reads, worded as its error messages, and the
few output conversions (times in UTC, values computed from the object) its schemas need.

An input field's error messages are the end of a sentence; :mod:`forum.web.api.parsing` starts it with
"The field 'name'" or "The query parameter 'name'".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import fields, missing, validate

from forum.times import as_utc

MAX_INT = 2**31 - 1  # ids and offsets are 32-bit integers in the database
MAX_LIMIT = 100


def _kind(field: fields.Field, name: str) -> str:
    return f"must be {name} or null" if field.allow_none else f"must be {name}"


class Text(fields.String):
    """A JSON string (or null with ``allow_none``) with no NUL character and no lone surrogate."""

    default_error_messages = {
        "required": "is required",
        "nul": "contains a NUL character, which is not allowed",
        "surrogate": "is not valid Unicode text (it contains a lone surrogate)",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages["invalid"] = self.error_messages["null"] = _kind(self, "a string")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if "\x00" in value:
            raise self.make_error("nul")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("surrogate") from None
        return value


class Id(fields.Integer):
    """A row id in a JSON body: an integer (true and false are not), 1 to 2**31 - 1."""

    default_error_messages = {"required": "is required"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            strict=True, validate=validate.Range(1, MAX_INT, error="must be a positive id"), **kwargs
        )
        self.error_messages["invalid"] = self.error_messages["null"] = _kind(self, "an integer")


class WholeNumber(fields.Integer):
    """A query parameter of ASCII digits (a leading minus allowed) between ``minimum`` and ``maximum``."""

    default_error_messages = {"invalid": "must be a whole number"}

    def __init__(self, minimum: int, maximum: int, **kwargs: Any) -> None:
        between = validate.Range(minimum, maximum, error="must be between {min} and {max}")
        super().__init__(validate=between, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = value.strip() if isinstance(value, str) else ""
        if not (text.isascii() and text.removeprefix("-").isdigit()):
            raise self.make_error("invalid")
        return int(text)


def one_of(*choices: str, default: str) -> fields.String:
    """A query parameter that names one of ``choices``."""
    return fields.String(
        load_default=default, validate=validate.OneOf(choices, error="must be one of: {choices}")
    )


class When(fields.DateTime):
    """A time as RFC 3339 with its offset (SQLite hands back naive datetimes, which are UTC)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else as_utc(value).isoformat()


def computed(field: fields.Field, get: Callable[[Any], Any]) -> fields.Field:
    """``field``, its value ``get(obj)`` rather than an attribute of the object; its documented type stays."""

    def get_value(obj: Any, attr: str, accessor: Any = None, default: Any = missing) -> Any:
        return get(obj)

    field.get_value = get_value  # type: ignore[method-assign]
    return field
