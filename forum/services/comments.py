"""Posting, editing and deleting comments, and reading a story's threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from forum.extensions import db
from forum.ids import parse_id
from forum.models import Comment, CommentRevision, CommentStatus, Story, StoryStatus, User, Vote
from forum.models.stories import SIDES
from forum.sanitize import is_blank, render_comment
from forum.services import moderation, signals
from forum.services.errors import Forbidden, InvalidInput, NotFound
from forum.services.pagination import count, paginate
from forum.times import as_utc

SORTS = ("newest", "oldest", "agreed", "divisive")
VISIBLE = (CommentStatus.PUBLISHED,)
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: anything larger names nothing


def get_story(slug_or_id: str | int) -> Story:
    """The story with this slug (or numeric id), or NotFound."""
    story = None
    ref = str(slug_or_id)
    number = parse_id(ref)
    if number is not None and number <= MAX_ID:
        story = db.session.get(Story, number)
    if story is None:
        story = db.session.scalar(select(Story).where(Story.slug == str(slug_or_id)))
    if story is None:
        raise NotFound("There is no such story.")
    return story


def get_comment(comment_id: int | str | None) -> Comment:
    try:
        cid = int(comment_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotFound("There is no such comment.") from None
    comment = db.session.get(Comment, cid) if 0 < cid <= MAX_ID else None
    if comment is None:
        raise NotFound("There is no such comment.")
    return comment


def _clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if is_blank(text):
        raise InvalidInput("Write something before posting: the comment is empty.", field="body")
    limit = current_app.config["FORUM_MAX_COMMENT_LENGTH"]
    if len(text) > limit:
        raise InvalidInput(
            f"Comments can be at most {limit:,} characters; this one has {len(text):,}.", field="body"
        )
    return text


def _clean_side(side: str | None) -> str | None:
    if side in (None, "", "none"):
        return None
    if side not in SIDES:
        raise InvalidInput("Pick agree, disagree or unsure as your side, or none.", field="side")
    return side


def require_participant(user: User, story_is_open: bool) -> None:
    """Only active readers post and vote, and only on open stories."""
    if not user.can_participate:
        raise Forbidden("Your account cannot post or vote at the moment.")
    if not story_is_open:
        raise Forbidden("This story is closed: it no longer takes comments or votes.")


def post_comment(
    story: Story,
    author: User,
    body: str | None,
    *,
    side: str | None = None,
    parent_id: int | str | None = None,
    idempotency_key: str | None = None,
) -> Comment:
    """Post a comment or a reply. A repeated idempotency key returns the comment already posted."""
    require_participant(author, story.is_open)
    text = _clean_body(body)
    side = _clean_side(side)
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = db.session.scalar(
            select(Comment).where(Comment.author_id == author.id, Comment.idempotency_key == key)
        )
        if existing is not None:
            return existing
    parent = None
    if parent_id not in (None, ""):
        parent = get_comment(parent_id)
        if parent.story_id != story.id:
            raise InvalidInput("You can only reply to comments on the same story.", field="parent_id")
        if parent.status not in VISIBLE:
            raise InvalidInput("That comment can no longer be replied to.", field="parent_id")
    comment = Comment(
        story_id=story.id,
        author_id=author.id,
        **Comment.thread_position(parent),
        body=text,
        body_html=render_comment(text),
        side=side,
        status=CommentStatus.PUBLISHED,
        idempotency_key=key,
    )
    if key is None:  # nothing to race on: no savepoint needed
        db.session.add(comment)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(comment)
        except IntegrityError:
            # A concurrent duplicate submission of the same form won: return that one.
            return db.session.scalars(
                select(Comment).where(Comment.author_id == author.id, Comment.idempotency_key == key)
            ).one()
    moderation.screen_new_comment(comment)  # published, or pending with a hold reason (audited)
    signals.comment_changed.send(comment, action="posted")
    return comment


def _require_own_editable(comment: Comment, user: User) -> None:
    if comment.author_id != user.id:
        raise Forbidden("You can only change your own comments.")
    if comment.status == CommentStatus.DELETED:
        raise NotFound("That comment was deleted.")
    if moderation.can_resubmit(comment, user):
        return  # a rejected comment can be mended and resubmitted while the story is open
    window = timedelta(minutes=current_app.config["FORUM_EDIT_WINDOW_MINUTES"])
    if datetime.now(UTC) - as_utc(comment.created_at) > window:
        minutes = current_app.config["FORUM_EDIT_WINDOW_MINUTES"]
        raise Forbidden(f"Comments can only be changed within {minutes} minutes of posting.")


def editable(comment: Comment, user: User | None) -> bool:
    """Whether ``user`` may still edit or delete ``comment`` (for showing the buttons)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    try:
        _require_own_editable(comment, user)
    except (Forbidden, NotFound):
        return False
    return True


