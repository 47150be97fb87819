"""Loading and writing rows for many comments at once, for the worker's batches and the vote path."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db


def rows_by_comment(model, comment_ids: Sequence[int], *options, **execution_options) -> dict:
    """Rows of a table keyed by ``comment_id`` for many comments, in chunks of 1,000 ids per query (the
    worker handles batches of thousands; SQLite caps the parameters of one statement)."""
    found = {}
    for i in range(0, len(comment_ids), 1000):
        query = select(model).where(model.comment_id.in_(list(comment_ids[i : i + 1000]))).options(*options)
        found.update(
            (row.comment_id, row) for row in db.session.scalars(query.execution_options(**execution_options))
        )
    return found


@lru_cache(maxsize=16)
def upsert(table: Table, dialect: str, keys: tuple[str, ...], replace: tuple[str, ...]):
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET replace = excluded.replace`` for ``table``, built once
    per dialect: the unique key decides between concurrent writers (two workers embedding the same comment,
    two submissions of the same vote), so neither fails and no row is stored twice. Values come with each
    execution, one dict or a list of them."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](table)
    return insert.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={c: insert.excluded[c] for c in replace}
    )
