"""Publisher sites that embed the debate widget, their stories, their single-sign-on readers, used tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._types import utcnow
from forum.models.stories import Story
from forum.models.users import User


class Site(db.Model):
    """A publisher allowed to embed the widget on pages of its ``allowed_origins``."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Normalised origins ("https://news.example"), the only pages that may frame the widget.
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    auto_create: Mapped[bool] = mapped_column(Boolean, default=False)
    # HS256 secret shared with the publisher's server for single sign-on tokens.
    sso_secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SiteStory(db.Model):
    """A story discussed under a publisher's article: the page's canonical URL on that site."""

    __tablename__ = "site_story"
    __table_args__ = (
        UniqueConstraint("site_id", "url", name="uq_site_story_site_url"),
        UniqueConstraint("site_id", "story_id", name="uq_site_story_site_story"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    site: Mapped[Site] = relationship()
    story: Mapped[Story] = relationship()


class SiteUser(db.Model):
    """A forum account created for (or linked to) a publisher's own user through single sign-on."""

    __tablename__ = "site_user"
    __table_args__ = (UniqueConstraint("site_id", "external_id", name="uq_site_user_site_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class UsedSsoToken(db.Model):
    """A single-sign-on token id already redeemed, kept until the token expires so it cannot be replayed."""

    __tablename__ = "used_sso_token"
    __table_args__ = (UniqueConstraint("site_id", "jti", name="uq_used_sso_token_site_jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