def edit_seconds_left(comment: Comment) -> int | None:
    """Seconds left of the author's edit window (0 once it has passed); None for a rejected comment, which
    its author may mend and resubmit while the story is open."""
    if comment.status == CommentStatus.REJECTED:
        return None
    window = timedelta(minutes=current_app.config["FORUM_EDIT_WINDOW_MINUTES"])
    left = as_utc(comment.created_at) + window - datetime.now(UTC)
    return max(0, int(left.total_seconds()))


def edit_comment(comment: Comment, user: User, body: str | None, side: str | None = None) -> Comment:
    """Change one's own comment within the edit window, keeping the previous text in its history."""
    _require_own_editable(comment, user)
    require_participant(user, comment.story.is_open)
    text = _clean_body(body)
    side = _clean_side(side)
    if text == comment.body and side == comment.side:
        return comment
    db.session.add(
        CommentRevision(comment_id=comment.id, body=comment.body, side=comment.side, reason="edit")
    )
    comment.body = text
    comment.body_html = render_comment(text)
    comment.side = side
    comment.edited_at = datetime.now(UTC)
    if comment.status == CommentStatus.REJECTED:
        moderation.resubmit(comment)  # back to the queue, held for an editor
    db.session.flush()
    signals.comment_changed.send(comment, action="edited")
    return comment


def delete_comment(comment: Comment, user: User) -> Comment:
    """Delete one's own comment within the edit window; its text stays in the history for editors."""
    _require_own_editable(comment, user)
    db.session.add(
        CommentRevision(comment_id=comment.id, body=comment.body, side=comment.side, reason="delete")
    )
    comment.status = CommentStatus.DELETED
    comment.edited_at = datetime.now(UTC)
    db.session.flush()
    signals.comment_changed.send(comment, action="deleted")
    return comment


@dataclass
class ThreadPage:
    """One page of a story's top-level comments with their replies."""

    roots: list[Comment]
    children: dict[int, list[Comment]]
    page: int
    pages: int
    total: int
    sort: str
    my_votes: dict[int, int] = field(default_factory=dict)


def _sort_key(sort: str):
    low = case(
        (Comment.agree_count < Comment.disagree_count, Comment.agree_count), else_=Comment.disagree_count
    )
    return {
        "newest": (Comment.created_at.desc(), Comment.id.desc()),
        "oldest": (Comment.created_at.asc(), Comment.id.asc()),
        "agreed": (
            (Comment.agree_count - Comment.disagree_count).desc(),
            Comment.agree_count.desc(),
            Comment.id,
        ),
        "divisive": (low.desc(), (Comment.agree_count + Comment.disagree_count).desc(), Comment.id),
    }[sort]


def _shown_to(viewer: User | None, *statuses: str):
    """Comments in ``statuses``, plus the viewer's own comments awaiting moderation or rejected (they see
    why on their own comment)."""
    shown = Comment.status.in_(statuses)
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        own = Comment.status.in_((CommentStatus.PENDING, CommentStatus.REJECTED)) & (
            Comment.author_id == viewer.id
        )
        shown = or_(shown, own)
    return shown


