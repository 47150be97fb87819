"""Themes: a few headings (what the arguments are about) that group a map's key points.

Key points whose wording and comments lie close are grouped by average-linkage clustering of their
vectors, into about one theme per four key points (at most ``max_themes``). Each theme is named by the
words that set its comments apart from the other themes' (class-based TF-IDF, filler words left out), so a
heading reads "Regulation and law" or "Military use", never "just" or "point".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["FILLER_WORDS", "ThemeGrouper", "content_words", "distinctive_terms", "theme_label"]

# Words that carry no topic, beside scikit-learn's English stop words.
_FILLER = """
    just new going point really think thing things way actually like people lot said say says saying
    make makes made want wants good bad better best right wrong sure yes yeah maybe probably pretty
    kind sort bit little big long time times year years day days week weeks today now then still also
    even ever never always basically literally simply quite rather far away look looks looking got get
    gets getting does did doing done use used using know knew knows mean means meant agree disagree
    question answer article story comment comments thread reply upthread someone anyone everyone nobody
    somebody something anything everything nothing thing way ways case cases fact point points part
    parts one ones two three first second last next lot lots many much more most less least enough own
    other others another same different whole entire real truly genuinely
"""
FILLER_WORDS = frozenset(_FILLER.split())


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | FILLER_WORDS


_CONTENT_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry its content, in order (stop and filler words left out)."""
    stop = _stop_words()
    return [w for w in _CONTENT_WORD.findall(text) if w.lower() not in stop and len(w) > 2]


def distinctive_terms(texts: Sequence[str], groups: Sequence[Sequence[int]], n: int = 3) -> list[list[str]]:
    """The ``n`` terms (words or two-word phrases) that most set each group of ``texts`` apart."""
    from sklearn.feature_extraction.text import CountVectorizer

    out: list[list[str]] = [[] for _ in groups]
    docs = [" ".join(texts[i] for i in g) for g in groups]
    if not any(d.strip() for d in docs):
        return out
    vec = CountVectorizer(
        ngram_range=(1, 2), stop_words=sorted(_stop_words()), token_pattern=r"(?u)\b[A-Za-z][A-Za-z-]{2,}\b"
    )
    try:
        counts = vec.fit_transform(docs).astype(np.float64).toarray()
    except ValueError:  # nothing but stop words
        return out
    terms = vec.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    idf = np.log(1.0 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1.0))
    # a term must recur in its group: once is an accident of wording
    weights = np.where(counts >= 2, tf * idf, 0.0)
    for g, row in enumerate(weights):
        chosen: list[str] = []
        for j in np.argsort(-row, kind="stable"):
            if row[j] <= 0 or len(chosen) >= n:
                break
            term = str(terms[j])
            words = set(term.split())
            if any(words & set(c.split()) for c in chosen):
                continue
            chosen.append(term)
        out[g] = chosen
    return out


def theme_label(terms: Sequence[str]) -> str:
    """A heading from distinctive terms: "Regulation and law", or "Other points" when there are none."""
    if not terms:
        return "Other points"
    words = list(terms[:2])
    label = words[0] if len(words) == 1 else f"{words[0]} and {words[1]}"
    return label[:1].upper() + label[1:]


@dataclass
class ThemeGrouper:
    """Group key points into themes.

    Parameters:
        per_theme: about how many key points make a theme.
        max_themes: upper bound on themes.
    """

    per_theme: float = 4.0
    max_themes: int = 6

    def fit(
        self, vectors: np.ndarray, texts: Sequence[str], members: Sequence[Sequence[int]]
    ) -> ThemeGrouper:
        """``vectors`` (k, d) one per key point; ``members[j]`` the indices into ``texts`` of key point j's
        comments (its own sentence may be among the texts). Sets ``labels_`` (k,) theme per key point,
        ordered by how many comments each theme holds, and ``names_`` one heading per theme."""
        V = np.asarray(vectors, dtype=np.float64)
        k = len(V)
        if k == 0:
            self.labels_, self.names_ = np.zeros(0, dtype=np.int64), []
            return self
        n_themes = int(np.clip(round(k / self.per_theme), 1, self.max_themes))
        if k < 3 or n_themes == 1:
            raw = np.zeros(k, dtype=np.int64)
        else:
            from scipy.cluster.hierarchy import fcluster, linkage

            V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)
            raw = (
                fcluster(linkage(V, method="average", metric="cosine"), t=n_themes, criterion="maxclust") - 1
            )
        sizes = {t: sum(len(members[j]) for j in np.flatnonzero(raw == t)) for t in np.unique(raw)}
        order = sorted(sizes, key=lambda t: (-sizes[t], int(np.flatnonzero(raw == t)[0])))
        remap = {t: i for i, t in enumerate(order)}
        self.labels_ = np.array([remap[t] for t in raw], dtype=np.int64)
        groups = [
            [i for j in np.flatnonzero(self.labels_ == t) for i in members[j]] for t in range(len(order))
        ]
        terms = distinctive_terms(texts, groups, n=2)
        self.names_ = [theme_label(t) for t in terms]
        return self
