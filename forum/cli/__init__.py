"""``flask forum ...`` commands for operators and editors. This builds the ``forum`` group from the command
modules: ``demo`` (seed-demo), ``users`` (create-user, set-role), ``moderation`` (banned-word),
``newsroom`` (create-story, import-comments, create-users), ``maps`` (analyse, reembed), ``polis``
(import-polis, export-polis, compute-opinions) and ``worker``; ``common`` holds what they share."""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from forum.cli import demo, maps, moderation, newsroom, polis, users, worker

forum_cli = AppGroup("forum", help="Forum administration: demo data, users, analysis.")
for _module in (demo, users, moderation, newsroom, maps, polis, worker):
    for _command in _module.COMMANDS:
        forum_cli.add_command(_command)


def register(app: Flask) -> None:
    app.cli.add_command(forum_cli)
