"""Extractive summaries of viewpoint groups: headline, representative quotes, key phrases, side, share.

All choices are made from the comments themselves (nothing is generated), so a summary can always be
traced back to what readers wrote. See ``labeller.py`` for an optional abstractive rewrite of headlines.
Texts come in as plain text (:func:`forum.sanitize.plain_text`): Markdown is the caller's to strip.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import sparse

__all__ = [
    "ExtractiveSummariser",
    "GroupSummary",
    "Summariser",
    "class_tfidf",
    "group_side",
    "mmr_select",
    "split_sentences",
    "value_codes",
]


@dataclass
class GroupSummary:
    """Summary of one group of comments (indices refer to the input arrays)."""

    headline: str
    headline_member: int
    quote_members: list[int]
    key_phrases: list[str]
    side: int
    share: float
    n_members: int
    n_authors: int
    scores: dict[str, float] = field(default_factory=dict)


class Summariser(Protocol):
    """Turns groups of comments into summaries."""

    def summarise(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        groups: Sequence[np.ndarray],
        centroids: np.ndarray,
        sides: np.ndarray,
        authors: Sequence[object],
    ) -> list[GroupSummary]:
        """Return one summary per group, in the order of ``groups``."""
        ...


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]*[A-Z0-9])")
_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9']+")


def split_sentences(text: str) -> list[str]:
    """Split a comment's plain text (:func:`forum.sanitize.plain_text`) into sentences, spacing collapsed."""
    return [s for s in (" ".join(p.split()) for p in _SENTENCE_END.split(text)) if s]


def _trim(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def _clarity(sentence: str, ideal: tuple[int, int] = (6, 25)) -> float:
    """Score in [0, 1]: short, complete, declarative sentences score high."""
    n_words = len(_WORD.findall(sentence))
    if n_words == 0:
        return 0.0
    lo, hi = ideal
    if n_words < lo:
        length = n_words / lo
    elif n_words > hi:
        length = max(0.0, 1.0 - (n_words - hi) / (2 * hi))
    else:
        length = 1.0
    complete = 1.0 if sentence[0].isupper() and sentence[-1] in ".!" else 0.5
    if sentence.endswith("?"):
        complete = 0.3
    shouting = (
        0.5 if sum(c.isupper() for c in sentence) > 0.5 * max(1, sum(c.isalpha() for c in sentence)) else 1.0
    )
    return length * complete * shouting


def group_side(sides: np.ndarray, threshold: float = 0.6) -> int:
    """Side of a group: 1 or -1 if at least ``threshold`` of the stated sides agree, else 0."""
    sides = np.asarray(sides)
    pos, neg = int((sides > 0).sum()), int((sides < 0).sum())
    stated = pos + neg
    if stated == 0:
        return 0
    if pos / stated >= threshold:
        return 1
    if neg / stated >= threshold:
        return -1
    return 0


def mmr_select(
    candidates: np.ndarray, embeddings: np.ndarray, centroid: np.ndarray, k: int, lambda_: float = 0.7
) -> list[int]:
    """Maximal marginal relevance: ``k`` of ``candidates`` close to ``centroid`` and unlike each other."""
    candidates = np.asarray(candidates)
    if len(candidates) == 0 or k <= 0:
        return []
    E = embeddings[candidates]
    relevance = E @ centroid
    chosen: list[int] = []
    max_sim = np.full(len(candidates), -np.inf)
    available = np.ones(len(candidates), dtype=bool)
    for _ in range(min(k, len(candidates))):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        score = lambda_ * relevance - (1 - lambda_) * penalty
        score[~available] = -np.inf
        j = int(np.argmax(score))
        chosen.append(int(candidates[j]))
        available[j] = False
        max_sim = np.maximum(max_sim, E @ E[j])
    return chosen


def class_tfidf(
    texts: Sequence[str], groups: Sequence[np.ndarray], ngram_range: tuple[int, int] = (1, 2)
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Class-based TF-IDF (BERTopic's c-TF-IDF) of ``groups`` over English-stop-word-filtered n-grams.

    Returns the ``(n_groups, n_terms)`` weight matrix and the term array.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    members = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups]) if groups else np.zeros(0, int)
    docs = [texts[i] for i in members]
    vectorizer = CountVectorizer(ngram_range=ngram_range, stop_words="english", min_df=2, dtype=np.float32)
    try:
        counts = vectorizer.fit_transform(docs)
    except ValueError:  # empty vocabulary (all stop words, too few documents)
        return sparse.csr_matrix((len(groups), 0), dtype=np.float32), np.array([], dtype=object)
    rows = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    indicator = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, np.arange(len(rows)))), shape=(len(groups), len(rows))
    )
    per_class = (indicator @ counts).tocsr()
    totals = np.asarray(per_class.sum(axis=1)).ravel()
    totals[totals == 0] = 1
    tf = sparse.diags(1.0 / totals) @ per_class
    term_freq = np.asarray(per_class.sum(axis=0)).ravel()
    avg_words = float(totals.mean())
    idf = np.log(1 + avg_words / np.maximum(term_freq, 1)).astype(np.float32)
    return sparse.csr_matrix(tf @ sparse.diags(idf)), vectorizer.get_feature_names_out()


