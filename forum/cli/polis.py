"""``flask forum import-polis / export-polis / compute-opinions``: Pol.is conversations in and out, and
opinion groups on demand."""

from __future__ import annotations

import time
from pathlib import Path

import click

from forum.cli.common import command, discard, keep, stories_named


class _Bar:
    """A click progress bar whose length is learnt from the first progress report."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.pos = label, None, 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, show_pos=True)
            self.bar.__enter__()
        self.bar.update(max(0, done - self.pos))
        self.pos = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            self.pos = 0


@command("import-polis")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--slug", default=None, help="The new story's slug (default: from the folder name).")
@click.option("--compute/--no-compute", default=True, show_default=True, help="Compute opinion groups now.")
def import_polis_command(directory: Path, slug: str | None, compute: bool) -> None:
    """Create a story from a Pol.is export folder (comments.csv, votes.csv, participants-votes.csv,
    summary.csv). A malformed file is refused, naming file and line, and nothing is imported."""
    from forum.interop.polis import PolisFormatError, read_polis_export
    from forum.services import opinions as opinion_service
    from forum.services import polis_import
    from forum.services.errors import ServiceError

    started = time.perf_counter()
    reading = _Bar(f"Reading {directory.name}")
    try:
        conv = read_polis_export(directory, on_progress=reading)
    except PolisFormatError as exc:
        raise click.ClickException(f"Nothing imported: {exc}") from None
    finally:
        reading.close()
    bars = {stage: _Bar(f"Inserting {stage}") for stage in ("participants", "comments", "votes")}
    try:
        summary = polis_import.import_conversation(
            conv, slug or polis_import.slug_for(directory.name), on_progress=lambda s, d, t: bars[s](d, t)
        )
        keep()
    except ServiceError as exc:
        raise click.ClickException(f"Nothing imported: {exc.message}") from None
    finally:
        for bar in bars.values():
            bar.close()
    seconds = time.perf_counter() - started
    click.echo(
        f"Imported {summary.story.slug!r} (id {summary.story.id}): {summary.n_participants} participants, "
        f"{summary.n_comments} comments, {summary.n_votes} votes in {seconds:.1f}s."
    )
    if compute:
        cache = opinion_service.compute_opinions(summary.story)
        click.echo(
            f"Opinion groups: {cache.n_groups} groups of {cache.n_participants} participants "
            f"in {cache.seconds:.1f}s."
        )


@command("export-polis")
@click.argument("story")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_polis_command(story: str, directory: Path) -> None:
    """Write a story as a Pol.is export folder (agree=1, disagree=-1, pass=0), with each participant's
    opinion group from the cached result."""
    from forum.interop.polis import write_polis_export
    from forum.services import polis_import

    (item,) = stories_named(story, False)
    conv = polis_import.export_conversation(item)
    write_polis_export(conv, directory)
    click.echo(
        f"Exported {item.slug!r} to {directory}: {len(conv.participants)} participants, "
        f"{len(conv.comments)} comments, {len(conv.votes)} votes."
    )


@command("compute-opinions")
@click.argument("story", required=False)
@click.option("--all", "all_stories", is_flag=True, help="Every story.")
@click.option("--if-stale", is_flag=True, help="Only stories whose opinion groups are missing or behind.")
def compute_opinions_command(story: str | None, all_stories: bool, if_stale: bool) -> None:
    """Compute a story's opinion groups from its votes now (normally a background job does this). With
    ``--all``, a story that fails is reported and the others are still computed (exit status 1 then)."""
    from forum.services import opinions as opinion_service

    failed = []
    for item in stories_named(story, all_stories):
        if if_stale and not opinion_service.is_stale(item):
            continue
        try:
            cache = opinion_service.compute_opinions(item)
            keep()
        except Exception as exc:  # noqa: BLE001 - one story's failure must not stop the others
            discard()
            failed.append(item.slug)
            click.echo(f"{item.slug}: failed ({type(exc).__name__}: {exc})", err=True)
            continue
        if not cache.n_votes:
            click.echo(f"{item.slug}: no votes yet, no opinion groups.")
            continue
        click.echo(
            f"{item.slug}: {cache.n_groups} groups of {cache.n_participants} participants "
            f"from {cache.n_votes} votes in {cache.seconds:.2f}s."
        )
    if failed:
        raise click.ClickException(f"{len(failed)} stories failed: {', '.join(failed)}")


COMMANDS = (import_polis_command, export_polis_command, compute_opinions_command)
