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


def _stories(story: str | None, all_stories: bool) -> list[Story]:
    from forum.services.comments import get_story

    if all_stories:
        return list(db.session.scalars(select(Story).order_by(Story.id)))
    if not story:
        raise click.UsageError("Name a story (slug or id) or pass --all.")
    try:
        return [get_story(story)]
    except ServiceError as exc:
        raise click.ClickException(f"{exc.message} ({story!r})") from None


@forum_cli.command("analyse")
@click.argument("story", required=False)
@click.option("--all", "all_stories", is_flag=True, help="Every story.")
@click.option("--if-stale", is_flag=True, help="Only stories whose map is missing or behind.")
def analyse_command(story: str | None, all_stories: bool, if_stale: bool) -> None:
    """Recompute a story's debate map (embedding what is missing first)."""
    from forum.jobs import get_embedder
    from forum.services import mapping

    for item in _stories(story, all_stories):
        if if_stale and not mapping.map_is_stale(item):
            continue
        stages = ["embedding", "loading", "clustering", "saving"]
        with click.progressbar(length=len(stages), label=f"Mapping {item.slug}", show_pos=True) as bar:
            run = mapping.recompute_map(
                item, get_embedder(), trigger="cli", progress=lambda _stage: bar.update(1)
            )
        db.session.commit()
        click.echo(
            f"{item.slug}: {run.n_viewpoints} viewpoints from {run.n_comments} comments "
            f"in {run.seconds:.1f}s (kept {run.changes['kept']}, new {run.changes['new']}, "
            f"gone {run.changes['gone']})"
        )


@forum_cli.command("reembed")
@click.option("--batch-size", default=256, show_default=True)
def reembed_command(batch_size: int) -> None:
    """Embed every published comment that has no embedding for the configured model (or an outdated one)."""
    from forum.jobs import get_embedder
    from forum.services import mapping

    embedder = get_embedder()
    pending = mapping.comments_needing_embedding(embedder.name)
    encoded = 0
    with click.progressbar(length=len(pending), label="Embedding comments", show_pos=True) as bar:
        for start in range(0, len(pending), batch_size):
            chunk = pending[start : start + batch_size]
            encoded += mapping.embed_comments(chunk, embedder)
            db.session.commit()
            bar.update(len(chunk))
    click.echo(f"{len(pending)} comments needed an embedding; {encoded} texts encoded.")


@forum_cli.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty (for scripts and tests).")
def worker_command(burst: bool) -> None:
    """Run a background worker for the Redis queue (needs FORUM_REDIS_URL)."""
    from forum import jobs

    jobs.run_worker(burst=burst)


def register(app: Flask) -> None:
    from forum import (
        cli_moderation,  # noqa: F401  (adds set-role, banned-word)
        cli_newsroom,  # noqa: F401  (adds create-story, import-comments, create-users)
        cli_polis,  # noqa: F401  (adds import-polis, export-polis, compute-opinions)
    )

    app.cli.add_command(forum_cli)