def _top_phrases(weights: np.ndarray, terms: np.ndarray, n: int) -> list[str]:
    """Highest-weighted terms without repeats: a word inside a chosen phrase is skipped, and a phrase
    nearly as strong as chosen words it contains ("bus lanes" after "bus") takes their place."""
    order = np.argsort(-weights, kind="stable")[: max(4 * n, 20)]
    chosen: list[tuple[str, float]] = []
    for j in order:
        w = float(weights[j])
        if w <= 0:
            break
        term = str(terms[j])
        words = set(term.split())
        if any(words <= set(c.split()) for c, _ in chosen):
            continue
        inside = [k for k, (c, cw) in enumerate(chosen) if set(c.split()) < words]
        if inside:
            if all(w >= 0.7 * chosen[k][1] for k in inside):
                at = inside[0]
                chosen = [c for k, c in enumerate(chosen) if k not in inside]
                chosen.insert(at, (term, w))
            continue
        if len(chosen) < n:
            chosen.append((term, w))
    return [c for c, _ in chosen]


class ExtractiveSummariser:
    """Extractive summaries: headline near the centroid, MMR quotes, c-TF-IDF key phrases.

    Parameters
    ----------
    n_quotes: representative quotes per group (fewer if the group is smaller).
    n_phrases: key phrases per group.
    mmr_lambda: relevance/diversity trade-off for quotes (1 = relevance only).
    headline_pool: how many members nearest the centroid compete for the headline.
    max_headline_chars: headlines longer than this are trimmed at a word boundary.
    side_threshold: share of the stated sides needed to give a group a side.
    max_phrase_docs: at most this many members per group (nearest the centroid) feed the key phrases,
        which bounds the cost on very large groups.
    phrase_budget: at most about this many comments in all feed the key phrases (each group gets a
        share proportional to its size, at least 50), which bounds the cost on very large stories.
    quote_pool: quotes are chosen among this many members nearest the centroid.
    """

    def __init__(
        self,
        n_quotes: int = 3,
        n_phrases: int = 5,
        mmr_lambda: float = 0.7,
        headline_pool: int = 12,
        max_headline_chars: int = 160,
        side_threshold: float = 0.6,
        max_phrase_docs: int = 2000,
        phrase_budget: int = 5000,
        quote_pool: int = 200,
    ):
        self.n_quotes = n_quotes
        self.n_phrases = n_phrases
        self.mmr_lambda = mmr_lambda
        self.headline_pool = headline_pool
        self.max_headline_chars = max_headline_chars
        self.side_threshold = side_threshold
        self.max_phrase_docs = max_phrase_docs
        self.phrase_budget = phrase_budget
        self.quote_pool = quote_pool

    def summarise(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        groups: Sequence[np.ndarray],
        centroids: np.ndarray,
        sides: np.ndarray,
        authors: Sequence[object],
    ) -> list[GroupSummary]:
        """Return one summary per group, in the order of ``groups`` (see the class docstring)."""
        sides = np.asarray(sides)
        author_codes = value_codes(authors)
        n_all_authors = max(1, len(np.unique(author_codes)))
        sims = [embeddings[g] @ centroids[i] for i, g in enumerate(groups)]
        total = max(1, sum(len(g) for g in groups))
        caps = [max(min(50, len(g)), int(len(g) * self.phrase_budget / total)) for g in groups]
        phrase_groups = [
            self._core(g, s, min(self.max_phrase_docs, cap))
            for g, s, cap in zip(groups, sims, caps, strict=True)
        ]
        weights, terms = class_tfidf(texts, phrase_groups)
        out = []
        for i, group in enumerate(groups):
            group = np.asarray(group, dtype=np.int64)
            w = weights[i].toarray().ravel() if weights.shape[1] else np.zeros(0, np.float32)
            phrases = _top_phrases(w, terms, self.n_phrases)
            term_weight = {str(terms[j]): float(w[j]) for j in np.flatnonzero(w)}
            head_member, headline = self._headline(texts, group, sims[i], term_weight)
            nearest = group[np.argsort(-sims[i], kind="stable")[: self.quote_pool]]
            pool = nearest[nearest != head_member] if len(group) > 1 else nearest
            quotes = mmr_select(
                self._distinct(texts, pool), embeddings, centroids[i], self.n_quotes, self.mmr_lambda
            )
            n_authors = len(np.unique(author_codes[group]))
            out.append(
                GroupSummary(
                    headline=headline,
                    headline_member=head_member,
                    quote_members=quotes,
                    key_phrases=phrases,
                    side=group_side(sides[group], self.side_threshold),
                    share=n_authors / n_all_authors,
                    n_members=len(group),
                    n_authors=n_authors,
                    scores={"cohesion": float(sims[i].mean()) if len(group) else 0.0},
                )
            )
        return out

    @staticmethod
    def _core(group: np.ndarray, sims: np.ndarray, n: int) -> np.ndarray:
        group = np.asarray(group, dtype=np.int64)
        if len(group) <= n:
            return group
        return np.sort(group[np.argsort(-sims, kind="stable")[:n]])

    @staticmethod
    def _distinct(texts: Sequence[str], members: np.ndarray) -> np.ndarray:
        """Drop members whose text (case and spacing aside) repeats an earlier member's."""
        seen: set[str] = set()
        keep = []
        for m in members:
            key = " ".join(texts[m].lower().split())
            if key not in seen:
                seen.add(key)
                keep.append(m)
        return np.asarray(keep, dtype=np.int64)

    def _headline(
        self, texts: Sequence[str], group: np.ndarray, sims: np.ndarray, term_weight: dict[str, float]
    ) -> tuple[int, str]:
        if len(group) == 0:
            return -1, ""
        top = np.argsort(-sims, kind="stable")[: self.headline_pool]
        best = (-np.inf, -1, "")
        max_w = max(term_weight.values(), default=0.0) or 1.0
        for j in top:
            for sentence in split_sentences(texts[group[j]]):
                words = [w.lower() for w in _WORD.findall(sentence)]
                grams = words + [" ".join(p) for p in zip(words, words[1:], strict=False)]
                topical = sum(term_weight.get(g, 0.0) for g in set(grams)) / max_w
                score = float(sims[j]) + 0.15 * _clarity(sentence) + 0.05 * min(topical, 3.0)
                if score > best[0]:
                    best = (score, int(group[j]), sentence)
        if best[1] < 0:  # no usable sentence (e.g. an empty text); fall back to the nearest member
            j = int(group[top[0]])
            return j, _trim(" ".join(texts[j].split()), self.max_headline_chars)
        return best[1], _trim(best[2], self.max_headline_chars)


def value_codes(values: Sequence[object]) -> np.ndarray:
    """Integer codes for hashable values (authors)."""
    table: dict[object, int] = {}
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64, count=len(values))
