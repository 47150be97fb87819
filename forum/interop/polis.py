"""Read and write Pol.is export folders (pure file I/O, no database).

An export folder holds ``comments.csv``, usually ``votes.csv`` (the full vote history) and
``participants-votes.csv`` (one row per participant with Pol.is's ``group-id`` and one column per comment),
and ``summary.csv`` (key,value rows). Votes are coded agree = +1, disagree = -1, pass = 0.

Reading validates everything before returning: a malformed file raises :class:`PolisFormatError` naming
the file and line, and nothing partial is returned. Votes come from ``votes.csv`` when present (the latest
vote per voter and comment; on equal timestamps the later row wins), else from ``participants-votes.csv``.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forum import spreadsheet
from forum.spreadsheet import restore_cell

ProgressFn = Callable[[int, int], None]

SUMMARY_KEYS = ("topic", "url", "views", "voters", "voters-in-conv", "commenters", "comments", "groups")
PV_FIXED = ("participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")


class PolisFormatError(ValueError):
    """A Pol.is export file is malformed; the message names the file and line."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, message: str) -> None:
        where = f"{Path(path).name}, line {line}" if line else Path(path).name
        super().__init__(f"{where}: {message}")
        self.path, self.line = str(path), line


@dataclass
class PolisComment:
    id: int
    text: str
    author_id: int | None = None
    timestamp: int | None = None  # milliseconds since the epoch
    moderated: int = 0  # -1 rejected, 0 not yet moderated, 1 accepted
    is_meta: bool = False
    agrees: int | None = None  # counts as exported by Pol.is, when the file has them
    disagrees: int | None = None


@dataclass
class PolisVotes:
    """Latest vote per (participant, comment), as parallel arrays; timestamp -1 when unknown."""

    participant: np.ndarray
    comment: np.ndarray
    value: np.ndarray
    timestamp: np.ndarray

    def __len__(self) -> int:
        return int(self.participant.size)

    @classmethod
    def empty(cls) -> PolisVotes:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), np.zeros(0, dtype=np.int8), z.copy())


@dataclass
class PolisParticipant:
    id: int
    group_id: int | None = None
    xid: str | None = None


@dataclass
class PolisConversation:
    topic: str = ""
    description: str = ""
    url: str = ""
    comments: list[PolisComment] = field(default_factory=list)
    votes: PolisVotes = field(default_factory=PolisVotes.empty)
    participants: list[PolisParticipant] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)


