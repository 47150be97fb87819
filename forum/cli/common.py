"""What the command modules share: declaring a command that runs in the app context as one unit of work,
and the stories a command names (a slug or id, or ``--all``).

The CLI's transaction rule, as the web layer's (:mod:`forum.web.transactions`): a command's writes are
committed once, here, when it returns, and rolled back when it fails. Commands that work story by story call
:func:`keep` after each story so a failure later loses nothing already done.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from forum.extensions import db
from forum.models import Story
from forum.services.errors import ServiceError


def command(*args, **kwargs) -> Callable[[Callable], click.Command]:
    """``click.command``, run in the app's context as ``AppGroup.command`` would, as one unit of work: the
    command's writes are committed when it returns and rolled back when it raises (a ``ServiceError``
    becomes a ``ClickException`` with the service's message). ``forum.cli`` adds it to the ``forum``
    group."""

    def decorator(f: Callable) -> click.Command:
        @functools.wraps(f)
        def unit_of_work(*a, **kw):
            try:
                result = f(*a, **kw)
            except ServiceError as exc:
                db.session.rollback()
                raise click.ClickException(exc.message) from None
            except BaseException:
                db.session.rollback()
                raise
            db.session.commit()
            return result

        return click.command(*args, **kwargs)(with_appcontext(unit_of_work))

    return decorator


def keep() -> None:
    """Commit what the command has done so far: for commands that work through several stories, so one
    story's failure (rolled back with :func:`discard`) loses nothing the others did."""
    db.session.commit()


def discard() -> None:
    """Roll back what the command did since the last :func:`keep` (a story that failed)."""
    db.session.rollback()


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
