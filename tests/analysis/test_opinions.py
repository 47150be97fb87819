"""Opinion groups from votes: planted camps, repness, consensus, scale, exclusions, next-comment choice."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from forum.analysis.opinions import (
    OpinionGroups,
    choose_k,
    choose_next_comment,
    compute_opinion_groups,
    next_comment_priorities,
    polis_kmeans,
    smooth_k,
)
from tests.factories import SHARED_DATA

POLIS_DATA = SHARED_DATA / "polis"


def planted(
    n_camps: int,
    per_camp: int | tuple[int, ...] = 40,
    n_comments: int = 30,
    density: float = 0.7,
    seed: int = 0,
):
    """Camps with opposite stances on most comments; comment 0 is agreed by everyone."""
    rng = np.random.default_rng(seed)
    camp = np.repeat(np.arange(n_camps), per_camp)
    stance = rng.choice([-1, 1], size=(n_camps, n_comments))
    stance[:, 0] = 1
    p, c, v = [], [], []
    for i in range(camp.size):
        for j in range(n_comments):
            if j == 0 or rng.random() < density:
                r = rng.random()
                vote = -stance[camp[i], j] if r < 0.08 else (0 if r < 0.12 else stance[camp[i], j])
                p.append(i), c.append(j), v.append(vote)
    return np.array(p), np.array(c), np.array(v), camp.size, n_comments, camp, stance


def ring(n_camps: int, per_camp: int = 40, n_comments: int = 60, seed: int = 0):
    """Camps at equal angles on a circle of opinion (two latent axes, so PCA keeps them apart)."""
    rng = np.random.default_rng(seed)
    camp = np.repeat(np.arange(n_camps), per_camp)
    theta = 2 * np.pi * np.arange(n_camps) / n_camps
    stance = np.sign(np.cos(theta[:, None] - rng.uniform(0, 2 * np.pi, n_comments)[None, :])).astype(int)
    p, c = np.nonzero(rng.random((camp.size, n_comments)) < 0.8)
    v = stance[camp[p], c]
    r = rng.random(p.size)
    v = np.where(r < 0.05, -v, np.where(r < 0.1, 0, v))
    return p, c, v, camp.size, n_comments, camp


@pytest.mark.parametrize("n_camps", [2, 3])
def test_planted_camps_are_recovered(n_camps: int) -> None:
    p, c, v, n, m, camp, _ = planted(n_camps)
    r = compute_opinion_groups(p, c, v, n, m)
    assert r.k == n_camps
    assert adjusted_rand_score(camp, r.participant_group) == 1.0
    assert all(g.size >= 3 for g in r.groups)
    assert sum(g.size for g in r.groups) == n
    assert np.isfinite(r.positions).all()


def test_uneven_two_camps_give_two_groups() -> None:
    p, c, v, n, m, camp, _ = planted(2, per_camp=(150, 20), seed=1)
    r = compute_opinion_groups(p, c, v, n, m)
    assert r.k == 2
    assert sorted(g.size for g in r.groups) == [20, 150]
    assert adjusted_rand_score(camp, r.participant_group) == 1.0


def test_no_votes_give_no_groups() -> None:
    """Issue 13 item 6: a story with no votes (or no comments) crashed on labels.max() of an empty array."""
    none = np.array([], dtype=np.int64)
    for n_comments in (0, 5):
        r = compute_opinion_groups(none, none, none, 0, n_comments)
        assert r.k == 0 and r.groups == [] and r.participant_group.size == 0
        assert r.comment_stats.group_seen.shape == (0, n_comments)


@pytest.mark.parametrize("votes", ["everyone agrees", "one vote per comment"])
def test_votes_that_differ_in_nothing_give_one_group(votes: str) -> None:
    """Early in a story: every vote equals its comment's mean, so the centred matrix is all zeros (ARPACK
    used to fail on it with "Starting vector is zero", and the opinion job and the sweep with it)."""
    n = 12
    if votes == "everyone agrees":
        p, c = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    else:
        p, c = np.arange(n), np.arange(n)
    r = compute_opinion_groups(p, c, np.ones(p.size), n, n)
    assert r.k == 1 and r.groups[0].size == n
    assert (r.positions == 0).all()  # nobody is placed apart from anyone


def test_two_camps_voting_alike_within_each_give_two_groups() -> None:
    """Every member of a camp votes exactly alike, so the base k-means finds two distinct centres; Pol.is's
    k rule still allows two groups (this once gave one)."""
    n, m = 20, 8
    p, c = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(m), indexing="ij"))
    camp = (np.arange(n) < 12).astype(int)
    r = compute_opinion_groups(p, c, np.where(camp[p] == 1, 1.0, -1.0), n, m)
    assert r.k == 2 and adjusted_rand_score(camp, r.participant_group) == 1.0


def test_a_matrix_arpack_cannot_factor_falls_back_to_the_randomised_svd(monkeypatch) -> None:
    from scipy.sparse.linalg import ArpackError

    import forum.analysis.opinion_geometry as geometry

    def fails(*args, **kwargs):
        raise ArpackError(-9)

    p, c, v, n, m, camp, _ = planted(2)
    monkeypatch.setattr(geometry, "svds", fails)
    r = compute_opinion_groups(p, c, v, n, m)
    assert r.k == 2 and adjusted_rand_score(camp, r.participant_group) == 1.0


def test_more_than_five_groups_only_with_a_clear_silhouette_margin() -> None:
    p, c, v, n, m, camp = ring(6)
    est = OpinionGroups(max_k=8).fit(p, c, v, n, m)
    r = est.result_
    assert r.k == 6 and adjusted_rand_score(camp, r.participant_group) > 0.95
    best_low = max(s for k, s in est.silhouettes_.items() if k <= 5)
    assert est.silhouettes_[6] > best_low + est.k_margin
    assert compute_opinion_groups(p, c, v, n, m).k <= 5  # the default cap, as Pol.is's
    assert compute_opinion_groups(p, c, v, n, m, max_k=8, k_margin=0.5).k <= 5  # margin not cleared
    assert choose_k({2: 0.50, 3: 0.40, 6: 0.52}, 0.03) == 2
    assert choose_k({2: 0.50, 3: 0.40, 6: 0.60, 7: 0.55}, 0.03) == 6
    assert choose_k({2: 0.45, 4: 0.45}, 0.03) == 2  # ties go to the smaller k


def test_polis_kmeans_starts_from_the_first_distinct_points() -> None:
    x = np.array([[0.0, 0.0], [0.0, 0.0], [10.0, 0.0], [0.2, 0.0], [10.2, 0.0], [4.0, 9.0]])
    cent, lab = polis_kmeans(x, np.ones(len(x)), 2, max_iters=20)
    assert lab.tolist() == [0, 0, 1, 0, 1, 0]
    np.testing.assert_allclose(cent[lab[2]], x[lab == lab[2]].mean(0))
    weighted, _ = polis_kmeans(x[:2] + [[0, 0], [4, 0]], np.array([3.0, 1.0]), 1, max_iters=5)
    np.testing.assert_allclose(weighted, [[1.0, 0.0]])


def test_representative_statements_follow_the_planted_stances() -> None:
    p, c, v, n, m, camp, stance = planted(2)
    r = compute_opinion_groups(p, c, v, n, m)
    for g in r.groups:
        planted_camp = np.bincount(camp[g.members]).argmax()
        assert 1 <= len(g.representative) <= 5
        assert g.representative[0].direction == "agree"
        for s in g.representative:
            expected = "agree" if stance[planted_camp, s.comment] == 1 else "disagree"
            assert s.direction == expected
            assert s.comment != 0  # everyone agrees with 0: it represents no single group
            assert s.p_test > 1.2816 and s.ratio_test > 1.2816 and s.ratio > 1


def test_consensus_and_group_informed_consensus() -> None:
    p, c, v, n, m, _, stance = planted(2)
    r = compute_opinion_groups(p, c, v, n, m)
    shared = set(np.flatnonzero((stance[0] == 1) & (stance[1] == 1)).tolist())
    assert 0 in {s.comment for s in r.consensus_agree}
    assert {s.comment for s in r.consensus_agree} <= shared
    assert all(s.p > 0.8 and s.p_test > 1.2816 for s in r.consensus_agree)
    assert {s.comment for s in r.consensus_disagree} <= set(np.flatnonzero(stance.sum(0) == -2).tolist())
    gic = r.comment_stats.gic
    assert gic.argmax() in shared
    split = np.flatnonzero(stance[0] != stance[1])
    assert (gic[0] > gic[split]).all()
    assert set(r.divisive) <= set(split.tolist()) and r.divisive
    assert r.comment_stats.divisiveness[r.divisive[0]] > 0.5


def test_group_reactions_for_a_viewpoint() -> None:
    p, c, v, n, m, camp, stance = planted(2)
    r = compute_opinion_groups(p, c, v, n, m)
    view = np.flatnonzero((stance[0] == 1) & (stance[1] == -1))
    reactions = r.group_reactions(view)
    by_camp = {np.bincount(camp[g.members]).argmax(): reactions[g.index] for g in r.groups}
    assert by_camp[0].agree > 0.8 and by_camp[1].disagree > 0.8
    assert by_camp[0].agree + by_camp[0].disagree + by_camp[0].passed == pytest.approx(1.0)


def test_tiny_outlier_groups_are_merged() -> None:
    p, c, v, n, m, _, stance = planted(2)
    # Two far-out voters who disagree with everything would form a group of two.
    extra = [(n + i, j, -1) for i in range(2) for j in range(m)]
    ep, ec, ev = (np.array(x) for x in zip(*extra, strict=True))
    r = compute_opinion_groups(np.r_[p, ep], np.r_[c, ec], np.r_[v, ev], n + 2, m, max_k=8)
    assert min(g.size for g in r.groups) >= 3
    assert (r.participant_group[n:] >= 0).all()


def test_excluded_comments_and_participants_leave_the_geometry() -> None:
    p, c, v, n, m, camp, _ = planted(2)
    excluded = np.zeros(m, dtype=bool)
    excluded[5] = True
    base = compute_opinion_groups(p, c, v, n, m, excluded_comments=excluded)
    flipped = compute_opinion_groups(p, c, np.where(c == 5, -v, v), n, m, excluded_comments=excluded)
    np.testing.assert_allclose(base.positions, flipped.positions)
    assert base.comment_stats.components[5].tolist() == [0.0, 0.0]
    assert all(s.comment != 5 for g in base.groups for s in g.representative)
    banned = np.zeros(n, dtype=bool)
    banned[:3] = True
    r = compute_opinion_groups(p, c, v, n, m, excluded_participants=banned)
    assert (r.participant_group[:3] == -1).all() and np.isnan(r.positions[:3]).all()
    assert adjusted_rand_score(camp[3:], r.participant_group[3:]) == 1.0
    assert r.comment_stats.seen[0] == n - 3


def test_participant_filter_and_top_up() -> None:
    p, c, v, n, m, _, _ = planted(2, per_camp=10)
    keep = (p < 5) | ((p >= 5) & (p < 10) & (c < 3))  # five heavy voters, five with at most three votes
    r = compute_opinion_groups(p[keep], c[keep], v[keep], n, m)
    assert (r.participant_group[:10] >= 0).all()  # fewer than 15 met the threshold: topped up
    assert (r.participant_group[10:] == -1).all()  # never voted
    assert np.isnan(r.positions[10:]).all()
    heavy_only = compute_opinion_groups(p[p < 20], c[p < 20], v[p < 20], n, m, greedy_n=0)
    assert (heavy_only.participant_group >= 0).all()


def test_duplicate_votes_keep_the_last_one_and_bad_values_fail() -> None:
    r = compute_opinion_groups([0, 0], [0, 0], [1, -1], 1, 1)
    assert r.comment_stats.disagree[0] == 1 and r.comment_stats.agree[0] == 0
    with pytest.raises(ValueError, match="vote values"):
        compute_opinion_groups([0], [0], [2], 1, 1)
    with pytest.raises(ValueError, match="out of range"):
        compute_opinion_groups([3], [0], [1], 1, 1)


def test_deterministic() -> None:
    p, c, v, n, m, _, _ = planted(3, seed=4)
    a = OpinionGroups(random_state=7).fit(p, c, v, n, m).result_
    b = OpinionGroups(random_state=7).fit(p, c, v, n, m).result_
    shuffled = np.random.default_rng(1).permutation(p.size)  # vote order does not matter
    d = OpinionGroups(random_state=7).fit(p[shuffled], c[shuffled], v[shuffled], n, m).result_
    np.testing.assert_array_equal(a.participant_group, d.participant_group)
    np.testing.assert_array_equal(a.participant_group, b.participant_group)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert [s.comment for g in a.groups for s in g.representative] == [
        s.comment for g in b.groups for s in g.representative
    ]


def test_large_sparse_input_never_builds_a_dense_matrix() -> None:
    rng = np.random.default_rng(0)
    n, m, n_votes = 10_000, 2_000, 500_000
    keys = rng.choice(n * m, size=n_votes, replace=False)
    p, c = keys // m, keys % m
    camp = rng.integers(0, 2, size=n)
    stance = rng.choice(np.array([-1, 1], dtype=np.int8), size=(2, m))
    v = np.where(rng.random(n_votes) < 0.1, 0, stance[camp[p], c])
    tracemalloc.start()
    r = compute_opinion_groups(p, c, v, n, m)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.5 * n * m * 8, f"peak {peak / 2**20:.0f} MiB suggests a dense float64 matrix"
    assert adjusted_rand_score(camp, r.participant_group) > 0.95
    assert min(g.size for g in r.groups) >= 3


def test_next_comment_priority_and_choice() -> None:
    pr = next_comment_priorities(
        np.array([0, 10, 18]), np.array([0, 10, 2]), np.array([0, 20, 20]), np.zeros(3)
    )
    assert pr[0] > pr[2] > pr[1]  # unseen comments bubble up; agreed-with beat split ones
    meta = next_comment_priorities([0], [0], [0], [0], meta=[True])
    assert meta[0] == 49.0
    rng = np.random.default_rng(0)
    voted = np.array([True, False, False, True, False])
    own = np.array([False, True, False, False, False])
    picks = {choose_next_comment(np.ones(5), voted, own, rng) for _ in range(200)}
    assert picks == {2, 4}
    assert choose_next_comment(np.ones(2), np.array([True, False]), np.array([False, True]), rng) is None
    assert choose_next_comment(np.zeros(3), np.zeros(3, bool), np.zeros(3, bool), rng) in {0, 1, 2}


def test_result_priorities_zero_for_excluded_comments() -> None:
    p, c, v, n, m, _, _ = planted(2)
    excluded = np.zeros(m, dtype=bool)
    excluded[3] = True
    r = compute_opinion_groups(p, c, v, n, m, excluded_comments=excluded)
    pr = r.comment_priorities()
    assert pr[3] == 0 and (np.delete(pr, 3) > 0).all()


@pytest.mark.parametrize(
    ("folder", "min_ari"),
    [("scoop-hivemind.taxes", 0.8), ("ssis.land-bank-farmland.2rumnecbeh.2021-08-01", 0.9)],
)
def test_real_polis_conversation_matches_polis_groups(folder: str, min_ari: float) -> None:
    path = POLIS_DATA / folder
    if not path.is_dir():
        pytest.skip(f"shared Pol.is data not available at {path}")
    from forum.interop.polis import read_polis_export

    conv = read_polis_export(path)
    pids = np.array(sorted(x.id for x in conv.participants))
    cids = np.array(sorted(x.id for x in conv.comments))
    excluded = np.isin(cids, [x.id for x in conv.comments if x.moderated == -1 or x.is_meta])
    p, c = np.searchsorted(pids, conv.votes.participant), np.searchsorted(cids, conv.votes.comment)
    r = compute_opinion_groups(p, c, conv.votes.value, len(pids), len(cids), excluded)
    polis = {x.id: x.group_id for x in conv.participants if x.group_id is not None}
    n_votes = np.bincount(p, minlength=len(pids))
    idx = [i for i in np.flatnonzero(n_votes >= 7) if pids[i] in polis]
    assert r.k == len(set(polis.values()))
    assert adjusted_rand_score([polis[pids[i]] for i in idx], r.participant_group[idx]) > min_ari


@pytest.mark.parametrize("n_camps", [2, 3, 4])
def test_k_by_held_out_prediction_finds_the_planted_camps(n_camps: int) -> None:
    p, c, v, n, m, camp, _ = planted(n_camps)
    est = OpinionGroups(k_rule="predict", k_margin=0.005).fit(p, c, v, n, m)
    assert est.result_.k == n_camps and adjusted_rand_score(camp, est.result_.participant_group) == 1.0
    assert max(est.k_gains_, key=est.k_gains_.get) == n_camps and est.k_gains_[n_camps] > 0


@pytest.mark.parametrize("options", [{"n_components": 2, "init": "polis"}, {"n_components": 5}])
def test_clustering_options_recover_planted_camps(options: dict) -> None:
    p, c, v, n, m, camp, _ = planted(3)
    r = compute_opinion_groups(p, c, v, n, m, **options)
    assert r.k == 3 and adjusted_rand_score(camp, r.participant_group) > 0.95
    assert r.positions.shape == (n, 2)  # two components are drawn, whatever is clustered
    with pytest.raises(ValueError, match="k_rule"):
        compute_opinion_groups(p, c, v, n, m, k_rule="elbow")


def test_smooth_k_needs_four_wins_in_a_row() -> None:
    state = smooth_k(None, 2)
    assert state == {"k": 2, "challenger": 2, "wins": 0}
    for chosen, k, wins in [(3, 2, 1), (3, 2, 2), (4, 2, 1), (3, 2, 1), (3, 2, 2), (3, 2, 3), (3, 3, 0)]:
        state = smooth_k(state, chosen)
        assert (state["k"], state["wins"]) == (k, wins), (chosen, state)
    assert smooth_k(state, 3) == {"k": 3, "challenger": 3, "wins": 0}
    assert smooth_k({"k": 0}, 2)["k"] == 2  # no groups before: take the choice at once
