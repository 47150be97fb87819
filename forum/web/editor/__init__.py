"""The editor's workspace under /editor/ (guarded: every view declares its role), and readers' flags."""

from forum.web.editor import moderation as _moderation  # noqa: F401  (registers the moderation views)
from forum.web.editor.flags import flags_bp
from forum.web.editor.views import bp

__all__ = ["bp", "flags_bp"]
