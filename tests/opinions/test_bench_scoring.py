"""The opinion-group benchmark's scoring (bench/vote_prediction.py): what it reports must mean something."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import vote_prediction as vp  # noqa: E402


def _camps(n_p=200, n_c=40, seed=0):
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, 2, n_p)
    stance = rng.choice([-1, 1], size=(2, n_c))
    p, c = np.nonzero(rng.random((n_p, n_c)) < 0.6)
    v = np.where(rng.random(p.size) < 0.1, 0, stance[camp[p], c])
    return p, c, v, camp, n_c


def test_true_groups_gain_and_random_groups_do_not():
    p, c, v, camp, n_c = _camps()
    hidden = vp.hidden_split(p, c, np.ones(n_c, bool))
    assert 0.09 < hidden.mean() < 0.11
    true = vp.prediction_scores(p, c, v, hidden, camp, n_c)
    rand = vp.prediction_scores(p, c, v, hidden, np.random.default_rng(1).integers(0, 2, camp.size), n_c)
    none = vp.prediction_scores(p, c, v, hidden, np.full(camp.size, -1), n_c)
    assert true["gain"] > 0.2 and true["accuracy"] > 0.85 > true["accuracy_base"]
    assert rand["gain"] < 0.01 and none["gain"] == 0.0
    assert none["accuracy"] == none["accuracy_base"]


def test_hidden_votes_come_only_from_readers_with_seven_votes_on_active_comments():
    p, c, v, camp, n_c = _camps()
    few = np.isin(p, [0, 1, 2])
    p, c, v = p[~few | (c < 5)], c[~few | (c < 5)], v[~few | (c < 5)]  # readers 0-2: at most 5 votes
    active = np.arange(n_c) >= 3
    hidden = vp.hidden_split(p, c, active, seed=4)
    assert not np.isin(p[hidden], [0, 1, 2]).any() and active[c[hidden]].all()
    assert (hidden == vp.hidden_split(p, c, active, seed=4)).all(), "seeded"


def test_stability_is_one_for_a_method_that_ignores_the_subsample():
    p, c, v, camp, n_c = _camps()
    out = vp.evaluate(lambda *_: camp, p, c, v, np.ones(n_c, bool), n_c)
    assert out["stability"] == 1.0 and out["k"] == 2
    flips = iter(range(100))
    out = vp.evaluate(lambda *_: np.where(next(flips) % 2, camp, 1 - camp), p, c, v, np.ones(n_c, bool), n_c)
    assert out["stability"] == 1.0, "ARI ignores which label is which"
    noisy = vp.evaluate(
        lambda *_: np.random.default_rng().integers(0, 2, camp.size), p, c, v, np.ones(n_c, bool), n_c
    )
    assert noisy["stability"] < 0.2
