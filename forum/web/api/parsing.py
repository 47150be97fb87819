"""Reading JSON request bodies and query parameters strictly, with the API's clear 4xx answers.

400: the request is malformed (not JSON, a bad query parameter, NUL characters). 415: the body is not
``application/json``. 422: the JSON is well formed but a field has the wrong type or is unknown (services'
``InvalidInput`` also becomes 422 in the API, with the field it concerns). Each answer is the JSON error
``{"error": {"status", "message"}}`` of :mod:`forum.web.errors`, worded for a person: the first problem
found, unknown fields before missing ones before wrong values.
"""

from __future__ import annotations

from typing import Any

from flask import Request, abort
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser

QUERY = "query"


def _sentence(messages: dict[str, Any], schema: Schema, location: str) -> str:
    errors = messages.get(location, messages)
    if not isinstance(errors, dict):
        return str(errors[0] if isinstance(errors, list) and errors else errors)
    if "_schema" in errors:
        return str(errors["_schema"][0])
    unknown = sorted(str(name) for name in errors if name not in schema.fields)
    if unknown:
        return f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(schema.fields)}."
    what = "The query parameter" if location == QUERY else "The field"
    problems = {name: errors[name] for name in schema.fields if name in errors}
    missing = [n for n, found in problems.items() if schema.fields[n].error_messages["required"] in found]
    name = (missing or list(problems))[0]
    message = problems[name]
    while isinstance(message, list | dict):  # a list of messages; a nested field's messages by key
        message = next(iter(message.values() if isinstance(message, dict) else message), "is not valid")
    return f"{what} {name!r} {message}."


class StrictParser(FlaskParser):
    """webargs' Flask parser with the API's rules for bodies and its wording for every refusal."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        if req.mimetype != "application/json":
            abort(415, "Send the request body as JSON with the header Content-Type: application/json.")
        data = req.get_json(silent=True)  # too deeply nested is malformed too (security.BoundedJSONProvider)
        if data is None and req.get_data(cache=True).strip() != b"null":
            abort(400, "The request body is not valid JSON.")
        if not isinstance(data, dict):
            abort(422, "The request body must be a JSON object.")
        return data

    def handle_error(
        self,
        error: ValidationError,
        req: Request,
        schema: Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> Any:
        messages = error.messages if isinstance(error.messages, dict) else {"json": error.messages}
        location = next(iter(messages), "json")
        status = error_status_code or (400 if location == QUERY else 422)
        abort(status, _sentence(messages, schema, location))
