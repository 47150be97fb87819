from forum.web.opinions.views import bp

__all__ = ["bp"]
