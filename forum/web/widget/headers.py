"""Response headers for pages that other sites may frame (the default headers refuse all framing)."""

from __future__ import annotations

from flask import Response

from forum.web import security


def frameable_by(response: Response, ancestors: list[str] | str) -> Response:
    """Let ``ancestors`` (origins, or ``*`` for read-only pages) frame this response: a CSP
    ``frame-ancestors`` of its own (the default headers then add no ``X-Frame-Options``)."""
    sources = [ancestors] if isinstance(ancestors, str) else ["'self'", *ancestors]
    response.headers["Content-Security-Policy"] = security.content_security_policy(
        {"frame-ancestors": sources}
    )
    return response


def popup_page(response: Response) -> Response:
    """A page the widget opens as a popup keeps its opener (the frame), so it can hand back a token."""
    response.headers["Cross-Origin-Opener-Policy"] = "unsafe-none"
    response.headers["Cache-Control"] = "no-store"
    return response
