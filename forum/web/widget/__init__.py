"""The debate widget publishers embed: embed.js, the frame pages, their JSON API, comment counts, oEmbed."""

from forum.web.widget import popup  # noqa: F401  (the popup's registration page, on bp)
from forum.web.widget.api import bp as api_bp
from forum.web.widget.views import bp

__all__ = ["api_bp", "bp"]
