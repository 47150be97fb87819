"""``flask forum create-story``, ``import-comments`` and ``create-users``: a newsroom's stories, existing
discussions and accounts from the shell, through the same service functions as the editor's pages."""

from __future__ import annotations

from pathlib import Path

import click

from forum.cli.common import command
from forum.interop import discussions
from forum.models.moderation import MODERATION_MODES
from forum.services import accounts, discussion_import, stories_admin


def _editor(username: str | None):
    if not username:
        return None
    user = accounts.find_user(username)
    if user is None or not user.is_staff:
        raise click.ClickException(f"There is no editor called {username!r}.")
    return user


@command("create-story")
@click.option("--headline", required=True)
@click.option("--question", required=True, help="The question the story puts to readers.")
@click.option("--slug", default="", help="The address (made from the headline when left out).")
@click.option("--lede", default="")
@click.option("--body", default="", help="The story's text (Markdown).")
@click.option("--source-url", default="")
@click.option("--source-name", default="")
@click.option("--moderation", "moderation_mode", type=click.Choice(list(MODERATION_MODES)), default="post")
@click.option(
    "--editor", "editor_name", default=None, help="The editor the audit log names (else the system)."
)
def create_story_command(editor_name: str | None, **values: str) -> None:
    """Create an open story, validated as the editor's form is."""
    editor = _editor(editor_name)
    story = stories_admin.create_story(editor, stories_admin.fields_from(values))
    click.echo(f"Created story {story.slug!r} (id {story.id}): /stories/{story.slug}")


@command("import-comments")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(discussions.FORMATS), default=None, help="Else guessed.")
@click.option("--question", default=None, help="The question for stories the import creates.")
def import_comments_command(file: Path, fmt: str | None, question: str | None) -> None:
    """Import a discussion: a Disqus XML export, a WordPress WXR export or the forum's JSON format (see the
    README). All or nothing: a malformed file is refused with its line and nothing is imported."""
    try:
        discussion = discussions.read(file, fmt)
        result = discussion_import.import_discussion(discussion, question=question)
    except discussions.MalformedFile as exc:
        raise click.ClickException(f"{exc} (nothing was imported)") from None
    slugs = ", ".join(s.slug for s in result.stories)
    click.echo(
        f"Imported {result.comments} comments by {result.readers} readers into {len(result.stories)} "
        f"stor{'y' if len(result.stories) == 1 else 'ies'} ({result.created_stories} new): {slugs}. "
        "Run `flask forum analyse --all --if-stale` (or let the worker's sweep do it) to map them."
    )


@command("create-users")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def create_users_command(file: Path) -> None:
    """Create many accounts from a CSV file (username, display_name, role, password, email) in one go."""
    try:
        users = discussion_import.create_users(file.read_text(encoding="utf-8-sig"), str(file))
    except discussions.MalformedFile as exc:
        raise click.ClickException(f"{exc} (no account was created)") from None
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot be read ({exc.strerror})") from None
    roles: dict[str, int] = {}
    for user in users:
        roles[user.role] = roles.get(user.role, 0) + 1
    summary = ", ".join(f"{n} {role}{'s' if n != 1 else ''}" for role, n in sorted(roles.items()))
    click.echo(f"Created {len(users)} accounts ({summary}).")


COMMANDS = (create_story_command, import_comments_command, create_users_command)
