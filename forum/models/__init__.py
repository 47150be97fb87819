"""Database models. Import from here: ``from forum.models import User, Story, Comment, Vote``."""

from forum.models.analysis import CommentEmbedding, MapRun, Viewpoint, ViewpointMember
from forum.models.stories import Comment, CommentRevision, Story, Vote
from forum.models.users import User

__all__ = [
    "Comment",
    "CommentEmbedding",
    "CommentRevision",
    "MapRun",
    "Story",
    "User",
    "Viewpoint",
    "ViewpointMember",
    "Vote",
]
