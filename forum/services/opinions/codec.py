"""The cached opinion result as typed data: :class:`OpinionData` and one :func:`encode`/:func:`decode` pair.

The JSON stored in :attr:`forum.models.OpinionCache.data` keeps its short keys (``"a"``, ``"ga"``, ...), so
rows computed before this codec still decode; only this module knows them. Positions
(:attr:`~forum.models.OpinionCache.positions`) stay ``{user id: [x, y, group]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CommentCounts:
    """One comment's votes: everyone's counts, each group's counts, and its statistics."""

    agree: int
    disagree: int
    seen: int
    group_agree: list[int]
    group_disagree: list[int]
    group_seen: list[int]
    gic: float  # group-informed consensus
    extremity: float
    divisiveness: float
    active: bool  # in the geometry (published, not a Pol.is meta statement)

    def votes(self, direction: str) -> int:
        """Everyone's agree (``direction="agree"``) or disagree votes."""
        return self.agree if direction == "agree" else self.disagree

    def group_votes(self, direction: str) -> list[int]:
        """Each group's agree (``direction="agree"``) or disagree votes."""
        return self.group_agree if direction == "agree" else self.group_disagree


@dataclass
class Representative:
    """A statement representing a group: the comment id, which way the group leans, and how strongly."""

    comment: int
    direction: str
    p: float
    ratio: float


@dataclass
class GroupData:
    index: int
    size: int
    representative: list[Representative]


@dataclass
class OpinionData:
    """A story's cached opinion groups; comment lists hold comment ids."""

    k: int = 0
    groups: list[GroupData] = field(default_factory=list)
    common_ground: list[int] = field(default_factory=list)
    consensus_disagree: list[int] = field(default_factory=list)
    divisive: list[int] = field(default_factory=list)
    comments: dict[int, CommentCounts] = field(default_factory=dict)
    k_smoother: dict | None = None  # forum.analysis.opinions.smooth_k's state across recomputations


def _encode_counts(c: CommentCounts) -> dict[str, Any]:
    return {
        "a": c.agree,
        "d": c.disagree,
        "s": c.seen,
        "ga": c.group_agree,
        "gd": c.group_disagree,
        "gs": c.group_seen,
        "gic": c.gic,
        "x": c.extremity,
        "div": c.divisiveness,
        "active": c.active,
    }


def _decode_counts(raw: dict[str, Any]) -> CommentCounts:
    return CommentCounts(
        raw["a"], raw["d"], raw["s"], raw["ga"], raw["gd"], raw["gs"], raw["gic"], raw["x"], raw["div"],
        raw["active"],
    )  # fmt: skip


def encode(data: OpinionData) -> dict[str, Any]:
    """The JSON stored in the cache row."""
    out: dict[str, Any] = {
        "k": data.k,
        "groups": [
            {
                "index": g.index,
                "size": g.size,
                "representative": [
                    {"comment": r.comment, "direction": r.direction, "p": r.p, "ratio": r.ratio}
                    for r in g.representative
                ],
            }
            for g in data.groups
        ],
        "common_ground": list(data.common_ground),
        "consensus_disagree": list(data.consensus_disagree),
        "divisive": list(data.divisive),
        "comments": {str(cid): _encode_counts(c) for cid, c in data.comments.items()},
    }
    if data.k_smoother is not None:
        out["k_smoother"] = data.k_smoother
    return out


def decode(raw: dict[str, Any] | None) -> OpinionData:
    """The stored JSON back as :class:`OpinionData`; a missing or empty row decodes as no groups."""
    raw = raw or {}
    groups = [
        GroupData(
            g["index"],
            g["size"],
            [Representative(r["comment"], r["direction"], r["p"], r["ratio"]) for r in g["representative"]],
        )
        for g in raw.get("groups", [])
    ]
    return OpinionData(
        k=raw.get("k", 0),
        groups=groups,
        common_ground=list(raw.get("common_ground", [])),
        consensus_disagree=list(raw.get("consensus_disagree", [])),
        divisive=list(raw.get("divisive", [])),
        comments={int(cid): _decode_counts(c) for cid, c in raw.get("comments", {}).items()},
        k_smoother=raw.get("k_smoother"),
    )
