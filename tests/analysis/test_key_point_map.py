"""The debate map as key points (build_map with sentences): headlines, themes, quotes, curated groups."""

from __future__ import annotations

import numpy as np

from forum.analysis.embedders import HashingEmbedder
from forum.analysis.keypoints import KeyPointAnalysis, key_point_settings
from forum.analysis.pipeline import build_map
from forum.analysis.sentences import candidate_sentences, headline_problems
from forum.analysis.themes import ThemeGrouper, distinctive_terms, theme_label

ARGUMENTS = {
    "regulate": (-1, [
        "Binding regulation must force every lab to keep its safety pledges.",
        "Lawmakers should regulate labs so safety pledges are binding. Voluntary promises fail.",
        "Regulation that makes safety pledges legally binding for labs is overdue.",
        "Regulators must make these safety pledges binding on every lab.",
        "Binding regulation of AI labs is the only answer to dropped safety pledges.",
    ]),
    "pointless": (1, [
        "A unilateral pause is pointless while competitors keep racing.",
        "Pausing alone is pointless when competitors race ahead anyway.",
        "One lab pausing unilaterally is pointless, competitors just keep racing.",
        "Unilateral pauses are pointless if the competitors never pause.",
        "A pause by one company is pointless, competitors will keep racing.",
    ]),
}  # fmt: skip


def _debate():
    texts, sides, gold = [], [], []
    for key, (side, items) in ARGUMENTS.items():
        for t in items:
            texts.append(t)
            sides.append(side)
            gold.append(key)
    texts += ["lol", "Anyone else find the autoplay videos on this site annoying today?"]
    sides += [0, 0]
    gold += ["", ""]
    return texts, np.array(sides), np.array(gold)


def _map(**kw):
    texts, sides, gold = _debate()
    e = HashingEmbedder()
    sentences = candidate_sentences(texts)
    S = e.encode([s.text for s in sentences])
    ids = list(range(100, 100 + len(texts)))
    result = build_map(
        texts, e.encode(texts), sides=sides, authors=[i % 9 for i in range(len(texts))], comment_ids=ids,
        sentences=sentences, sentence_embeddings=S,
        key_points=KeyPointAnalysis(**key_point_settings("hashing")),
        **kw,
    )  # fmt: skip
    return texts, sides, gold, ids, result


def test_each_argument_is_one_key_point_stated_by_a_readers_sentence():
    texts, sides, gold, ids, result = _map()
    assert len(result.viewpoints) == 2
    for v in result.viewpoints:
        members = [ids.index(i) for i in v.member_ids]
        assert len(set(gold[members])) == 1, "a key point's comments make its argument"
        assert v.side == sides[members[0]]
        assert headline_problems(v.headline) == []
        assert any(v.headline.rstrip(".") in texts[m] for m in members), "the headline is a member's sentence"
        assert v.headline_id in v.member_ids and v.quote_ids[0] == v.headline_id
        assert set(v.quote_ids) <= set(v.member_ids) and v.quote_sentences
        for q, sentence in v.quote_sentences.items():
            assert sentence in texts[ids.index(q)]
        assert v.theme and v.x is not None and v.radius > 0
    assert result.other is not None and {ids[-1], ids[-2]} <= set(result.other.member_ids)


def test_counts_are_readers_of_all_readers_and_secondaries_count_once():
    texts, sides, gold, ids, result = _map()
    for v in result.viewpoints:
        assert v.n_members == len(v.member_ids)
        assert not set(v.secondary_ids) & set(v.member_ids)
        assert 0 < v.share <= 1 and v.n_authors <= 9


def test_curated_comments_stay_together_with_a_member_sentence_as_headline():
    _, _, gold = _debate()
    fixed = np.full(len(gold), -1)
    fixed[[0, 5]] = 0  # an editor put one comment of each argument together
    _, _, _, ids, result = _map(fixed=fixed, n_fixed=1)
    curated = next(v for v in result.viewpoints if set(v.member_ids) == {ids[0], ids[5]})
    assert curated.headline in (
        "Binding regulation must force every lab to keep its safety pledges.",
        "A unilateral pause is pointless while competitors keep racing.",
    )
    assert all(ids[0] not in v.member_ids for v in result.viewpoints if v is not curated)


def test_theme_names_are_distinctive_words_not_filler():
    texts = [
        "just regulation law point",
        "regulation law really",
        "military pentagon just",
        "pentagon military going",
    ]
    terms = distinctive_terms(texts, [[0, 1], [2, 3]], n=2)
    assert set(terms[0]) <= {"regulation", "law", "regulation law"} and terms[0]
    assert set(terms[1]) <= {"military", "pentagon", "military pentagon", "pentagon military"} and terms[1]
    assert theme_label(["regulation", "law"]) == "Regulation and law" and theme_label([]) == "Other points"


def test_themes_group_near_key_points():
    V = np.array([[1, 0], [0.95, 0.1], [0, 1], [0.1, 0.95], [0.9, 0.05], [0.05, 1.0], [1, 0.02], [0.02, 1]])
    members = [[i] for i in range(8)]
    texts = ["regulation law"] * 2 + ["military pentagon"] * 2 + ["regulation law", "military pentagon"] * 2
    g = ThemeGrouper(per_theme=4).fit(V, texts, members)
    assert len(set(g.labels_)) == 2
    assert len({g.labels_[i] for i in (0, 1, 4, 6)}) == 1 and len({g.labels_[i] for i in (2, 3, 5, 7)}) == 1
