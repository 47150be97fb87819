"""The JSON API at ``/api/`` (described by the OpenAPI document at ``/api/openapi.json``)."""

from flask import Flask

from forum.web.api import stories as _stories  # noqa: F401  (registers the editors' story routes)
from forum.web.api.views import bp

__all__ = ["bp", "register"]


def register(app: Flask) -> None:
    """Register the API's blueprint and build its OpenAPI document for ``app``."""
    from forum.web.api import document

    document.register(app, bp)
