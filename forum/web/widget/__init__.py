"""The debate widget publishers embed: embed.js, the frame pages, their JSON API, comment counts, oEmbed."""

from forum.web.widget.api import bp as api_bp
from forum.web.widget.views import bp

__all__ = ["api_bp", "bp"]
