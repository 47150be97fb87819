"""Reading JSON request bodies and query parameters strictly, with clear 4xx answers.

400: the request is malformed (not JSON, bad query parameter, NUL characters). 415: the body is not
``application/json``. 422: the JSON is well formed but a field has the wrong type or is unknown (services'
``InvalidInput`` also becomes 422 in the API, with the field it concerns).
"""

from __future__ import annotations

from typing import Any

from flask import abort, request

MAX_INT = 2**31 - 1  # ids and offsets are 32-bit integers in the database
MAX_LIMIT = 100
_MISSING = object()


def _clean_text(value: str, name: str) -> str:
    if "\x00" in value:
        abort(422, f"{name} contains a NUL character, which is not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        abort(422, f"{name} is not valid Unicode text (it contains a lone surrogate).")
    return value


def json_body(allowed: dict[str, tuple[type, ...]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object, checked against ``allowed`` (field -> accepted types; ``type(None)`` allows
    null). Unknown fields and wrong types are 422; a body that is not JSON is 415, malformed JSON is 400."""
    if request.mimetype != "application/json":
        abort(415, "Send the request body as JSON with the header Content-Type: application/json.")
    data = request.get_json(silent=True)
    if data is None and request.get_data(cache=True).strip() not in (b"null",):
        abort(400, "The request body is not valid JSON.")
    if not isinstance(data, dict):
        abort(422, "The request body must be a JSON object.")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        abort(422, f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(allowed)}.")
    for name in required:
        if name not in data:
            abort(422, f"The field {name!r} is required.")
    for name, value in data.items():
        types = allowed[name]
        # bool is a subclass of int in Python, but not a number in JSON terms.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join("null" if t is type(None) else _JSON_NAMES.get(t, t.__name__) for t in types)
            abort(422, f"The field {name!r} must be {names}.")
        if isinstance(value, str):
            _clean_text(value, f"The field {name!r}")
        if isinstance(value, int) and not isinstance(value, bool) and not 0 < value <= MAX_INT:
            abort(422, f"The field {name!r} must be a positive id.")
    return data


_JSON_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


def int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.strip().lstrip("-").isdigit():
        abort(400, f"The query parameter {name!r} must be a whole number.")
    value = int(raw)
    if not minimum <= value <= maximum:
        abort(400, f"The query parameter {name!r} must be between {minimum} and {maximum}.")
    return value


def page_args(default_limit: int = 20) -> tuple[int, int]:
    """``limit`` (1-100) and ``offset`` (0 or more) from the query string."""
    return int_arg("limit", default_limit, 1, MAX_LIMIT), int_arg("offset", 0, 0, MAX_INT)


def choice_arg(name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in choices:
        abort(400, f"The query parameter {name!r} must be one of: {', '.join(choices)}.")
    return value
