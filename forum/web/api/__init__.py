"""The JSON API at ``/api/`` (described by the OpenAPI document at ``/api/openapi.json``)."""

from forum.web.api.views import bp

__all__ = ["bp"]
