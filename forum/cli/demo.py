"""``flask forum seed-demo``: the demo story with its readers, comments and votes."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from forum.cli.common import command
from forum.extensions import db
from forum.models import Story


@command("seed-demo")
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
    click.echo(f"Seeded demo story {story.slug!r} (id {story.id}).")


COMMANDS = (seed_demo_command,)