class _Csv:
    """A decoded CSV file with row-level line numbers and error helpers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw = path.read_bytes()
        try:
            self.text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PolisFormatError(path, raw[: exc.start].count(b"\n") + 1, "not valid UTF-8") from exc
        self.n_lines = max(self.text.count("\n"), 1)
        self.reader = csv.reader(io.StringIO(self.text, newline=""), strict=True)
        try:
            self.header = [restore_cell(h.strip()) for h in next(self.reader)]
        except StopIteration:
            raise PolisFormatError(path, 1, "empty file") from None
        except csv.Error as exc:
            raise PolisFormatError(path, 1, str(exc)) from exc

    def fail(self, message: str, line: int | None = None) -> PolisFormatError:
        return PolisFormatError(self.path, line or self.reader.line_num, message)

    def require(self, *cols: str) -> None:
        missing = [c for c in cols if c not in self.header]
        if missing:
            raise self.fail(f"missing required column(s): {', '.join(missing)}", 1)

    def rows(self) -> Iterator[list[str]]:
        try:
            for row in self.reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(self.header):
                    raise self.fail(f"expected {len(self.header)} fields, found {len(row)}")
                yield [restore_cell(cell) for cell in row]
        except csv.Error as exc:
            raise self.fail(str(exc)) from exc

    def int(self, cell: str, col: str, *, optional: bool = False) -> int | None:
        cell = cell.strip()
        if optional and cell == "":
            return None
        try:
            return int(cell)
        except ValueError:
            try:
                f = float(cell)
            except ValueError:
                f = float("nan")
            if f.is_integer():
                return int(f)
            raise self.fail(f"column {col!r}: {cell!r} is not an integer") from None


class _Progress:
    def __init__(self, fn: ProgressFn | None, total: int) -> None:
        self.fn, self.total, self.done, self.base = fn, total, 0, 0

    def file_done(self, f: _Csv) -> None:
        self.base += f.n_lines
        self.done = self.base
        if self.fn:
            self.fn(min(self.done, self.total), self.total)

    def step(self, lines: int) -> None:
        self.done += lines
        if self.fn and self.done % 5000 < lines:
            self.fn(min(self.done, self.total), self.total)


def _vote_value(f: _Csv, cell: str, col: str) -> int:
    v = f.int(cell, col)
    if v not in (-1, 0, 1):
        raise f.fail(f"column {col!r}: vote {cell!r} is not -1, 0 or 1")
    return v


def _read_summary(f: _Csv, conv: PolisConversation) -> None:
    rows = [f.header, *f.rows()] if len(f.header) == 2 else None
    if rows is None:
        raise f.fail("expected key,value rows", 1)
    conv.summary = {k.strip(): v for k, v in rows}
    conv.topic = conv.summary.get("topic", "")
    conv.url = conv.summary.get("url", "")
    conv.description = conv.summary.get("conversation-description", "")


def _read_comments(f: _Csv, progress: _Progress) -> list[PolisComment]:
    f.require("comment-id", "comment-body")
    ix = {h: i for i, h in enumerate(f.header)}
    out, seen = [], set()

    def opt(row: list[str], col: str) -> int | None:
        return f.int(row[ix[col]], col, optional=True) if col in ix else None

    for row in f.rows():
        cid = f.int(row[ix["comment-id"]], "comment-id")
        if cid in seen:
            raise f.fail(f"duplicate comment-id {cid}")
        seen.add(cid)
        mod = opt(row, "moderated") or 0
        if mod not in (-1, 0, 1):
            raise f.fail(f"column 'moderated': {mod} is not -1, 0 or 1")
        meta = row[ix["is-meta"]].strip().lower() in ("true", "1", "t") if "is-meta" in ix else False
        out.append(
            PolisComment(
                cid,
                row[ix["comment-body"]],
                opt(row, "author-id"),
                opt(row, "timestamp"),
                mod,
                meta,
                opt(row, "agrees"),
                opt(row, "disagrees"),
            )  # fmt: skip
        )
        progress.step(1)
    progress.file_done(f)
    return out


def _read_votes(f: _Csv, known: set[int], progress: _Progress) -> PolisVotes:
    f.require("comment-id", "voter-id", "vote")
    ix = {h: i for i, h in enumerate(f.header)}
    cols: list[list[int]] = [[], [], [], []]
    for row in f.rows():
        cid = f.int(row[ix["comment-id"]], "comment-id")
        if cid not in known:
            raise f.fail(f"vote for unknown comment {cid}")
        ts = f.int(row[ix["timestamp"]], "timestamp", optional=True) if "timestamp" in ix else None
        vals = (f.int(row[ix["voter-id"]], "voter-id"), cid, _vote_value(f, row[ix["vote"]], "vote"))
        for lst, x in zip(cols, (*vals, -1 if ts is None else ts), strict=True):
            lst.append(x)
        progress.step(1)
    progress.file_done(f)
    p, c, v, t = (np.asarray(x, dtype=np.int64) for x in cols)
    order = np.lexsort((np.arange(p.size), t, c, p))  # by pair, then time, then file order
    p, c, v, t = p[order], c[order], v[order], t[order]
    last = np.ones(p.size, dtype=bool)
    last[:-1] = (p[1:] != p[:-1]) | (c[1:] != c[:-1])
    return PolisVotes(p[last], c[last], v[last].astype(np.int8), t[last])


def _read_participant_votes(
    f: _Csv, known: set[int], progress: _Progress
) -> tuple[list[PolisParticipant], PolisVotes]:
    f.require("participant")
    n_fixed = 0
    while n_fixed < len(f.header) and f.header[n_fixed] in PV_FIXED:
        n_fixed += 1
    cids = []
    for col in f.header[n_fixed:]:
        cid = f.int(col, "header", optional=False)
        if cid not in known:
            raise f.fail(f"column for unknown comment {cid}", 1)
        cids.append(cid)
    ix = {h: i for i, h in enumerate(f.header[:n_fixed])}
    people, p, c, v = [], [], [], []
    for row in f.rows():
        pid = f.int(row[ix["participant"]], "participant")
        gid = f.int(row[ix["group-id"]], "group-id", optional=True) if "group-id" in ix else None
        xid = row[ix["xid"]] if "xid" in ix and row[ix["xid"]] != "" else None
        people.append(PolisParticipant(pid, gid, xid))
        for cid, cell in zip(cids, row[n_fixed:], strict=True):
            if cell.strip() != "":
                p.append(pid)
                c.append(cid)
                v.append(_vote_value(f, cell, str(cid)))
        progress.step(1)
    progress.file_done(f)
    pa, ca, va = np.asarray(p, np.int64), np.asarray(c, np.int64), np.asarray(v, np.int8)
    order = np.lexsort((ca, pa))
    return people, PolisVotes(pa[order], ca[order], va[order], np.full(len(p), -1, dtype=np.int64))


def read_polis_export(
    directory: str | os.PathLike[str], on_progress: ProgressFn | None = None
) -> PolisConversation:
    """Read a Pol.is export folder.

    Raises :class:`PolisFormatError` (naming file and line) if anything is malformed. ``on_progress(done,
    total)`` is called every few thousand rows, counting lines over all files read.
    """
    d = Path(directory)
    names = ("summary.csv", "comments.csv", "votes.csv", "participants-votes.csv")
    files = {n: _Csv(d / n) for n in names if (d / n).is_file()}
    if "comments.csv" not in files:
        raise PolisFormatError(d / "comments.csv", None, "file not found")
    progress = _Progress(on_progress, sum(f.n_lines for f in files.values()))
    conv = PolisConversation()
    if "summary.csv" in files:
        _read_summary(files["summary.csv"], conv)
        progress.file_done(files["summary.csv"])
    conv.comments = _read_comments(files["comments.csv"], progress)
    known = {c.id for c in conv.comments}
    pv_votes = None
    if "participants-votes.csv" in files:
        conv.participants, pv_votes = _read_participant_votes(
            files["participants-votes.csv"], known, progress
        )
    conv.votes = _read_votes(files["votes.csv"], known, progress) if "votes.csv" in files else pv_votes
    if conv.votes is None:
        conv.votes = PolisVotes.empty()
    listed = {pp.id for pp in conv.participants}
    extra = sorted(set(np.unique(conv.votes.participant).tolist()) - listed)
    conv.participants += [PolisParticipant(int(i)) for i in extra]
    conv.participants.sort(key=lambda pp: pp.id)
    return conv


def _datetime(ts: int | None) -> str:
    return "" if ts is None or ts < 0 else time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(ts / 1000))


def _write(path: Path, header: list[str], rows: list[list[object]] | Iterator[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = spreadsheet.writer(fh, lineterminator="\n")  # formula cells neutralised
        w.writerow(header)
        w.writerows(rows)


def write_polis_export(conv: PolisConversation, directory: str | os.PathLike[str]) -> None:
    """Write ``conv`` as a Pol.is export folder (summary, comments, votes, participants-votes)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    vt = conv.votes
    pids = sorted({pp.id for pp in conv.participants} | set(np.unique(vt.participant).tolist()))
    groups = {pp.id: pp for pp in conv.participants}
    summary = dict(conv.summary)
    summary.update(topic=conv.topic, url=conv.url, **{"conversation-description": conv.description})
    summary.setdefault("voters", str(len(np.unique(vt.participant))))
    summary.setdefault("comments", str(len(conv.comments)))
    gids = {pp.group_id for pp in conv.participants if pp.group_id is not None}
    summary.setdefault("groups", str(len(gids)))
    _write(d / "summary.csv", ["topic", conv.topic], [[k, v] for k, v in summary.items() if k != "topic"])
    agree = dict(zip(*np.unique(vt.comment[vt.value == 1], return_counts=True), strict=True))
    disagree = dict(zip(*np.unique(vt.comment[vt.value == -1], return_counts=True), strict=True))
    meta = any(c.is_meta for c in conv.comments)
    head = ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated"]
    rows = []
    for c in conv.comments:
        a = c.agrees if c.agrees is not None else int(agree.get(c.id, 0))
        dis = c.disagrees if c.disagrees is not None else int(disagree.get(c.id, 0))
        row = [c.timestamp if c.timestamp is not None else "", _datetime(c.timestamp), c.id]
        row += [c.author_id if c.author_id is not None else "", a, dis, c.moderated]
        rows.append(row + ([str(c.is_meta).lower()] if meta else []) + [c.text])
    _write(d / "comments.csv", head + (["is-meta"] if meta else []) + ["comment-body"], rows)
    order = np.lexsort((vt.participant, vt.comment, vt.timestamp))
    _write(
        d / "votes.csv",
        ["timestamp", "datetime", "comment-id", "voter-id", "vote"],
        ([vt.timestamp[i] if vt.timestamp[i] >= 0 else "", _datetime(int(vt.timestamp[i])), vt.comment[i],
          vt.participant[i], vt.value[i]] for i in order),
    )  # fmt: skip
    cids = sorted(c.id for c in conv.comments)
    col = {cid: i for i, cid in enumerate(cids)}
    by_ptpt = np.argsort(vt.participant, kind="stable")
    starts = np.searchsorted(vt.participant[by_ptpt], pids)
    ends = np.searchsorted(vt.participant[by_ptpt], pids, side="right")
    authored: dict[int, int] = {}
    for c in conv.comments:
        if c.author_id is not None:
            authored[c.author_id] = authored.get(c.author_id, 0) + 1
    has_xid = any(pp.xid for pp in conv.participants)
    head = ["participant"] + (["xid"] if has_xid else []) + ["group-id", "n-comments", "n-votes", "n-agree"]

    def pv_rows() -> Iterator[list[object]]:
        for pid, a, b in zip(pids, starts, ends, strict=True):
            pp = groups.get(pid, PolisParticipant(pid))
            cells: list[object] = [""] * len(cids)
            mine = by_ptpt[a:b]
            for c, v in zip(vt.comment[mine].tolist(), vt.value[mine].tolist(), strict=True):
                cells[col[c]] = v
            vals = vt.value[mine]
            counts = [int(b - a), int((vals == 1).sum()), int((vals == -1).sum())]
            gid = "" if pp.group_id is None else pp.group_id
            yield [pid] + ([pp.xid or ""] if has_xid else []) + [gid, authored.get(pid, 0), *counts, *cells]

    _write(d / "participants-votes.csv", head + ["n-disagree", *map(str, cids)], pv_rows())
