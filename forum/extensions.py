"""Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
cache = Cache()


#: SQLite waits this long for another process's write to finish before answering "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 20000
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_write_transactions: ContextVar[bool] = ContextVar("forum_sqlite_write_transactions", default=False)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, wait on locks, WAL (readers never wait for the writer, so several web
    processes and the worker share the file), and let SQLAlchemy (not the sqlite3 module) emit BEGIN so
    that SAVEPOINTs work as documented."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@contextmanager
def sqlite_write_transactions():
    """Within this block, SQLite transactions start with ``BEGIN IMMEDIATE`` (see :func:`_sqlite_on_begin`):
    for background work that reads and then writes."""
    token = _write_transactions.set(True)
    try:
        yield
    finally:
        _write_transactions.reset(token)


def writes_database(view):
    """Mark a GET view that writes (the widget frame may create a story): its SQLite transaction takes the
    write lock from the start, as those of POST, PUT, PATCH and DELETE requests do."""
    view.writes_database = True
    return view


def _will_write() -> bool:
    if _write_transactions.get():
        return True
    if not has_request_context():
        return False
    if request.method not in _SAFE_METHODS:
        return True
    endpoint = request.endpoint
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, "writes_database", False))


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    """A transaction that will write starts with ``BEGIN IMMEDIATE``: it takes SQLite's one write lock at
    once, waiting up to the busy timeout while another process writes. A plain (deferred) ``BEGIN`` that
    reads first and writes later fails at once with "database is locked" when another process committed in
    between (its snapshot is stale, and SQLite cannot wait that out): under ``gunicorn -w 2`` that lost
    registrations, posts and the worker's embeddings. Reads (GET) keep the deferred BEGIN and never wait."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _will_write() else "BEGIN")
