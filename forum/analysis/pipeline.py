"""The debate map: stored embeddings -> viewpoints -> summaries -> 2-D layout.

``build_map`` is pure (texts and arrays in, dataclasses out) and deterministic for the same input, so
a story's map can be recomputed from stored embeddings at any time without re-embedding. Each stage sits
behind a small protocol and can be swapped: a clusterer (``fit(X, sides)`` setting ``labels_`` and
``centroids_``), a :class:`~forum.analysis.summaries.Summariser` and a :class:`~forum.analysis.layout.Layout`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from forum.analysis.embedders import l2_normalise
from forum.analysis.layout import Layout, MDSLayout
from forum.analysis.sentences import Sentence
from forum.analysis.summaries import ExtractiveSummariser, GroupSummary, Summariser, value_codes

__all__ = ["Clusterer", "DebateMap", "ViewpointSummary", "assign_new", "build_map"]

OTHER_HEADLINE = "Other comments"


class Clusterer(Protocol):
    """Groups embeddings: ``labels_`` (n,) with -1 for leftovers, ``centroids_`` (k, d) unit rows."""

    labels_: np.ndarray
    centroids_: np.ndarray

    def fit(self, X: np.ndarray, sides: np.ndarray | None = None) -> Clusterer:
        """Cluster ``X`` (n, d) unit rows; ``sides`` (n,) in {1, -1, 0} or None."""
        ...


@dataclass
class ViewpointSummary:
    """One viewpoint on the map (or the "Other arguments" group when ``is_other``).

    ``member_ids`` and ``quote_ids`` are comment ids; the headline is taken from ``headline_id``'s text.
    ``x``, ``y`` (in [0, 1]) and ``radius`` are None for the "Other" group, which is listed, not placed.
    """

    index: int
    headline: str
    side: int
    share: float
    n_members: int
    n_authors: int
    member_ids: list[int]
    quote_ids: list[int]
    key_phrases: list[str]
    centroid: np.ndarray = field(repr=False)
    x: float | None = None
    y: float | None = None
    radius: float | None = None
    is_other: bool = False
    headline_id: int | None = None
    theme: str = ""
    theme_index: int = 0
    secondary_ids: list[int] = field(default_factory=list)
    quote_sentences: dict[int, str] = field(default_factory=dict)


@dataclass
class DebateMap:
    """A computed map: ``labels[i]`` is comment i's viewpoint index, -1 for "Other arguments"."""

    viewpoints: list[ViewpointSummary]
    labels: np.ndarray
    other: ViewpointSummary | None

    @property
    def centroids(self) -> np.ndarray:
        """(k, d) centroids of the viewpoints (not "Other"), for :func:`assign_new`."""
        if not self.viewpoints:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([v.centroid for v in self.viewpoints]).astype(np.float32)


def _default_clusterer(random_state: int) -> Clusterer:
    from forum.analysis.clustering import ViewpointClusterer

    return ViewpointClusterer(random_state=random_state)


def _check_inputs(
    texts: Sequence[str],
    embeddings: np.ndarray,
    sides: Sequence[int] | None,
    authors: Sequence[object],
    comment_ids: Sequence[int],
) -> tuple[np.ndarray, np.ndarray]:
    n = len(texts)
    X = np.asarray(embeddings)
    if X.ndim != 2 or X.shape[0] != n:
        raise ValueError(f"embeddings must have shape ({n}, d), got {X.shape}")
    s = np.zeros(n, dtype=np.int64) if sides is None else np.sign(np.asarray(sides, dtype=np.int64))
    for name, values in (("sides", s), ("authors", authors), ("comment_ids", comment_ids)):
        if len(values) != n:
            raise ValueError(f"{name} has {len(values)} entries for {n} texts")
    return l2_normalise(X), s