def _replies_and_votes(roots: list[Comment], viewer: User | None) -> tuple[dict, dict]:
    children: dict[int, list[Comment]] = {}
    if roots:
        replies = db.session.scalars(
            select(Comment)
            .options(selectinload(Comment.author))  # one query for every reply's author, not one each
            .where(
                Comment.root_id.in_([r.id for r in roots]),
                _shown_to(viewer, CommentStatus.PUBLISHED, CommentStatus.DELETED),
            )
            .order_by(Comment.created_at, Comment.id)
        )
        for reply in replies:
            children.setdefault(reply.parent_id, []).append(reply)
    my_votes: dict[int, int] = {}
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        ids = [c.id for c in roots] + [c.id for kids in children.values() for c in kids]
        if ids:
            rows = db.session.execute(
                select(Vote.comment_id, Vote.value).where(Vote.user_id == viewer.id, Vote.comment_id.in_(ids))
            )
            my_votes = {cid: value for cid, value in rows}
    return children, my_votes


def single_thread(story: Story, root_id: int, viewer: User | None = None) -> ThreadPage:
    """One thread of ``story`` (its top-level comment and every reply), for comment links."""
    root = get_comment(root_id)
    if (
        root.story_id != story.id
        or root.parent_id is not None
        or root.status not in (CommentStatus.PUBLISHED, CommentStatus.DELETED)
    ):
        raise NotFound("There is no such thread on this story.")
    children, my_votes = _replies_and_votes([root], viewer)
    return ThreadPage([root], children, 1, 1, 1, "oldest", my_votes)


def thread_page(
    story: Story, *, sort: str = "newest", page: int = 1, viewer: User | None = None
) -> ThreadPage:
    """Top-level comments of ``story`` sorted and paged, each with its visible replies (oldest first)."""
    if sort not in SORTS:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTS)}.", field="sort")
    per_page = current_app.config["FORUM_COMMENTS_PER_PAGE"]
    reply = aliased(Comment)
    has_live_reply = select(reply.id).where(reply.root_id == Comment.id, reply.status.in_(VISIBLE)).exists()
    # A deleted comment stays as a placeholder while it has live replies, so threads keep their shape.
    visible_roots = select(Comment).where(
        Comment.story_id == story.id,
        Comment.parent_id.is_(None),
        or_(_shown_to(viewer, *VISIBLE), (Comment.status == CommentStatus.DELETED) & has_live_reply),
    )
    total = count(visible_roots)
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise NotFound(f"There is no page {page}; this discussion has {pages}.")
    roots = list(
        db.session.scalars(
            visible_roots.options(selectinload(Comment.author))
            .order_by(*_sort_key(sort))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    children, my_votes = _replies_and_votes(roots, viewer)
    return ThreadPage(roots, children, page, pages, total, sort, my_votes)


def _listed_stories():
    """Open, listed stories, newest first."""
    query = select(Story).where(Story.status == StoryStatus.OPEN, Story.listed)
    return query.order_by(Story.published_at.desc(), Story.id)


def listed_stories(limit: int, offset: int) -> tuple[list[Story], int]:
    """Open, listed stories, newest first, one page of them, and how many there are."""
    return paginate(_listed_stories(), limit, offset)


def front_page_stories() -> list[Story]:
    """Every open, listed story, newest first (the forum's front page)."""
    return list(db.session.scalars(_listed_stories()))


def revisions(comment: Comment) -> list[CommentRevision]:
    """The comment's earlier texts, oldest first."""
    query = select(CommentRevision).where(CommentRevision.comment_id == comment.id)
    return list(db.session.scalars(query.order_by(CommentRevision.id)))


def latest_own(story: Story, user: User, limit: int) -> list[Comment]:
    """The reader's own latest comments on the story that are published or awaiting moderation."""
    query = select(Comment).where(
        Comment.story_id == story.id,
        Comment.author_id == user.id,
        Comment.status.in_((CommentStatus.PUBLISHED, CommentStatus.PENDING)),
    )
    return list(db.session.scalars(query.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)))


def story_comments(story: Story, limit: int, offset: int, sort: str = "oldest") -> tuple[list[Comment], int]:
    """The story's visible comments, replies included, ``oldest`` or ``newest`` first: one page and the
    total."""
    query = select(Comment).where(Comment.story_id == story.id, Comment.status.in_(VISIBLE))
    return paginate(query.options(selectinload(Comment.author)).order_by(*_sort_key(sort)), limit, offset)
