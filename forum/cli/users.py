"""``flask forum create-user`` and ``set-role``: accounts and staff roles from the shell (a role change is
audited as the system), for the first admin and for scripted setups."""

from __future__ import annotations

import click

from forum.cli.common import command
from forum.services import accounts


@command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), default="reader", show_default=True)
@click.option("--display-name", default=None)
@click.password_option(help="The password (asked for when not given).")
def create_user_command(username: str, role: str, display_name: str | None, password: str) -> None:
    """Create an account from the command line."""
    user = accounts.register_user(username, password, display_name, role=role)
    click.echo(f"Created {role} {user.username!r}.")


@command("set-role")
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
    before = user.role
    accounts.set_role(user, role, None, reason)
    click.echo(f"{user.username!r} is now {role} (was {before}).")


COMMANDS = (create_user_command, set_role_command)