def build_map(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    sides: Sequence[int] | None,
    authors: Sequence[str | int],
    comment_ids: Sequence[int],
    clusterer: Clusterer | None = None,
    summariser: Summariser | None = None,
    layout: Layout | None = None,
    random_state: int = 0,
    sentences: Sequence[Sentence] | None = None,
    sentence_embeddings: np.ndarray | None = None,
    key_points=None,
    fixed: np.ndarray | None = None,
    n_fixed: int = 0,
) -> DebateMap:
    """Compute a story's debate map from its comments and their stored embeddings.

    Args:
        texts: comment bodies as plain text (:func:`forum.sanitize.plain_text`), one per comment.
        embeddings: (n, d) vectors of ``texts`` (normalised here if they are not already).
        sides: stated side per comment (1 agree, -1 disagree, 0 unknown), or None when not asked.
        authors: author key per comment (shares count distinct authors).
        comment_ids: database ids, echoed back in ``member_ids`` / ``quote_ids``.
        clusterer, summariser, layout: stages; defaults are ``ViewpointClusterer(random_state=...)``,
            :class:`ExtractiveSummariser` and :class:`MDSLayout`.
        random_state: seed for the default clusterer.
        sentences, sentence_embeddings: the comments' sentences (:func:`candidate_sentences`) and their
            embeddings. When given, the map is Key Point Analysis (:mod:`forum.analysis.kpmap`): every
            viewpoint is a key point stated by a reader's sentence; ``key_points`` is then the
            :class:`~forum.analysis.keypoints.KeyPointAnalysis` to use, and ``fixed``/``n_fixed`` pin
            comments to curated viewpoints 0..n_fixed-1 (the clusterer is not used).

    Returns:
        A :class:`DebateMap` with viewpoints ordered by size (largest first) and the leftovers in
        ``other`` (None when there are none).
    """
    X, s = _check_inputs(texts, embeddings, sides, authors, comment_ids)
    ids = np.asarray(comment_ids)
    n = len(texts)
    if n == 0:
        return DebateMap(viewpoints=[], labels=np.zeros(0, dtype=np.int64), other=None)
    if sentences is not None and sentence_embeddings is not None:
        return _key_point_map(
            texts, X, s, authors, ids, sentences, sentence_embeddings, key_points, fixed, n_fixed, layout
        )
    clusterer = clusterer if clusterer is not None else _default_clusterer(random_state)
    clusterer.fit(X, s if sides is not None else None)
    labels, groups, centroids = _ordered_groups(X, np.asarray(clusterer.labels_), clusterer.centroids_)

    leftovers = np.flatnonzero(labels < 0)
    all_groups = groups + ([leftovers] if len(leftovers) else [])
    all_centroids = centroids
    if len(leftovers):
        all_centroids = np.vstack([centroids, l2_normalise(X[leftovers].mean(axis=0))])
    summariser = summariser if summariser is not None else ExtractiveSummariser()
    summaries = summariser.summarise(texts, X, all_groups, all_centroids, s, authors) if all_groups else []

    layout = layout if layout is not None else MDSLayout()
    layout.fit(centroids, np.array([summaries[i].share for i in range(len(groups))]))
    viewpoints = [
        _viewpoint(i, summaries[i], groups[i], centroids[i], ids, layout, is_other=False)
        for i in range(len(groups))
    ]
    other = None
    if len(leftovers):
        other = _viewpoint(-1, summaries[-1], leftovers, all_centroids[-1], ids, None, is_other=True)
        other.headline = OTHER_HEADLINE
    return DebateMap(viewpoints=viewpoints, labels=labels, other=other)


