"""build_map end to end on planted groups, and assign_new."""

from __future__ import annotations

import numpy as np
import pytest

from forum.analysis.clustering import ViewpointClusterer
from forum.analysis.pipeline import OTHER_HEADLINE, DebateMap, assign_new, build_map


def _build(p, clusterer, **kw) -> DebateMap:
    return build_map(
        p.texts, p.embeddings, sides=p.sides, authors=p.authors, comment_ids=p.ids, clusterer=clusterer, **kw
    )


def _group_ids(p, g):
    return {p.ids[i] for i in np.flatnonzero(p.truth == g)}


def test_viewpoints_follow_planted_groups(planted, oracle):
    m = _build(planted, oracle)
    assert len(m.viewpoints) == 4
    assert [v.n_members for v in m.viewpoints] == [14, 11, 8, 6]  # ordered by size
    for g, v in enumerate(m.viewpoints):
        assert set(v.member_ids) == _group_ids(planted, g)
        assert v.index == g
        assert not v.is_other
        assert v.side == (1 if g % 2 == 0 else -1)


def test_headline_quotes_and_phrases_come_from_the_group(planted, oracle):
    m = _build(planted, oracle)
    for g, v in enumerate(m.viewpoints):
        members = _group_ids(planted, g)
        terms = TOPIC_WORDS[planted.topics[g]]
        assert v.headline_id in members
        assert v.headline in planted.texts[planted.ids.index(v.headline_id)]
        assert any(t in v.headline.lower() for t in terms), v.headline
        assert 2 <= len(v.quote_ids) <= 3
        assert len(set(v.quote_ids)) == len(v.quote_ids)
        assert set(v.quote_ids) <= members
        assert v.headline_id not in v.quote_ids
        assert any(t in v.key_phrases[0] for t in terms), v.key_phrases
        top = [_rate(planted, h, v.key_phrases[0]) for h in range(4)]
        assert top[g] > 0 and all(top[h] == 0 for h in range(4) if h != g), (v.key_phrases[0], top)
        for kp in v.key_phrases:  # over-represented in its own group
            rate = [_rate(planted, h, kp) for h in range(4)]
            assert rate[g] > 2 * np.mean([r for h, r in enumerate(rate) if h != g]), (kp, rate)
    all_phrases = [kp for v in m.viewpoints for kp in v.key_phrases]
    assert len(all_phrases) == len(set(all_phrases))


def _rate(p, g, phrase):
    texts = [p.texts[i].lower().replace("'", " ") for i in np.flatnonzero(p.truth == g)]
    words = phrase.split()
    return sum(all(w in t for w in words) for t in texts) / len(texts)


TOPIC_WORDS = {
    "transit": ("bus", "rail", "transit", "commut", "traffic"),
    "taxes": ("tax",),
    "parks": ("tree", "garden", "green", "playground", "park"),
    "housing": ("housing", "rent", "homeless"),
}


def test_leftovers_go_to_the_other_group(planted, oracle):
    m = _build(planted, oracle)
    leftover_ids = {planted.ids[i] for i in np.flatnonzero(planted.truth < 0)}
    assert m.other is not None and m.other.is_other
    assert m.other.headline == OTHER_HEADLINE
    assert set(m.other.member_ids) == leftover_ids
    assert m.other.x is None and m.other.radius is None
    assert np.array_equal(m.labels < 0, planted.truth < 0)


def test_shares_count_distinct_authors(make_planted, oracle_cls):
    p = make_planted()
    m = _build(p, oracle_cls(p.truth))
    total = sum(v.share for v in m.viewpoints) + m.other.share
    assert total == pytest.approx(1.0)  # one comment per author: shares partition the authors
    # Now the first group is written by two authors only (one of whom also writes elsewhere).
    g0 = np.flatnonzero(p.truth == 0)
    for j, i in enumerate(g0):
        p.authors[i] = ["alice", p.authors[-1]][j % 2]
    m = _build(p, oracle_cls(p.truth))
    n_authors = len(set(p.authors))
    assert m.viewpoints[0].n_authors == 2
    assert m.viewpoints[0].share == pytest.approx(2 / n_authors)
    assert m.viewpoints[1].share == pytest.approx(11 / n_authors)


def test_layout_fields_are_in_the_unit_square(planted, oracle):
    m = _build(planted, oracle)
    for v in m.viewpoints:
        assert v.radius > 0
        assert v.radius <= v.x <= 1 - v.radius and v.radius <= v.y <= 1 - v.radius
    radii = [v.radius for v in m.viewpoints]
    assert radii == sorted(radii, reverse=True)  # area follows share, and groups are ordered by size


def test_deterministic(make_planted):
    p = make_planted(seed=3)
    a = _build(p, ViewpointClusterer(adapter=None))
    b = _build(p, ViewpointClusterer(adapter=None))
    assert np.array_equal(a.labels, b.labels)
    assert [(v.headline, v.quote_ids, v.key_phrases, v.x, v.y) for v in a.viewpoints] == [
        (v.headline, v.quote_ids, v.key_phrases, v.x, v.y) for v in b.viewpoints
    ]


def test_default_clusterer_finds_planted_groups(make_planted):
    from sklearn.metrics import adjusted_rand_score

    p = make_planted(sizes=(40, 30, 25, 20), seed=1)
    m = build_map(p.texts, p.embeddings, sides=None, authors=p.authors, comment_ids=p.ids)
    grouped = p.truth >= 0
    assert adjusted_rand_score(p.truth[grouped], m.labels[grouped]) > 0.9
    assert all(v.side == 0 for v in m.viewpoints)  # no sides given


def test_empty_and_mismatched_inputs(planted):
    empty = build_map([], np.zeros((0, 8)), sides=None, authors=[], comment_ids=[])
    assert empty.viewpoints == [] and empty.other is None and empty.labels.shape == (0,)
    with pytest.raises(ValueError, match="authors"):
        build_map(planted.texts, planted.embeddings, sides=None, authors=["a"], comment_ids=planted.ids)
    with pytest.raises(ValueError, match="embeddings"):
        build_map(planted.texts, planted.embeddings[:3], sides=None, authors=planted.authors, comment_ids=[])


def test_assign_new_places_a_comment_in_the_nearest_viewpoint(planted, oracle):
    m = _build(planted, oracle)
    for g in range(4):
        i = int(np.flatnonzero(planted.truth == g)[0])
        assert assign_new(planted.embeddings[i], m.centroids, min_similarity=0.3) == g
    unrelated = planted.embeddings[planted.truth < 0][0]
    assert assign_new(unrelated, m.centroids, min_similarity=0.3) == -1
    assert assign_new(unrelated, np.zeros((0, 64)), min_similarity=0.0) == -1
