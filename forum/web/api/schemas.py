"""What the API answers, declared once: each marshmallow schema serialises the models and service results
and is the component of the same name in ``/api/openapi.json`` (``StorySchema`` is ``Story``).

Every field of an answer is always present (``null`` where it has no value), so the document marks them all
required. What the API reads is in :mod:`forum.web.api.inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from marshmallow import INCLUDE, Schema, fields, post_dump, validate

from forum.models import CommentStatus
from forum.models.stories import COMMENT_STATUSES, SIDES, STORY_STATUSES, VOTE_VALUES
from forum.models.users import STATUSES as USER_STATUSES
from forum.services import opinions
from forum.web.api.fields import When, computed


class Answer(Schema):
    """An answer's schema: every field required in the document."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = True


def _enum(*choices: Any) -> validate.OneOf:
    return validate.OneOf(choices)  # documents the values (answers are dumped, not validated)


def _describe(text: str) -> dict[str, str]:
    return {"description": text}


class ErrorSchema(Schema):
    class Detail(Schema):
        INLINE = True
        status = fields.Integer(required=True)
        message = fields.String(required=True)
        field = fields.String(metadata=_describe("the request field the error is about, when there is one"))

    error = fields.Nested(Detail, required=True)


class UserSchema(Answer):
    id = fields.Integer()
    display_name = fields.String()


class MeSchema(UserSchema):
    username = fields.String()
    role = fields.String(validate=_enum("reader", "editor", "admin"))
    status = fields.String(validate=_enum(*USER_STATUSES))


class StorySchema(Answer):
    id = fields.Integer()
    slug = fields.String()
    headline = fields.String()
    lede = computed(fields.String(), lambda s: s.lede or "")
    question = fields.String()
    status = fields.String(validate=_enum(*STORY_STATUSES))
    source_url = fields.String(allow_none=True)
    source_name = fields.String(allow_none=True)
    published_at = When(allow_none=True)
    url = computed(fields.String(), lambda s: url_for("readers.story", slug=s.slug))


class CountsSchema(Answer):
    agree = fields.Integer()
    disagree = fields.Integer()
    pass_ = fields.Integer(data_key="pass", attribute="pass")


def _counts(agree: int, disagree: int, passed: int) -> dict[str, int]:
    return {"agree": agree, "disagree": disagree, "pass": passed}


class CommentSchema(Answer):
    id = fields.Integer()
    story_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    root_id = fields.Integer(allow_none=True)
    depth = fields.Integer()
    author = fields.Nested(UserSchema, allow_none=True)
    body = fields.String(allow_none=True, metadata=_describe("null once deleted"))
    html = fields.String(
        attribute="body_html", allow_none=True, metadata=_describe("the body rendered to safe HTML")
    )
    side = fields.String(allow_none=True, validate=_enum(*SIDES))
    status = fields.String(validate=_enum(*COMMENT_STATUSES))
    counts = computed(
        fields.Nested(CountsSchema), lambda c: _counts(c.agree_count, c.disagree_count, c.pass_count)
    )
    created_at = When()
    edited_at = When(allow_none=True)

    @post_dump(pass_original=True)
    def _hide_deleted(self, data: dict, comment: Any, **kwargs: Any) -> dict:
        if comment.status == CommentStatus.DELETED:
            data.update(author=None, body=None, html=None, side=None)
        return data


@dataclass
class Page:
    """One page of a list: ``limit`` items from ``offset`` of ``total``."""

    items: list
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total else None


class _PageSchema(Answer):
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    next_offset = fields.Integer(allow_none=True)


class StoryPageSchema(_PageSchema):
    items = fields.List(fields.Nested(StorySchema))


class CommentPageSchema(_PageSchema):
    items = fields.List(fields.Nested(CommentSchema))


def _of_viewpoint(name: str, default: Any = None):
    """The viewpoint's attribute, ``default`` when it is missing or empty (snapshots lack some)."""
    return lambda vv: getattr(vv.viewpoint, name, None) or default


