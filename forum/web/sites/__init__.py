"""Publisher sites: admins register them; editors copy the snippet to paste."""

from forum.web.sites.views import admin_bp, editor_bp

__all__ = ["admin_bp", "editor_bp"]
