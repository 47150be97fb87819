"""Extractive summaries: headline choice, sentences of plain text, MMR quotes, c-TF-IDF, sides."""

from __future__ import annotations

import numpy as np
import pytest

from forum.analysis.summaries import (
    ExtractiveSummariser,
    _top_phrases,
    class_tfidf,
    group_side,
    mmr_select,
    split_sentences,
)
from forum.sanitize import plain_text


def _unit(rows):
    X = np.asarray(rows, dtype=np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _summarise(texts, X, groups, **kw):
    C = _unit([X[g].mean(axis=0) for g in groups])
    return ExtractiveSummariser(**kw).summarise(
        texts, X, [np.asarray(g) for g in groups], C, np.zeros(len(texts)), list(range(len(texts)))
    )


def test_summaries_read_the_plain_text_callers_pass():
    """Markdown and links are gone before the summariser sees a comment (``plain_text``, which
    every caller of ``build_map`` applies); sentences are split at end punctuation."""
    text = "## Title\n> **Bold** claim with a [link](http://example.org) and `code` and *emphasis*."
    assert plain_text(text) == "Title Bold claim with a link and code and emphasis."
    assert split_sentences(plain_text(text)) == ["Title Bold claim with a link and code and emphasis."]
    assert split_sentences("First point. Second point! Third?\n\nA new paragraph") == [
        "First point.",
        "Second point!",
        "Third?",
        "A new paragraph",
    ]


def test_headline_prefers_a_short_clear_sentence_near_the_centre():
    rant = (
        "well i dont know, honestly the whole thing about the buses and the lanes and the money and "
        "everything that the council keeps saying about it in every meeting for years now and so on and on "
        "and nothing ever changes because nobody listens to anyone in this town"
    )
    texts = [rant, "Dedicated bus lanes would make buses faster.", "what about buses???", "Far away topic."]
    X = _unit([[1, 0.02, 0], [1, 0, 0.02], [1, -0.02, 0], [0, 0, 1]])
    [s] = _summarise(texts, X, [[0, 1, 2]])
    assert s.headline == "Dedicated bus lanes would make buses faster."
    assert s.headline_member == 1


def test_headline_takes_the_best_sentence_of_a_long_comment_and_trims():
    long_comment = (
        "I have lived here for thirty years and seen many plans come and go. "
        "**Bus lanes** are the fastest fix for downtown traffic. "
        "Anyway that is my view, thanks for reading."
    )
    texts = [plain_text(long_comment), "bus lanes traffic downtown", "traffic downtown bus lanes fix"]
    X = _unit([[1, 0, 0], [0.8, 0.6, 0], [0.8, -0.6, 0]])
    [s] = _summarise(texts, X, [[0, 1, 2]])
    assert s.headline == "Bus lanes are the fastest fix for downtown traffic."
    [t] = _summarise(texts, X, [[0, 1, 2]], max_headline_chars=30)
    assert len(t.headline) <= 30 and t.headline.endswith("…")
    assert t.headline.startswith("Bus lanes are the")


def test_quotes_are_relevant_and_diverse():
    X = _unit([[1, 0, 0], [0.9, 0.3, 0], [0.9, 0.3, 0.001], [0.9, -0.35, 0.2], [0.2, 0.9, 0.5]])
    picked = mmr_select(np.arange(1, 5), X, X[0], k=2, lambda_=0.5)
    assert picked[0] in (1, 2)
    assert picked[1] == 3  # not the near-duplicate of the first pick
    assert len(set(mmr_select(np.arange(5), X, X[0], k=10))) == 5


def test_quotes_skip_repeated_texts_and_the_headline():
    texts = [
        "Same point here.",
        "Same point here.",
        "Same point here.",
        "A different angle on it.",
        "Yet another.",
    ]
    X = _unit([[1, 0, 0], [1, 0.01, 0], [1, 0, 0.01], [0.9, 0.3, 0], [0.9, 0, 0.3]])
    [s] = _summarise(texts, X, [[0, 1, 2, 3, 4]])
    quoted = [texts[q] for q in s.quote_members]
    assert len(quoted) == len(set(quoted)) == 3
    assert s.headline_member not in s.quote_members


def test_class_tfidf_ranks_group_specific_terms_first():
    texts = ["solar panels on roofs", "solar panels everywhere", "solar panels subsidy", "nuclear plants now",
             "nuclear plants are safe", "nuclear plants subsidy"]  # fmt: skip
    W, terms = class_tfidf(texts, [np.array([0, 1, 2]), np.array([3, 4, 5])])
    assert _top_phrases(W[0].toarray().ravel(), terms, 1) == ["solar panels"]
    assert _top_phrases(W[1].toarray().ravel(), terms, 1) == ["nuclear plants"]
    assert W[0, list(terms).index("subsidy")] < W[0, list(terms).index("solar panels")]


def test_class_tfidf_survives_stop_word_only_text():
    W, terms = class_tfidf(["the and of", "a the"], [np.array([0]), np.array([1])])
    assert W.shape == (2, 0) and len(terms) == 0


@pytest.mark.parametrize(
    ("sides", "expected"),
    [
        ([1, 1, 1, -1], 1),
        ([-1, -1, 0, 0], -1),
        ([1, -1], 0),
        ([0, 0], 0),
        ([1, 1, 1, -1, -1, -1], 0),
        ([1, 1, -1, -1, -1], -1),
    ],
)
def test_group_side(sides, expected):
    assert group_side(np.array(sides)) == expected


def test_small_groups_and_one_member():
    texts = ["Only one comment in this group.", "Another."]
    X = _unit([[1, 0], [0, 1]])
    [s, t] = _summarise(texts, X, [[0], [1]])
    assert s.headline == "Only one comment in this group." and s.quote_members == [0]
    assert t.n_members == 1 and t.share == pytest.approx(0.5)