class ViewpointSchema(Answer):
    """A :class:`forum.services.debate_map.ViewpointView`: the viewpoint, its quotes and readers' votes."""

    id = fields.Integer(attribute="viewpoint.id")
    headline = fields.String(attribute="viewpoint.headline")
    title = computed(fields.String(allow_none=True), _of_viewpoint("title"))
    summary = computed(
        fields.String(allow_none=True, metadata=_describe("the editors' summary, if any")),
        _of_viewpoint("editor_summary"),
    )
    side = fields.String(attribute="viewpoint.side_name", validate=_enum("agree", "disagree", "mixed"))
    share = computed(fields.Float(), lambda vv: float(vv.viewpoint.share or 0.0))
    n_members = fields.Integer(attribute="viewpoint.n_members")
    n_authors = fields.Integer(attribute="viewpoint.n_authors")
    key_phrases = computed(fields.List(fields.String()), _of_viewpoint("key_phrases", []))
    is_other = computed(fields.Boolean(), lambda vv: bool(vv.viewpoint.is_other))
    x = fields.Float(attribute="viewpoint.x", allow_none=True)
    y = fields.Float(attribute="viewpoint.y", allow_none=True)
    radius = fields.Float(attribute="viewpoint.radius", allow_none=True)
    theme = computed(
        fields.String(allow_none=True, metadata=_describe("the theme the key point is listed under")),
        _of_viewpoint("theme"),
    )
    secondary_ids = computed(
        fields.List(
            fields.Integer(),
            metadata=_describe("comments whose main point is another but that make this one too"),
        ),
        _of_viewpoint("secondary_ids", []),
    )
    quotes = fields.List(fields.Nested(CommentSchema))
    quote_sentences = computed(
        fields.Dict(
            keys=fields.String(),
            values=fields.String(),
            metadata=_describe("for each quote (by comment id), the sentence that makes the key point"),
        ),
        lambda vv: {
            str(q.id): s
            for q in vv.quotes
            if (s := (getattr(vv.viewpoint, "quote_sentences", None) or {}).get(str(q.id)))
        },
    )
    reaction = computed(
        fields.Nested(CountsSchema),
        lambda vv: _counts(vv.reaction.agree, vv.reaction.disagree, vv.reaction.passed),
    )


class ViewpointDetailSchema(ViewpointSchema):
    """A viewpoint with one page of its comments, most agreed first."""

    members = fields.Nested(CommentPageSchema)


class DebateMapSchema(Answer):
    story = fields.String(attribute="story.slug")
    ready = fields.Boolean()
    n_comments = fields.Integer()
    n_commenters = fields.Integer(metadata=_describe("distinct readers who commented"))
    n_placed = fields.Integer()
    viewpoints = fields.List(fields.Nested(ViewpointSchema))
    other = fields.Nested(ViewpointSchema, allow_none=True)
    is_live = computed(
        fields.Boolean(metadata=_describe("false: the snapshot editors last published")),
        lambda view: bool(getattr(view, "is_live", True)),
    )
    published_at = computed(When(allow_none=True), lambda view: getattr(view, "published_at", None))


class StatementSchema(Answer):
    comment = fields.Nested(CommentSchema)
    direction = fields.String(validate=_enum("agree", "disagree"))
    pct = fields.Integer()
    pct_rest = fields.Integer()
    group_pcts = fields.List(fields.Integer())
    n = fields.Integer(metadata=_describe("readers in the group (or everyone) who voted that way"))
    of = fields.Integer(metadata=_describe("readers in the group (or everyone) who voted on it"))
    n_rest = fields.Integer(metadata=_describe("the same count among everyone else"))
    of_rest = fields.Integer(metadata=_describe("everyone else who voted on it"))


class OpinionGroupSchema(Answer):
    INLINE = True  # documented inside OpinionGroups, not as a component of its own

    index = fields.Integer()
    name = fields.String()
    label = fields.String(
        allow_none=True, metadata=_describe("what sets the group apart, or the editors' name for it")
    )
    size = fields.Integer()
    share_pct = fields.Integer()
    is_mine = fields.Boolean()
    statements = fields.List(fields.Nested(StatementSchema))


class OpinionGroupsSchema(Answer):
    """A :class:`forum.services.opinions.OpinionsPage`: groups for everyone, ``is_mine`` once the reader has
    voted enough."""

    story = fields.String(attribute="story.slug")
    ready = computed(fields.Boolean(), lambda page: page.cache is not None)
    can_see = fields.Boolean(metadata=_describe("groups open once you have voted enough"))
    n_voted = fields.Integer()
    votes_needed = computed(fields.Integer(), lambda page: opinions.MIN_VOTES_TO_SEE)
    groups = fields.List(fields.Nested(OpinionGroupSchema))
    common_ground = fields.List(fields.Nested(StatementSchema))
    divisive = fields.List(fields.Nested(StatementSchema))


class VoteResultSchema(Answer):
    comment = fields.Integer()
    vote = fields.String(validate=_enum(*VOTE_VALUES))
    counts = fields.Nested(CountsSchema)


class CsrfTokenSchema(Answer):
    csrf_token = fields.String()
    header = fields.String(validate=_enum("X-CSRFToken"))


class HealthSchema(Answer):
    class Check(Schema):
        """A check's result: ``ok`` and what else the check reports (the backend's name, an error)."""

        INLINE = True
        ok = fields.Boolean(required=True)

        class Meta:
            unknown = INCLUDE

    status = fields.String(validate=_enum("ok", "unavailable"))
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(Check))
    failed = fields.List(fields.String())
