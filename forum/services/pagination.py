"""Counting and paging a query's rows: the one place that counts a ``select`` through a subquery."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from forum.extensions import db


def count(query: Select) -> int:
    """How many rows ``query`` returns (its filters and joins kept, its order and paging ignored)."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def paginate(query: Select, limit: int, offset: int) -> tuple[list[Any], int]:
    """One page of ``query`` (already ordered) and the number of rows on all pages."""
    return list(db.session.scalars(query.limit(limit).offset(offset))), count(query)
