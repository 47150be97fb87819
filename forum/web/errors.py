"""Error pages and JSON errors, plus the bridge from service errors to HTTP statuses."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forum.services.errors import ServiceError


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(message: str, status: int):
    if wants_json():
        return jsonify(error={"status": status, "message": message}), status
    return render_template("errors/error.html", message=message, status=status), status


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return error_response(exc.message, exc.status)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return error_response(
            "This form has expired or did not come from this site (security token missing or invalid). "
            "Reload the page and try again.",
            400,
        )

    @app.errorhandler(429)
    def _rate_limited(exc):
        return error_response("Too many requests: slow down and try again in a minute.", 429)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return error_response(exc.description or exc.name, exc.code or 500)
