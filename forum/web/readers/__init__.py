from forum.web.readers.views import bp

__all__ = ["bp"]
