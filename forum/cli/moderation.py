"""``flask forum banned-word``: the banned-words list from the shell (audited as the system)."""

from __future__ import annotations

import click

from forum.cli.common import command
from forum.services import moderation


@command("banned-word")
@click.argument("words", nargs=-1)
@click.option("--list", "show", is_flag=True, help="Print the list.")
def banned_word_command(words: tuple[str, ...], show: bool) -> None:
    """Add words or phrases that hold a comment for moderation on every story."""
    for word in words:
        entry = moderation.add_banned_word(word, None)
        click.echo(f"Added {entry.word!r}.")
    if show or not words:
        for entry in moderation.list_banned_words():
            scope = "every story" if entry.story_id is None else f"story {entry.story_id}"
            click.echo(f"{entry.word}\t{scope}")


COMMANDS = (banned_word_command,)
