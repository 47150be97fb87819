"""Map layout: unit square, no overlaps, similar viewpoints close, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from forum.analysis.layout import MDSLayout, classical_mds, remove_overlaps


def _assert_valid(pos, radii, padding=0.0):
    assert pos.shape == (len(radii), 2)
    assert np.all(pos - radii[:, None] >= -1e-9) and np.all(pos + radii[:, None] <= 1 + 1e-9)
    for i in range(len(radii)):
        for j in range(i + 1, len(radii)):
            assert np.linalg.norm(pos[i] - pos[j]) >= radii[i] + radii[j] + padding - 1e-6, (i, j)


@pytest.mark.parametrize("k", [1, 2, 5, 30])
def test_within_bounds_and_non_overlapping(k):
    rng = np.random.default_rng(k)
    C = rng.normal(size=(k, 32))
    shares = rng.uniform(0.01, 0.5, size=k)
    lay = MDSLayout().fit(C, shares)
    _assert_valid(lay.positions_, lay.radii_, padding=lay.padding)
    order = np.argsort(shares)
    assert np.all(np.diff(lay.radii_[order]) >= -1e-12)  # bigger share, bigger circle


def test_empty_layout():
    lay = MDSLayout().fit(np.zeros((0, 8)), np.zeros(0))
    assert lay.positions_.shape == (0, 2) and lay.radii_.shape == (0,)


def test_similar_viewpoints_are_placed_close():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 32))
    C = np.stack([a, a + 0.1 * rng.normal(size=32), b, b + 0.1 * rng.normal(size=32), a + b])
    lay = MDSLayout(max_radius=0.05).fit(C, np.ones(5))
    P = lay.positions_
    d = lambda i, j: np.linalg.norm(P[i] - P[j])  # noqa: E731
    assert d(0, 1) < d(0, 2) and d(0, 1) < d(1, 3) and d(2, 3) < d(0, 3)


def test_identical_centroids_are_pulled_apart():
    C = np.ones((6, 4))
    lay = MDSLayout().fit(C, np.full(6, 0.2))
    _assert_valid(lay.positions_, lay.radii_)


def test_remove_overlaps_on_stacked_circles():
    P = remove_overlaps(np.full((10, 2), 0.5), np.full(10, 0.08))
    _assert_valid(P, np.full(10, 0.08))


def test_deterministic_and_sign_fixed():
    C = np.random.default_rng(5).normal(size=(8, 16))
    first = MDSLayout().fit(C, np.arange(1, 9)).positions_
    again = MDSLayout().fit(C.copy(), np.arange(1, 9)).positions_
    assert np.array_equal(first, again)
    xy = classical_mds(C)
    assert np.allclose(np.abs(classical_mds(-C)), np.abs(xy))


def test_weights_must_match():
    with pytest.raises(ValueError, match="weights"):
        MDSLayout().fit(np.zeros((3, 4)), np.ones(2))
