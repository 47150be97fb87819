"""``flask forum worker``: a background worker for the Redis queue."""

from __future__ import annotations

import click

from forum.cli.common import command


@command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty (for scripts and tests).")
def worker_command(burst: bool) -> None:
    """Run a background worker for the Redis queue (needs FORUM_REDIS_URL)."""
    from forum import jobs

    jobs.run_worker(burst=burst)


COMMANDS = (worker_command,)
