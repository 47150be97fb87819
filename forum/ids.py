"""Row ids that come from a request: whole numbers an id column can hold, or nothing.

SQLite raises OverflowError for integers past 2**63 - 1, PostgreSQL refuses ones past 2**31 - 1 for its
32-bit ``integer`` id columns, and ``int()`` refuses strings of more than 4,300 digits; so an id from a URL
or a query string is checked here before it reaches any of them, against the smaller bound (well inside the
64-bit range), the same on both databases. The web layer's ``<int:...>`` URL converter uses it too
(forum/web/__init__.py): an oversized id in a path names no row (404).
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's own limit is 2**63 - 1
_MAX_DIGITS = len(str(2**63 - 1))


def parse_id(value: Any) -> int | None:
    """``value`` as a positive id (an int, or a string of ASCII digits), or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def is_id_text(value: Any) -> bool:
    """Whether ``value`` looks like a whole number (ASCII digits), whatever its size."""
    return isinstance(value, str) and value.strip().isascii() and value.strip().isdigit()
