from forum.web.review.views import bp

__all__ = ["bp"]
