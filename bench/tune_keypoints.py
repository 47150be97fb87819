"""Choose the key point analysis settings for the shipped encoder, on ArgKP TRAIN topics only.

    .venv/bin/python bench/train_encoder.py --holdout 4          # an encoder trained without 4 train topics
    .venv/bin/python bench/tune_keypoints.py --encoder /tmp/forum_bench_cache/encoder_holdout4_...

The encoder from a ``--holdout`` run never saw the last four train topics; this scores a grid of settings
on those four (ARI against the gold key points per topic and stance, the product's map computed with the
stances as sides; the KPA-2021 matching score with the current official formula) and prints them best
first. ArgKP dev is never used here: it is for reporting (``bench/argkp.py``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argkp import SHARED_ARGKP, Split, clustering_scores, kpa_map, load_split  # noqa: E402

from forum.analysis.keypoints import KeyPointAnalysis, match_scores  # noqa: E402
from forum.analysis.pipeline import build_map  # noqa: E402
from forum.analysis.sentences import candidate_sentences  # noqa: E402


def _encoder(path: str):
    from forum.analysis.embedders import SentenceTransformerEmbedder

    return (
        SentenceTransformerEmbedder(name="holdout", overlay=path) if path else SentenceTransformerEmbedder()
    )


def held_out(split: Split, n: int) -> list[str]:
    topics = sorted(set(split.arg_topic))
    return topics[len(topics) - n :]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(SHARED_ARGKP))
    p.add_argument("--encoder", default="", help="overlay folder of a --holdout encoder ('' = base model)")
    p.add_argument("--holdout", type=int, default=4)
    a = p.parse_args(argv)
    split = load_split(a.data, "train")
    topics = held_out(split, a.holdout)
    embedder = _encoder(a.encoder)
    keep = np.isin(split.arg_topic, topics)
    idx_all = np.flatnonzero(keep)
    texts = [split.arg_texts[i] for i in idx_all]
    sentences_all = candidate_sentences(texts)
    vec = dict(zip(texts, embedder.encode(texts), strict=True))
    svec = {
        t: v
        for t, v in zip(
            [s.text for s in sentences_all], embedder.encode([s.text for s in sentences_all]), strict=True
        )
    }
    split.arg_emb = np.zeros((len(split.arg_texts), 384), np.float32)
    split.arg_emb[idx_all] = np.stack([vec[t] for t in texts])
    split.kp_emb = embedder.encode(split.kp_texts)
    sub = Split(
        arg_ids=[split.arg_ids[i] for i in idx_all], arg_texts=texts, arg_topic=split.arg_topic[idx_all],
        arg_stance=split.arg_stance[idx_all], kp_ids=split.kp_ids, kp_texts=split.kp_texts,
        kp_topic=split.kp_topic, kp_stance=split.kp_stance, labels=split.labels, gold=split.gold[idx_all],
    )  # fmt: skip
    sub.arg_emb, sub.kp_emb = split.arg_emb[idx_all], split.kp_emb
    for centre in (0.0, 0.5, 1.0):
        print(
            f"matching, centre={centre}:", kpa_map(sub, lambda k, x, c=centre: match_scores(k, x, centre=c))
        )
    rows = []
    grid = itertools.product((0.5,), (0.6, 0.7), (0.2,), (0.5, 0.7, 0.8, 0.9, None), (0,))
    for centre, thr, assign, quantile, refine in grid:
        dup = 0.75
        aris, ks, gold_ks = [], [], []
        for topic in topics:
            t_idx = np.flatnonzero(sub.arg_topic == topic)
            t_texts = [sub.arg_texts[i] for i in t_idx]
            sents = candidate_sentences(t_texts)
            S = np.stack([svec[s.text] for s in sents]) if sents else np.zeros((0, 384), np.float32)
            stance = sub.arg_stance[t_idx]
            kpa = KeyPointAnalysis(
                match_threshold=thr, assign_threshold=assign, secondary_threshold=thr + 0.1,
                duplicate_similarity=dup, centre=centre, refine_iter=refine, match_quantile=quantile,
                min_match=0.2,
            )  # fmt: skip
            ids = list(range(len(t_idx)))
            r = build_map(t_texts, sub.arg_emb[t_idx], sides=stance, authors=ids, comment_ids=ids,
                          sentences=sents, sentence_embeddings=S, key_points=kpa)  # fmt: skip
            labels = np.full(len(t_idx), -1)
            for v in r.viewpoints:
                labels[v.member_ids] = v.index
            gold = sub.gold[t_idx]
            for s in (1, -1):
                m = stance == s
                aris.append(clustering_scores(gold[m], labels[m])["ari"])
                ks.append(len({v.index for v in r.viewpoints if v.side == s}))
                gold_ks.append(len(set(gold[m][gold[m] >= 0].tolist())))
        rows.append(
            (
                float(np.mean(aris)),
                centre,
                thr,
                assign,
                quantile,
                refine,
                float(np.mean(ks)),
                float(np.mean(gold_ks)),
            )
        )
    rows.sort(key=lambda r: -r[0])
    print("| ARI | centre | match | assign | quantile | refine | key points per side | gold per side |")
    for r in rows[:25]:
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