def _key_point_map(texts, X, s, authors, ids, sentences, S, analysis, fixed, n_fixed, layout) -> DebateMap:
    from forum.analysis.kpmap import key_point_groups

    r = key_point_groups(
        texts, X, sentences, np.asarray(S), s, analysis=analysis, fixed=fixed, n_fixed=n_fixed
    )
    codes = value_codes(authors)
    n_all = max(1, len(np.unique(codes)))
    labels = np.full(len(texts), -1, dtype=np.int64)
    layout = layout if layout is not None else MDSLayout()
    supporters = [
        np.unique(codes[np.r_[m, np.asarray(sec, dtype=np.int64)]])
        for m, sec in zip(r.members, r.secondary, strict=True)
    ]
    if r.members:
        layout.fit(np.stack(r.centroids), np.array([len(a) / n_all for a in supporters]))
    viewpoints = []
    for k, members in enumerate(r.members):
        labels[members] = k
        viewpoints.append(
            ViewpointSummary(
                index=k,
                headline=r.headline[k],
                side=int(r.sides[k]),
                share=len(supporters[k]) / n_all,
                n_members=len(members),
                n_authors=len(supporters[k]),
                member_ids=[int(i) for i in ids[members]],
                quote_ids=[int(ids[q]) for q in r.quotes[k]],
                key_phrases=list(r.key_phrases[k]) if k < len(r.key_phrases) else [],
                centroid=np.asarray(r.centroids[k], dtype=np.float32),
                x=float(layout.positions_[k, 0]),
                y=float(layout.positions_[k, 1]),
                radius=float(layout.radii_[k]),
                headline_id=int(ids[r.headline_owner[k]]) if r.headline_owner[k] >= 0 else None,
                theme=r.theme_names[r.themes[k]] if r.themes else "",
                theme_index=int(r.themes[k]) if r.themes else 0,
                secondary_ids=[int(ids[i]) for i in r.secondary[k]],
                quote_sentences={int(ids[i]): t for i, t in r.quote_sentences[k].items()},
            )
        )
    other = None
    if len(r.leftovers):
        rows = r.leftovers
        other = ViewpointSummary(
            index=-1,
            headline=OTHER_HEADLINE,
            side=0,
            share=len(np.unique(codes[rows])) / n_all,
            n_members=len(rows),
            n_authors=len(np.unique(codes[rows])),
            member_ids=[int(i) for i in ids[rows]],
            quote_ids=[],
            key_phrases=[],
            centroid=l2_normalise(X[rows].mean(axis=0))[0],
            is_other=True,
        )
    return DebateMap(viewpoints=viewpoints, labels=labels, other=other)


def _ordered_groups(
    X: np.ndarray, raw: np.ndarray, raw_centroids: np.ndarray | None
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Renumber clusters by decreasing size (ties: earliest member first); centroids in that order."""
    ids = [k for k in np.unique(raw) if k >= 0]
    members = {k: np.flatnonzero(raw == k) for k in ids}
    order = sorted(ids, key=lambda k: (-len(members[k]), members[k][0]))
    labels = np.full(len(raw), -1, dtype=np.int64)
    groups, centroids = [], []
    for new, k in enumerate(order):
        labels[members[k]] = new
        groups.append(members[k])
        have = raw_centroids is not None and 0 <= k < len(raw_centroids)
        centroids.append(raw_centroids[k] if have else X[members[k]].mean(axis=0))
    C = l2_normalise(np.stack(centroids)) if centroids else np.zeros((0, X.shape[1]), dtype=np.float32)
    return labels, groups, C


def _viewpoint(
    index: int,
    summary: GroupSummary,
    members: np.ndarray,
    centroid: np.ndarray,
    ids: np.ndarray,
    layout: Layout | None,
    *,
    is_other: bool,
) -> ViewpointSummary:
    placed = layout is not None and not is_other
    return ViewpointSummary(
        index=index,
        headline=summary.headline,
        side=summary.side,
        share=summary.share,
        n_members=summary.n_members,
        n_authors=summary.n_authors,
        member_ids=[int(i) for i in ids[members]],
        quote_ids=[int(ids[q]) for q in summary.quote_members],
        key_phrases=list(summary.key_phrases),
        centroid=np.asarray(centroid, dtype=np.float32),
        x=float(layout.positions_[index, 0]) if placed else None,
        y=float(layout.positions_[index, 1]) if placed else None,
        radius=float(layout.radii_[index]) if placed else None,
        is_other=is_other,
        headline_id=int(ids[summary.headline_member]) if summary.headline_member >= 0 else None,
    )


def assign_new(embedding: np.ndarray, centroids: np.ndarray, min_similarity: float = 0.5) -> int:
    """Viewpoint index for one new comment's embedding (nearest centroid by cosine), or -1 ("Other").

    Cheap enough to run when a comment is posted; the full map is recomputed later in the background.
    """
    C = np.asarray(centroids, dtype=np.float32)
    if C.size == 0:
        return -1
    e = l2_normalise(np.asarray(embedding, dtype=np.float32).reshape(1, -1))[0]
    sims = l2_normalise(C) @ e
    best = int(np.argmax(sims))
    return best if sims[best] >= min_similarity else -1
