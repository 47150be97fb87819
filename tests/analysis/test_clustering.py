"""ViewpointClusterer: automatic k on planted clusters, leftovers, determinism, sides, scale, ArgKP data."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from forum.analysis.clustering import ViewpointClusterer, assign_to_centroids
from tests.factories import SHARED_DATA

ARGKP = SHARED_DATA / "argkp"
ROOT = Path(__file__).resolve().parents[2]


def _unit(X: np.ndarray) -> np.ndarray:
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def planted(sizes, d=384, noise=0.025, seed=0):
    """Points around random directions; noise per coordinate keeps each cluster tight in 384 dims."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.normal(size=(len(sizes), d)))
    y = np.repeat(np.arange(len(sizes)), sizes)
    return _unit(centres[y] + rng.normal(scale=noise, size=(len(y), d))), y, centres


@pytest.mark.parametrize("adapter", [None, "default"])
def test_recovers_planted_clusters_without_being_told_k(adapter):
    X, y, _ = planted([60, 45, 30, 25, 20, 12])
    vc = ViewpointClusterer(adapter=adapter).fit(X)
    assert vc.n_clusters_ == 6
    assert adjusted_rand_score(y, vc.labels_) > 0.98
    assert vc.centroids_.shape == (6, 384)
    np.testing.assert_allclose(np.linalg.norm(vc.centroids_, axis=1), 1.0, atol=1e-5)
    # clusters are numbered by decreasing size
    assert list(np.bincount(vc.labels_[vc.labels_ >= 0])) == sorted(np.bincount(y), reverse=True)


def test_outliers_are_leftovers():
    X, y, _ = planted([40, 40, 40])
    rng = np.random.default_rng(5)
    outliers = _unit(rng.normal(size=(4, 384)))
    vc = ViewpointClusterer(adapter=None).fit(np.vstack([X, outliers]))
    assert vc.n_clusters_ == 3
    assert np.all(vc.labels_[-4:] == -1)
    assert np.all(vc.labels_[:-4] >= 0)


def test_too_few_comments_are_all_leftovers():
    X, _, _ = planted([2])
    vc = ViewpointClusterer(min_cluster_size=3).fit(X)
    assert vc.n_clusters_ == 0 and list(vc.labels_) == [-1, -1]
    assert vc.centroids_.shape == (0, 384)


def test_deterministic_for_the_same_input():
    X, _, _ = planted([50, 30, 20], noise=0.05, seed=3)
    X = np.vstack([X, _unit(np.random.default_rng(9).normal(size=(300, 384)))])  # unstructured bulk
    a = ViewpointClusterer(random_state=1, max_exact=200).fit(X)
    b = ViewpointClusterer(random_state=1, max_exact=200).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.centroids_, b.centroids_)


def test_viewpoints_never_mix_sides_and_unknown_side_joins_nearest():
    X, y, _ = planted([30, 30, 30, 30])
    sides = np.where(y < 2, 1, -1)
    sides[[0, 35, 70, 100]] = 0  # readers who did not state a side
    vc = ViewpointClusterer(adapter=None).fit(X, sides)
    assert vc.n_clusters_ == 4
    assert adjusted_rand_score(y, vc.labels_) > 0.98
    for k in range(vc.n_clusters_):
        known = sides[vc.labels_ == k]
        assert len(set(known[known != 0].tolist())) == 1
    assert sorted(vc.sides_.tolist()) == [-1, -1, 1, 1]


def test_sides_split_a_group_that_argues_both_ways():
    # one tight group of points, half labelled agree and half disagree: two viewpoints, one per side
    X, _, _ = planted([40])
    sides = np.array([1, -1] * 20)
    vc = ViewpointClusterer(adapter=None).fit(X, sides)
    assert vc.n_clusters_ == 2
    for k in range(2):
        assert len(set(sides[vc.labels_ == k].tolist())) == 1


def test_assign_to_centroids():
    C = np.eye(3, 4, dtype=np.float32)
    X = np.array([[0.9, 0.1, 0, 0], [0, 0, 0.2, 0.98], [0, 2.0, 0, 0]], dtype=np.float32)
    np.testing.assert_array_equal(assign_to_centroids(X, C, 0.5), [0, -1, 1])
    np.testing.assert_array_equal(assign_to_centroids(X, C, -1.0), [0, 2, 1])
    np.testing.assert_array_equal(assign_to_centroids(X, C[:0], 0.0), [-1, -1, -1])


def test_new_comments_assigned_with_the_original_space_centroids():
    X, y, centres = planted([40, 40, 40], seed=4)
    vc = ViewpointClusterer().fit(X)
    fresh, fy, _ = planted([5, 5, 5], seed=4)  # same centres (same seed), new noise draws differ in count
    got = assign_to_centroids(fresh, vc.centroids_, 0.5)
    mapping = {int(fy[i]): int(got[i]) for i in range(len(fy))}
    assert len(set(mapping.values())) == 3 and min(mapping.values()) >= 0


def test_scales_to_20k_points_quickly():
    X, y, _ = planted([5000, 4000, 3000, 2000], noise=0.04, seed=7)
    X = np.vstack([X, _unit(np.random.default_rng(1).normal(size=(6000, 384)))])
    t = time.perf_counter()
    vc = ViewpointClusterer().fit(X)
    elapsed = time.perf_counter() - t
    assert elapsed < 10, f"fit on 20k points took {elapsed:.1f}s"
    assert vc.n_clusters_ >= 4
    assert adjusted_rand_score(y, vc.labels_[: len(y)]) > 0.95
    assert np.mean(vc.labels_[len(y) :] == -1) > 0.9  # unstructured noise stays leftover


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_argkp", ROOT / "bench" / "argkp.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(
    not ARGKP.exists(),
    reason="ArgKP data not present (../shared/data/argkp is not shipped)",
)
def test_argkp_dev_gold_groups():
    split = _load_bench().load_split(ARGKP, "dev")
    assert len(split.arg_ids) == 932 and len(split.kp_ids) == 36
    assert int((split.gold >= 0).sum()) == 604  # arguments matching exactly one key point
    # every gold key point belongs to its argument's topic and stance
    ok = split.gold >= 0
    assert np.all(split.kp_topic[split.gold[ok]] == split.arg_topic[ok])
    assert np.all(split.kp_stance[split.gold[ok]] == split.arg_stance[ok])
