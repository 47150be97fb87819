"""Viewpoint identity across recomputations."""

from __future__ import annotations

import numpy as np

from forum.analysis.identity import jaccard_matrix, match_viewpoints
from forum.analysis.pipeline import build_map


def test_jaccard_matrix():
    J = jaccard_matrix([{1, 2, 3}, {4}], [{2, 3, 4}, set(), {4}])
    assert np.allclose(J, [[0.5, 0, 0], [1 / 3, 0, 1.0]])
    assert jaccard_matrix([], [{1}]).shape == (0, 1)


def test_recompute_with_a_few_members_moved(planted, oracle_cls):
    def groups(m):
        return [set(v.member_ids) for v in m.viewpoints]

    first = build_map(planted.texts, planted.embeddings, sides=planted.sides, authors=planted.authors,
                      comment_ids=planted.ids, clusterer=oracle_cls(planted.truth))  # fmt: skip
    old = {f"vp-{i}": g for i, g in zip((17, 23, 42, 99), groups(first), strict=True)}

    truth = planted.truth.copy()
    g0 = np.flatnonzero(truth == 0)
    truth[g0[:2]] = 1  # two comments move from viewpoint 0 to viewpoint 1
    truth[truth == 3] = -1  # the smallest viewpoint dissolves
    truth[np.flatnonzero(truth == -1)[-3:]] = 3  # and three leftovers form a new one
    second = build_map(planted.texts, planted.embeddings, sides=planted.sides, authors=planted.authors,
                       comment_ids=planted.ids, clusterer=oracle_cls(truth))  # fmt: skip
    match = match_viewpoints(old, groups(second))

    new_groups = groups(second)
    by_old = dict(zip(match.mapping, new_groups, strict=True))
    assert old["vp-17"] - by_old["vp-17"] == {planted.ids[i] for i in g0[:2]}
    assert by_old["vp-23"] >= old["vp-23"] and len(by_old["vp-23"]) == len(old["vp-23"]) + 2
    assert old["vp-42"] == by_old["vp-42"]
    assert match.report.gone == ["vp-99"]
    assert len(match.report.new) == 1 and match.mapping[match.report.new[0]] is None
    assert {k for _, k, _ in match.report.kept} == {"vp-17", "vp-23", "vp-42"}
    assert match.report.moved == 2
    assert match.report.added == 3  # former leftovers now in a viewpoint
    assert match.report.removed == 6  # the dissolved viewpoint's six members are now leftovers


def test_threshold_and_hungarian_choice():
    old = {"a": {1, 2, 3, 4}, "b": {5, 6, 7, 8}}
    # new[0] overlaps both; the assignment gives each old id to its best overall partner
    new = [{1, 2, 5, 6, 7}, {1, 2, 3}, {100, 101, 102, 8}]
    match = match_viewpoints(old, new, threshold=0.3)
    assert match.mapping == ["b", "a", None]
    assert match_viewpoints(old, new, threshold=0.9).mapping == [None, None, None]


def test_empty_sides():
    assert match_viewpoints({}, [{1}]).mapping == [None]
    gone = match_viewpoints({"x": {1}}, [])
    assert gone.mapping == [] and gone.report.gone == ["x"] and gone.report.removed == 1
