"""The forum application factory. ``create_app`` only wires things together: no I/O beyond reading config."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: config from ``FORUM_*`` variables, then ``config`` overrides on top."""
    from forum import cli, extensions, jobs
    from forum import config as forum_config
    from forum import logging as forum_logging
    from forum.web import register_web

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings = forum_config.build_config(app.instance_path)
    settings.update(config or {})
    forum_config.ensure_secret_key(settings, app.instance_path)
    app.config.from_mapping(settings)
    forum_logging.configure(app)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"), render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.cache.init_app(app)
    extensions.login_manager.init_app(app)
    jobs.init_app(app)
    register_web(app)
    cli.register(app)
    return app
