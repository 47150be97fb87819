"""The JSON API at ``/api/`` (described by the OpenAPI document at ``/api/openapi.json``)."""

from forum.web.api import stories as _stories  # noqa: F401  (registers the editors' story routes)
from forum.web.api.views import bp

__all__ = ["bp"]
