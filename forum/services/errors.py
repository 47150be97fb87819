"""Errors that services raise for bad requests; the web layer turns them into 4xx responses."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses. ``status`` is the HTTP status the web layer answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Unavailable(ServiceError):
    """A part the request needs (the job queue, say) is not answering; the request can be tried again."""

    status = 503
