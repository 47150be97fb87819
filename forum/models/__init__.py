"""Database models. Import from here: ``from forum.models import User, Story, Comment, Vote``."""

from forum.models.analysis import (
    CommentEmbedding,
    KeyPointPreview,
    MapRun,
    MapRunStatus,
    PreviewStatus,
    PublishedMap,
    SentenceEmbedding,
    Viewpoint,
    ViewpointMember,
)
from forum.models.moderation import AuditEntry, BannedWord, CommentFlag, CommentModeration
from forum.models.opinions import OpinionCache, PolisComment, PolisParticipant
from forum.models.sites import Site, SiteStory, SiteUser, UsedSsoToken
from forum.models.stories import Comment, CommentRevision, CommentStatus, Story, StoryStatus, Vote
from forum.models.users import User, UserStatus

__all__ = [
    "AuditEntry",
    "BannedWord",
    "CommentFlag",
    "CommentModeration",
    "Comment",
    "CommentEmbedding",
    "CommentRevision",
    "CommentStatus",
    "KeyPointPreview",
    "MapRun",
    "MapRunStatus",
    "OpinionCache",
    "PolisComment",
    "PolisParticipant",
    "PreviewStatus",
    "PublishedMap",
    "SentenceEmbedding",
    "Site",
    "SiteStory",
    "SiteUser",
    "Story",
    "StoryStatus",
    "UsedSsoToken",
    "User",
    "UserStatus",
    "Viewpoint",
    "ViewpointMember",
    "Vote",
]
