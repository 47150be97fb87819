"""``flask forum set-role`` and ``flask forum banned-word``: staff accounts and the banned-words list from the
shell (audited as the system), for the first admin and for scripted setups."""

from __future__ import annotations

import click

from forum.cli import forum_cli
from forum.extensions import db
from forum.services import accounts, audit, moderation
from forum.services.errors import ServiceError


@forum_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["reader", "editor", "admin"]))
@click.option("--reason", default="set from the command line", show_default=True)
def set_role_command(username: str, role: str, reason: str) -> None:
    """Grant or revoke a role (the web interface does this for admins; this works with no admin yet)."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"There is no user {username!r}.")
    if user.role == role:
        click.echo(f"{user.username!r} is {role} already.")
        return
    before, user.role = user.role, role
    audit.record("role.changed", None, reason=reason, target_user=user, details={"from": before, "to": role})
    db.session.commit()
    click.echo(f"{user.username!r} is now {role} (was {before}).")


@forum_cli.command("banned-word")
@click.argument("words", nargs=-1)
@click.option("--list", "show", is_flag=True, help="Print the list.")
def banned_word_command(words: tuple[str, ...], show: bool) -> None:
    """Add words or phrases that hold a comment for moderation on every story."""
    for word in words:
        try:
            entry = moderation.add_banned_word(word, None)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"Added {entry.word!r}.")
    db.session.commit()
    if show or not words:
        for entry in moderation.list_banned_words():
            scope = "every story" if entry.story_id is None else f"story {entry.story_id}"
            click.echo(f"{entry.word}\t{scope}")
