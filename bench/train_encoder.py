"""Fine-tune the packaged all-MiniLM-L6-v2 on ArgKP TRAIN (argument, matching key point) pairs.

    python bench/train_encoder.py --hard-negatives               # writes forum/analysis/data/encoder/
    python bench/train_encoder.py --hard-negatives --holdout 4   # validation: 4 train topics held out

A dev tool: the product never reads ArgKP, only the files this writes. The word and position embeddings
stay frozen and only the six transformer layers train, so the shipped file holds just those layers' weights
(float16, about 21 MB) and is laid over the packaged base model when it loads
(:class:`forum.analysis.embedders.FineTunedEmbedder`).

Loss: MultipleNegativesRankingLoss written out (symmetric in-batch softmax over cosine similarities times
``--scale``), with batches that never hold the same key point or argument twice (a repeated key point
would be a false negative), optionally with one hard negative per pair: a key point of the same topic
labelled as not matching. Seeded: the same data and settings give the same weights on the same machine.

``--holdout N`` trains on all but the last N train topics and prints the KPA-2021 matching score (current
official formula) on those N, against the base model on the same topics: this is how settings are chosen,
never on dev.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argkp import Split, kpa_map, load_split  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "forum" / "analysis" / "data" / "encoder"
SHARED = REPO.parent / "shared" / "data" / "argkp"


def _pairs(
    split: Split, topics: set[str], hard: bool, rng: random.Random
) -> list[tuple[str, str, str | None]]:
    """(argument, matching key point, hard negative or None) for every positive label in ``topics``."""
    kp_of = {k: i for i, k in enumerate(split.kp_ids)}
    arg_of = {a: i for i, a in enumerate(split.arg_ids)}
    negatives: dict[str, list[str]] = {}
    for (a, k), v in split.labels.items():
        if v == 0:
            negatives.setdefault(a, []).append(split.kp_texts[kp_of[k]])
    out = []
    for (a, k), v in sorted(split.labels.items()):
        ai = arg_of[a]
        if v != 1 or split.arg_topic[ai] not in topics:
            continue
        neg = None
        if hard and negatives.get(a):
            neg = rng.choice(sorted(negatives[a]))
        out.append((split.arg_texts[ai], split.kp_texts[kp_of[k]], neg))
    return out


def _batches(pairs: list, size: int, rng: random.Random) -> list[list]:
    """Shuffled batches in which no key point and no argument appears twice."""
    queue = pairs[:]
    rng.shuffle(queue)
    batches = []
    while queue:
        batch, seen, rest = [], set(), []
        for p in queue:
            if len(batch) < size and p[0] not in seen and p[1] not in seen:
                batch.append(p)
                seen.update((p[0], p[1]))
            else:
                rest.append(p)
        batches.append(batch)
        queue = rest
    return batches


def train(split: Split, topics: set[str], args) -> object:
    import torch
    import torch.nn.functional as F

    from forum.analysis.embedders import base_model_path

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(base_model_path()), device="cpu")
    bert = model[0].auto_model
    for name, p in bert.named_parameters():
        p.requires_grad = name.startswith("encoder.")
    params = [p for p in bert.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    pairs = _pairs(split, topics, args.hard_negatives, rng)
    steps = sum(len(_batches(pairs, args.batch, random.Random(args.seed + e))) for e in range(args.epochs))
    warm = max(1, int(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm))
    )

    def embed(texts: list[str]):
        features = model.tokenize(texts)
        return F.normalize(model(features)["sentence_embedding"], dim=-1)

    model.train()
    t0, step = time.time(), 0
    for epoch in range(args.epochs):
        for batch in _batches(pairs, args.batch, random.Random(args.seed + epoch)):
            a = embed([p[0] for p in batch])
            k_texts = [p[1] for p in batch] + [p[2] for p in batch if p[2] is not None]
            k = embed(k_texts)
            logits = args.scale * a @ k.T
            target = torch.arange(len(batch))
            loss = F.cross_entropy(logits, target)
            loss = 0.5 * (loss + F.cross_entropy(logits[:, : len(batch)].T, target))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 20 == 0:
                print(
                    f"epoch {epoch} step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s",
                    flush=True,
                )
    model.eval()
    return model


def _encode(model, texts: list[str]) -> np.ndarray:
    return np.asarray(model.encode(texts, batch_size=64, normalize_embeddings=True), dtype=np.float32)


def _score(split: Split, model, topics: set[str]) -> dict[str, float]:
    keep = np.array([t in topics for t in split.arg_topic])
    sub = Split(
        arg_ids=[a for a, k in zip(split.arg_ids, keep, strict=True) if k],
        arg_texts=[a for a, k in zip(split.arg_texts, keep, strict=True) if k],
        arg_topic=split.arg_topic[keep],
        arg_stance=split.arg_stance[keep],
        kp_ids=split.kp_ids,
        kp_texts=split.kp_texts,
        kp_topic=split.kp_topic,
        kp_stance=split.kp_stance,
        labels=split.labels,
        gold=split.gold[keep],
    )
    sub.arg_emb = _encode(model, sub.arg_texts)
    sub.kp_emb = _encode(model, sub.kp_texts)
    return kpa_map(sub, lambda k, a: k @ a.T)


def save(model, out: Path, meta: dict) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    bert = model[0].auto_model
    state = {
        n: p.detach().to("cpu").half().contiguous()
        for n, p in bert.named_parameters()
        if n.startswith("encoder.")
    }
    save_file(state, str(out / "layers.safetensors"))
    (out / "encoder.json").write_text(json.dumps(meta, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(SHARED), help="folder with the ArgKP csv files")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--scale", type=float, default=20.0)
    p.add_argument("--hard-negatives", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--holdout", type=int, default=0, help="validation: hold out the last N train topics")
    a = p.parse_args(argv)
    split = load_split(a.data, "train")
    topics = sorted(set(split.arg_topic))
    held = set(topics[len(topics) - a.holdout :]) if a.holdout else set()
    t0 = time.time()
    model = train(split, set(topics) - held, a)
    seconds = round(time.time() - t0)
    print(f"trained in {seconds} s", flush=True)
    if held:
        from sentence_transformers import SentenceTransformer

        tag = f"holdout{a.holdout}_e{a.epochs}_lr{a.lr}{'_hard' if a.hard_negatives else ''}"
        save(model, Path("/tmp/forum_bench_cache") / f"encoder_{tag}", {"holdout_topics": sorted(held)})

        from forum.analysis.embedders import base_model_path

        base = SentenceTransformer(str(base_model_path()), device="cpu")
        print(
            "held-out train topics:",
            json.dumps({"base": _score(split, base, held), "tuned": _score(split, model, held)}),
        )
        return 0
    meta = {
        "name": "minilm-argkp",
        "base_model": "all-MiniLM-L6-v2",
        "trained_on": "IBM Debater ArgKP train split (CDLA-Sharing-1.0)",
        "settings": {k: getattr(a, k) for k in ("epochs", "batch", "lr", "scale", "hard_negatives", "seed")},
        "train_seconds": seconds,
    }
    save(model, a.out, meta)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
