"""Loading rows for many comments at once, for the worker's batches."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from forum.extensions import db


def rows_by_comment(model, comment_ids: Sequence[int], *options) -> dict:
    """Rows of a table keyed by ``comment_id`` for many comments, in chunks of 1,000 ids per query (the
    worker handles batches of thousands; SQLite caps the parameters of one statement)."""
    found = {}
    for i in range(0, len(comment_ids), 1000):
        chunk = list(comment_ids[i : i + 1000])
        found.update(
            (row.comment_id, row)
            for row in db.session.scalars(select(model).where(model.comment_id.in_(chunk)).options(*options))
        )
    return found
