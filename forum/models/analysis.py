"""What the analysis stores: comment embeddings, map runs, viewpoints and their members."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._types import utcnow
from forum.statuses import MapRunStatus, PreviewStatus


class CommentEmbedding(db.Model):
    """A comment's sentence embedding, computed once per (model, text) and kept with the model's name."""

    __tablename__ = "comment_embedding"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    model_name: Mapped[str] = mapped_column(String(100))
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(self.vector, dtype=np.float32)


class SentenceEmbedding(db.Model):
    """The embedding of one sentence text (a comment's sentence: a key point candidate or its evidence), kept
    once per (model, text) however many comments contain it, like :class:`CommentEmbedding`."""

    __tablename__ = "sentence_embedding"

    model_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MapRun(db.Model):
    """One full recomputation of a story's debate map, with what changed."""

    __tablename__ = "map_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=MapRunStatus.DONE)
    trigger: Mapped[str] = mapped_column(String(20), default="auto")
    n_comments: Mapped[int] = mapped_column(Integer, default=0)
    n_viewpoints: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Viewpoint(db.Model):
    """A group of comments making the same argument. Keeps its id across recomputations while its members
    still match (so links and editors' edits survive); ``active`` is False once a recomputation drops it."""

    __tablename__ = "viewpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("map_run.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    headline: Mapped[str] = mapped_column(Text)
    headline_comment_id: Mapped[int | None] = mapped_column(Integer)
    side: Mapped[int] = mapped_column(SmallInteger, default=0)
    share: Mapped[float] = mapped_column(Float, default=0.0)
    n_members: Mapped[int] = mapped_column(Integer, default=0)
    n_authors: Mapped[int] = mapped_column(Integer, default=0)
    key_phrases: Mapped[list] = mapped_column(JSON, default=list)
    quote_ids: Mapped[list] = mapped_column(JSON, default=list)
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    radius: Mapped[float | None] = mapped_column(Float)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)
    is_other: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The theme (what the argument is about) the key point is listed under, and its order among themes.
    theme: Mapped[str | None] = mapped_column(String(120))
    theme_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Comments whose best match is another key point but that make this one too (a comment can make several).
    secondary_ids: Mapped[list | None] = mapped_column(JSON)
    # For each quote (comment id as a string), the sentence of it that makes the key point, to highlight.
    quote_sentences: Mapped[dict | None] = mapped_column(JSON)
    # Editors' work, kept across recomputations while the viewpoint keeps its identity.
    editor_headline: Mapped[str | None] = mapped_column(Text)
    editor_summary: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    pinned_quote_ids: Mapped[list | None] = mapped_column(JSON)
    # Curated by an editor (merged, split, moved into, or defined by a key point): its members stay put.
    curated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    key_point: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list[ViewpointMember]] = relationship(back_populates="viewpoint", passive_deletes=True)

    @property
    def centroid_array(self) -> np.ndarray | None:
        return None if self.centroid is None else np.frombuffer(self.centroid, dtype=np.float32)

    @property
    def title(self) -> str:
        """What readers see: the editor's headline when there is one."""
        return self.editor_headline or self.headline

    @property
    def side_name(self) -> str:
        return {1: "agree", -1: "disagree"}.get(self.side, "mixed")


class ViewpointMember(db.Model):
    """A comment's place on the map: one viewpoint per comment. ``source`` says who put it there: the full
    clustering ("map"), the quick nearest-viewpoint placement of a new comment ("nearest") or an editor."""

    __tablename__ = "viewpoint_member"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    viewpoint_id: Mapped[int] = mapped_column(ForeignKey("viewpoint.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10), default="map")
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    viewpoint: Mapped[Viewpoint] = relationship(back_populates="members")


class PublishedMap(db.Model):
    """A snapshot of a story's debate map as an editor published it (what readers and the widget see)."""

    __tablename__ = "published_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KeyPointPreview(db.Model):
    """The comments an editor's key point would gather, computed by the worker before the editor adds it
    (the web never loads the model). ``matches`` holds [comment id, score] pairs, best first."""

    __tablename__ = "key_point_preview"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PreviewStatus.PENDING)
    matches: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
