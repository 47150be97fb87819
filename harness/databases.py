"""Throwaway, migrated databases on a PostgreSQL server, for the production tests and the load benchmark."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import sqlalchemy as sa

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")
PG_ADMIN_URL = os.environ.get("FORUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def admin_engine(url: str) -> sa.Engine:
    """An AUTOCOMMIT engine on the server at ``url`` (raises ``OperationalError`` if it does not answer)."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        engine.connect().close()
    except sa.exc.OperationalError:
        engine.dispose()
        raise
    return engine


def create_database(admin_url: str, app_factory=None) -> str:
    """A fresh, migrated database on the server at ``admin_url``; returns its URL. ``app_factory(url)``
    makes the app that runs the migrations (by default a minimal one)."""
    name = f"forum_prod_{uuid.uuid4().hex[:10]}"
    engine = admin_engine(admin_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    app = (app_factory or _migration_app)(url)
    with app.app_context():
        from flask_migrate import upgrade

        from forum.extensions import db

        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()
    return url


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database at ``url`` (made by :func:`create_database`), closing its connections first."""
    engine = admin_engine(admin_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def _migration_app(url: str):
    from forum import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "FORUM_WORKER": "manual",
            "FORUM_EMBEDDER": "fake",
            "SECRET_KEY": "x",
        }
    )
