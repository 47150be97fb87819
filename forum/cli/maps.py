"""``flask forum analyse`` and ``reembed``: stories' debate maps and the comment embeddings they need."""

from __future__ import annotations

import click

from forum.cli.common import command, keep, stories_named


@command("analyse")
@click.argument("story", required=False)
@click.option("--all", "all_stories", is_flag=True, help="Every story.")
@click.option("--if-stale", is_flag=True, help="Only stories whose map is missing or behind.")
def analyse_command(story: str | None, all_stories: bool, if_stale: bool) -> None:
    """Recompute a story's debate map (embedding what is missing first)."""
    from forum.jobs import get_embedder
    from forum.services import mapping

    for item in stories_named(story, all_stories):
        if if_stale and not mapping.map_is_stale(item):
            continue
        stages = ["embedding", "loading", "clustering", "saving"]
        with click.progressbar(length=len(stages), label=f"Mapping {item.slug}", show_pos=True) as bar:
            run = mapping.recompute_map(
                item, get_embedder(), trigger="cli", progress=lambda _stage: bar.update(1)
            )
        keep()
        click.echo(
            f"{item.slug}: {run.n_viewpoints} viewpoints from {run.n_comments} comments "
            f"in {run.seconds:.1f}s (kept {run.changes['kept']}, new {run.changes['new']}, "
            f"gone {run.changes['gone']})"
        )


@command("reembed")
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
            keep()
            bar.update(len(chunk))
    click.echo(f"{len(pending)} comments needed an embedding; {encoded} texts encoded.")


COMMANDS = (analyse_command, reembed_command)
