"""What the API reads, declared once: the JSON bodies and query parameters of its operations, validated by
these schemas (:mod:`forum.web.api.parsing`) and documented from them in ``/api/openapi.json``.

The schemas check types and ids only; the forum's rules (a comment not blank nor too long, a known side, a
story's slug) are the services', with the same messages as on the pages. The document still states those
rules (``enum``, ``maxLength``, ``pattern``) for the callers' sake. Unknown fields are refused (422).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema

from forum.models.moderation import MODERATION_MODES
from forum.models.stories import DELETED_COMMENT_POLICIES, SIDES, VOTE_VALUES
from forum.web.api.fields import MAX_INT, MAX_LIMIT, Id, Text, WholeNumber, one_of


class Markdown(Text):
    """A comment's text: documented with the configured maximum length (``FORUM_MAX_COMMENT_LENGTH``)."""


def _doc(**properties: Any) -> dict[str, Any]:
    return {"metadata": properties}


def _body(**kwargs: Any) -> Markdown:
    return Markdown(**kwargs, **_doc(pattern=r"\S", description="Markdown; not blank."))


def _side() -> Text:
    return Text(
        allow_none=True,
        **_doc(enum=[*SIDES, "none", "", None], description="Your side; none, empty or null for no side."),
    )


def _key() -> Text:
    return Text(
        allow_none=True,
        **_doc(description="Repeat it to make a retry safe: the first 64 characters count."),
    )


def _optional(**properties: Any) -> Text:
    return Text(allow_none=True, **_doc(**properties))


class NewCommentSchema(Schema):
    body = _body(required=True)
    side = _side()
    parent_id = Id(allow_none=True)
    idempotency_key = _key()


class NewReplySchema(Schema):
    body = _body(required=True)
    side = _side()
    idempotency_key = _key()


class CommentChangeSchema(Schema):
    body = _body()
    side = _side()


class StoryChangeSchema(Schema):
    """The fields of :data:`forum.services.stories_admin.EDITABLE`; those not sent keep their values."""

    headline = _optional(maxLength=300, description="Required; not blank.")
    question = _optional(maxLength=300, description="The question put to readers.")
    slug = _optional(
        description="Lower-case letters, digits and single dashes; made from the headline if empty."
    )
    lede = _optional()
    body = _optional(description="The story's text (Markdown).")
    source_url = _optional(description="An http or https address.")
    source_name = _optional()
    moderation_mode = _optional(enum=[*MODERATION_MODES, "", None])
    deleted_comments = _optional(
        enum=[*DELETED_COMMENT_POLICIES, "", None],
        description="A deleted reader's comments: kept under 'deleted reader' (default) or removed.",
    )


class NewStorySchema(StoryChangeSchema):
    def on_bind_field(self, field_name: str, field_obj: Any) -> None:
        if field_name in ("headline", "question"):
            field_obj.required = True


class VoteChoiceSchema(Schema):
    vote = Text(required=True, **_doc(enum=list(VOTE_VALUES)))


class CredentialsSchema(Schema):
    username = Text(required=True)
    password = Text(required=True)


class PageArgsSchema(Schema):
    """``limit`` (1-100) and ``offset`` (0 or more): lists answer ``next_offset``, null on the last page."""

    limit = WholeNumber(1, MAX_LIMIT, load_default=20)
    offset = WholeNumber(0, MAX_INT, load_default=0)


class CommentListArgsSchema(PageArgsSchema):
    sort = one_of("oldest", "newest", default="oldest")
