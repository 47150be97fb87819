"""Database models. Import from here: ``from forum.models import User, Story, Comment, Vote``."""

from forum.models.analysis import (
    CommentEmbedding,
    KeyPointPreview,
    MapRun,
    PublishedMap,
    SentenceEmbedding,
    Viewpoint,
    ViewpointMember,
)
from forum.models.moderation import AuditEntry, BannedWord, CommentFlag, CommentModeration
from forum.models.opinions import OpinionCache, PolisComment, PolisParticipant
from forum.models.sites import Site, SiteStory, SiteUser, UsedSsoToken
from forum.models.stories import Comment, CommentRevision, Story, Vote
from forum.models.users import User

__all__ = [
    "AuditEntry",
    "BannedWord",
    "CommentFlag",
    "CommentModeration",
    "Comment",
    "CommentEmbedding",
    "CommentRevision",
    "KeyPointPreview",
    "MapRun",
    "OpinionCache",
    "PolisComment",
    "PolisParticipant",
    "PublishedMap",
    "SentenceEmbedding",
    "Site",
    "SiteStory",
    "SiteUser",
    "Story",
    "UsedSsoToken",
    "User",
    "Viewpoint",
    "ViewpointMember",
    "Vote",
]
