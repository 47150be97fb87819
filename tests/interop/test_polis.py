"""Pol.is export folders: reading, validation with file and line, and the write/read round trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from forum.interop.polis import (
    PolisConversation,
    PolisFormatError,
    PolisParticipant,
    read_polis_export,
    write_polis_export,
)
from tests.factories import SHARED_DATA

FIX = Path(__file__).parent / "fixtures"
REAL = SHARED_DATA / "polis"


def _votes(conv: PolisConversation) -> dict[tuple[int, int], int]:
    v = conv.votes
    return {(int(a), int(b)): int(x) for a, b, x in zip(v.participant, v.comment, v.value, strict=True)}


def test_reads_summary_comments_latest_votes_and_groups() -> None:
    conv = read_polis_export(FIX / "small")
    assert conv.topic == 'Parks and "green" spaces'
    assert conv.description == "What should change?\n\nTwo lines, with a comma."
    assert [c.id for c in conv.comments] == [0, 1, 2, 3]
    assert conv.comments[2].text == 'Für Grünflächen: "mehr Bänke" – bitte!'
    assert conv.comments[3].text == "A comment\nover two lines."
    assert [c.moderated for c in conv.comments] == [1, 1, -1, 0]
    assert conv.comments[1].author_id == 1 and conv.comments[0].timestamp == 1651071094558
    votes = _votes(conv)
    assert len(votes) == 10
    assert votes[(1, 1)] == -1  # the later of two votes wins
    assert votes[(3, 1)] == 1
    assert {p.id: p.group_id for p in conv.participants} == {0: 0, 1: 0, 2: 1, 3: None}


def test_participants_votes_fallback_gives_the_same_votes() -> None:
    small, pv = read_polis_export(FIX / "small"), read_polis_export(FIX / "pv_only")
    assert _votes(small) == _votes(pv)
    assert (pv.votes.timestamp == -1).all()
    assert pv.participants[0].xid == "abc" and pv.participants[1].xid is None


def test_comments_only_conversation() -> None:
    conv = read_polis_export(FIX / "comments_only")
    assert len(conv.comments) == 4 and len(conv.votes) == 0 and conv.participants == []


@pytest.mark.parametrize("folder", ["small", "pv_only", "comments_only"])
def test_round_trip(folder: str, tmp_path: Path) -> None:
    conv = read_polis_export(FIX / folder)
    write_polis_export(conv, tmp_path)
    again = read_polis_export(tmp_path)
    assert again.comments == conv.comments
    assert _votes(again) == _votes(conv)
    np.testing.assert_array_equal(again.votes.timestamp, conv.votes.timestamp)
    assert again.participants == conv.participants
    assert (again.topic, again.description) == (conv.topic, conv.description)


def test_written_participant_groups_and_vote_signs(tmp_path: Path) -> None:
    conv = read_polis_export(FIX / "small")
    conv.participants = [PolisParticipant(p.id, group_id=p.id % 2) for p in conv.participants]
    write_polis_export(conv, tmp_path)
    lines = (tmp_path / "participants-votes.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2,3"
    assert lines[1] == "0,0,2,2,1,1,1,-1,,"  # authored comments 0 and 3; agree +1, disagree -1
    assert [p.group_id for p in read_polis_export(tmp_path).participants] == [0, 1, 0, 1]


@pytest.mark.parametrize(
    ("folder", "file", "line", "text"),
    [
        ("bad_vote_value", "votes.csv", 7, "not -1, 0 or 1"),
        ("missing_column", "comments.csv", 1, "comment-body"),
        ("unknown_comment", "votes.csv", 11, "unknown comment 7"),
        ("non_integer_id", "participants-votes.csv", 4, "not an integer"),
        ("bad_encoding", "comments.csv", 4, "UTF-8"),
    ],
)
def test_malformed_files_name_file_and_line(folder: str, file: str, line: int, text: str) -> None:
    with pytest.raises(PolisFormatError) as err:
        read_polis_export(FIX / folder)
    assert f"{file}, line {line}" in str(err.value) and text in str(err.value)
    assert err.value.line == line


def test_line_numbers_count_multiline_fields(tmp_path: Path) -> None:
    shutil.copytree(FIX / "small", tmp_path, dirs_exist_ok=True)
    path = tmp_path / "comments.csv"
    path.write_text(path.read_text(encoding="utf-8") + "1,x,zz,0,0,0,0,text\n", encoding="utf-8")
    with pytest.raises(PolisFormatError, match=r"comments\.csv, line 7: .*'comment-id'"):
        read_polis_export(tmp_path)


def test_wrong_field_count_and_missing_folder(tmp_path: Path) -> None:
    shutil.copytree(FIX / "small", tmp_path / "c")
    (tmp_path / "c" / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1,x,0\n")
    with pytest.raises(PolisFormatError, match=r"votes\.csv, line 2: expected 5 fields"):
        read_polis_export(tmp_path / "c")
    with pytest.raises(PolisFormatError, match="comments.csv"):
        read_polis_export(tmp_path / "nothing")


def test_progress_callback_reaches_total() -> None:
    calls: list[tuple[int, int]] = []
    read_polis_export(FIX / "small", on_progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1] > 0
    assert all(d <= t for d, t in calls)


def test_real_export_round_trip(tmp_path: Path) -> None:
    folder = REAL / "scoop-hivemind.freshwater"
    if not folder.is_dir():
        pytest.skip(f"shared Pol.is data not available at {folder}")
    conv = read_polis_export(folder)
    assert len(conv.comments) == 80 and len(conv.votes) == 3972
    write_polis_export(conv, tmp_path)
    again = read_polis_export(tmp_path)
    assert again.comments == conv.comments and _votes(again) == _votes(conv)
    assert [p.group_id for p in again.participants] == [p.group_id for p in conv.participants]
