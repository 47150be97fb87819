"""What the command modules share: declaring a command that runs in the app context, and the stories a
command names (a slug or id, or ``--all``)."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from forum.extensions import db
from forum.models import Story
from forum.services.errors import ServiceError


def command(*args, **kwargs) -> Callable[[Callable], click.Command]:
    """``click.command``, run in the app's context as ``AppGroup.command`` would; ``forum.cli`` adds it to
    the ``forum`` group."""

    def decorator(f: Callable) -> click.Command:
        return click.command(*args, **kwargs)(with_appcontext(f))

    return decorator


def stories_named(story: str | None, all_stories: bool) -> list[Story]:
    """The story named by slug or id, or every story with ``all_stories``; a usage error when neither."""
    from forum.services.comments import get_story

    if all_stories:
        return list(db.session.scalars(select(Story).order_by(Story.id)))
    if not story:
        raise click.UsageError("Name a story (slug or id) or pass --all.")
    try:
        return [get_story(story)]
    except ServiceError as exc:
        raise click.ClickException(f"{exc.message} ({story!r})") from None
