from forum.web.maps.views import bp

__all__ = ["bp"]
