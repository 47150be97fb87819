"""Row ids that come from a request: whole numbers in the database's 64-bit integer range, or nothing.

SQLite raises OverflowError for integers past 2**63 - 1, and ``int()`` refuses strings of more than 4,300
digits, so an id from a URL or a query string is checked here before it reaches either. The web layer's
``<int:...>`` URL converter uses the same bound (forum/web/__init__.py), so an oversized id in a path
matches no route (404).
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


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
