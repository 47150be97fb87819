"""The debate map as key points: Key Point Analysis results turned into the map's viewpoints.

Called by :func:`forum.analysis.pipeline.build_map` when the comments' sentences and their embeddings are
given. Each viewpoint is one key point: a sentence a reader wrote that states an argument, the comments
whose best match it is (its members), the comments that also make it (secondary), quotes with the
sentence that makes the point, and the theme it belongs to. Comments an editor placed in a curated
viewpoint (``fixed``) stay there and are left out of the analysis; a curated viewpoint's headline is the
candidate sentence its comments match best.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forum.analysis.keypoints import KeyPointAnalysis, match_scores, normalise
from forum.analysis.sentences import Sentence
from forum.analysis.summaries import group_side
from forum.analysis.themes import ThemeGrouper, distinctive_terms

__all__ = ["KeyPointGroups", "key_point_groups"]


class KeyPointGroups:
    """Plain result: per group (curated first, then key points), members, headline and the rest."""

    def __init__(self) -> None:
        self.members: list[np.ndarray] = []
        self.secondary: list[list[int]] = []
        self.headline: list[str] = []
        self.headline_owner: list[int] = []
        self.quotes: list[list[int]] = []
        self.quote_sentences: list[dict[int, str]] = []
        self.sides: list[int] = []
        self.key_phrases: list[list[str]] = []
        self.centroids: list[np.ndarray] = []
        self.themes: list[int] = []
        self.theme_names: list[str] = []
        self.leftovers = np.zeros(0, dtype=np.int64)


def _best_sentences(kp: np.ndarray, rows: Sequence[int], S: np.ndarray, by_owner: dict[int, list[int]]):
    """For each comment row, the index of its sentence closest to ``kp`` (or -1 when it has none)."""
    out = {}
    for i in rows:
        idx = by_owner.get(int(i), [])
        out[int(i)] = idx[int(np.argmax(S[idx] @ kp))] if idx else -1
    return out


def key_point_groups(
    texts: Sequence[str],
    X: np.ndarray,
    sentences: Sequence[Sentence],
    S: np.ndarray,
    sides: np.ndarray,
    *,
    analysis: KeyPointAnalysis | None = None,
    fixed: np.ndarray | None = None,
    n_fixed: int = 0,
    n_quotes: int = 3,
    themes: ThemeGrouper | None = None,
) -> KeyPointGroups:
    """Run key point analysis on the free comments and describe every group (see the module docstring)."""
    n = len(texts)
    X = normalise(X)
    S = normalise(S) if len(S) else np.zeros((0, X.shape[1]), np.float32)
    owner = np.array([s.owner for s in sentences], dtype=np.int64)
    is_cand = np.array([s.is_candidate for s in sentences], dtype=bool)
    fixed = np.full(n, -1, dtype=np.int64) if fixed is None else np.asarray(fixed, dtype=np.int64)
    by_owner: dict[int, list[int]] = {}
    for j, o in enumerate(owner):
        by_owner.setdefault(int(o), []).append(j)
    out = KeyPointGroups()

    # curated groups keep their comments; their headline is the candidate their comments match best
    for k in range(n_fixed):
        rows = np.flatnonzero(fixed == k)
        if len(rows) == 0:  # an editor's viewpoint none of whose comments still fit: it goes
            continue
        cand = [j for j in np.flatnonzero(is_cand) if fixed[owner[j]] == k]
        head = -1
        if cand and len(rows):
            scores = match_scores(S[cand], X[rows], centre=n > 1).mean(axis=1)
            head = cand[int(np.argmax(scores))]
        vec = (
            S[head]
            if head >= 0
            else (normalise(X[rows].mean(axis=0, keepdims=True))[0] if len(rows) else None)
        )
        _describe(out, texts, X, S, sides, rows, [], head, vec, sentences, by_owner, n_quotes)

    free = np.flatnonzero(fixed < 0)
    analysis = analysis if analysis is not None else KeyPointAnalysis()
    cand_free = np.flatnonzero(is_cand & np.isin(owner, free))
    local = np.full(n, -1, dtype=np.int64)
    local[free] = np.arange(len(free))
    if len(free) == n:  # nothing curated: no copies of the (possibly large) arrays
        rows_X, rows_S, s_owner = X, S, owner
    else:
        sent_free = np.flatnonzero(np.isin(owner, free))
        rows_X, rows_S, s_owner = X[free], S[sent_free], local[owner[sent_free]]
    analysis.fit(
        rows_X,
        S[cand_free],
        local[owner[cand_free]],
        sides=sides[free],
        sentence_embeddings=rows_S,
        sentence_owner=s_owner,
    )
    labels = np.full(n, -1, dtype=np.int64)
    labels[free] = np.where(analysis.labels_ >= 0, analysis.labels_, -1)
    order = sorted(range(len(analysis.key_points_)), key=lambda j: (-int((analysis.labels_ == j).sum()), j))
    for j in order:
        rows = free[analysis.labels_ == j]
        if len(rows) == 0:
            continue
        head = int(cand_free[analysis.key_points_[j]])
        scores = analysis.scores_[j][analysis.labels_ == j]
        rows = rows[np.argsort(-scores, kind="stable")]  # strongest matches first (quotes come from these)
        second = [int(free[i]) for i in analysis.secondary_[j]]
        _describe(out, texts, X, S, sides, rows, second, head, S[head], sentences, by_owner, n_quotes)
    out.leftovers = np.flatnonzero((labels < 0) & (fixed < 0))
    _phrases_and_themes(out, texts, themes or ThemeGrouper(), n_fixed)
    return out


def _describe(out, texts, X, S, sides, rows, secondary, head, vec, sentences, by_owner, n_quotes) -> None:
    rows = np.asarray(rows, dtype=np.int64)
    out.members.append(rows)
    out.secondary.append(list(secondary))
    headline = sentences[head].key_point if head >= 0 else ""
    out.headline.append(headline or "")
    out.headline_owner.append(
        int(sentences[head].owner) if head >= 0 else (int(rows[0]) if len(rows) else -1)
    )
    quotes, seen = [], set()
    if head >= 0:
        quotes.append(int(sentences[head].owner))
        seen.add(" ".join(texts[sentences[head].owner].lower().split()))
    for i in rows:
        key = " ".join(texts[i].lower().split())
        if len(quotes) >= n_quotes:
            break
        if int(i) not in quotes and key not in seen:
            quotes.append(int(i))
            seen.add(key)
    best = _best_sentences(vec, quotes, S, by_owner) if vec is not None else {}
    out.quotes.append(quotes)
    out.quote_sentences.append({i: sentences[b].text for i, b in best.items() if b >= 0})
    stated = sides[rows] if len(rows) else np.zeros(0, dtype=np.int64)
    side = group_side(stated)
    if side == 0 and head >= 0 and stated.size and (stated != 0).sum() == 0:
        side = int(sides[sentences[head].owner])
    out.sides.append(side)
    c = X[rows].mean(axis=0) if len(rows) else (vec if vec is not None else np.zeros(X.shape[1]))
    out.centroids.append(normalise(np.asarray(c, dtype=np.float32)[None, :])[0])


def _phrases_and_themes(out: KeyPointGroups, texts, themes: ThemeGrouper, n_fixed: int) -> None:
    groups = [list(m) + list(s) for m, s in zip(out.members, out.secondary, strict=True)]
    out.key_phrases = distinctive_terms(texts, groups, n=4) if groups else []
    if not groups:
        return
    themes.fit(np.stack(out.centroids), texts, groups)
    out.themes = [int(t) for t in themes.labels_]
    out.theme_names = list(themes.names_)
