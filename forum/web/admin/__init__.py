"""Admin pages under /admin/: accounts and their roles (guarded: every view declares its role)."""

from forum.web.admin.views import bp

__all__ = ["bp"]
