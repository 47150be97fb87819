"""``flask forum ...`` commands for operators and editors."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Story
from forum.services import accounts
from forum.services.errors import ServiceError

forum_cli = AppGroup("forum", help="Forum administration: demo data, users, analysis.")


@forum_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no stories yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Create the demo story with its readers, comments and votes."""
    from forum.demo import generate_votes, load_demo
    from forum.services.demo import seed_demo

    if if_empty and db.session.scalar(select(func.count()).select_from(Story)):
        click.echo("Stories exist already; demo not seeded.")
        return
    data = load_demo()
    with click.progressbar(length=len(data.comments), label="Seeding demo comments") as bar:
        story = seed_demo(data, generate_votes(data), on_progress=bar.update)
    db.session.commit()
    click.echo(f"Seeded demo story {story.slug!r} (id {story.id}).")


@forum_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), default="reader", show_default=True)
@click.option("--display-name", default=None)
@click.password_option(help="The password (asked for when not given).")
def create_user_command(username: str, role: str, display_name: str | None, password: str) -> None:
    """Create an account from the command line."""
    try:
        user = accounts.register_user(username, password, display_name, role=role)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Created {role} {user.username!r}.")


def register(app: Flask) -> None:
    app.cli.add_command(forum_cli)
