"""Viewpoint clustering and key-point matching quality on IBM Debater ArgKP, ours beside baselines.

    python bench/argkp.py [--data ../shared/data/argkp] --split dev [--json FILE]

Gold groups: within each topic and stance, an argument's gold group is the key point it matches when it
matches exactly one (label 1 for exactly one key point); other arguments are still clustered but not
scored.  Leftovers (label -1) are scored as one group, as the product shows them ("other arguments").

Clustering scores (ARI headline, NMI, V-measure) are macro-averaged over topic+stance, clustering each
topic with its stances given as sides.  ``ari_pooled`` clusters each topic with sides unknown and scores
ARI per topic; ``stance_purity`` is, in that pooled setting, the fraction of scored arguments that lie in a
cluster whose majority stance is their own (leftovers count as impure only if the -1 group's majority
differs).  Matching follows the KPA-2021 shared task (track 1): each argument's top-scoring key point of
its topic+stance; per topic+stance keep the top 50% of those pairs by score; average precision with
unlabelled pairs negative (strict) or positive (relaxed); mean over topic+stance.

MiniLM embeddings of the texts are cached under /tmp (``--cache``); computing them takes a few minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import (
    adjusted_rand_score,
    average_precision_score,
    normalized_mutual_info_score,
    v_measure_score,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_CACHE = Path("/tmp/forum_bench_cache/argkp_minilm.npz")
SHARED_ARGKP = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "argkp"


@dataclass
class Split:
    """One ArgKP split: arguments, key points and labels, with embeddings once ``embed`` has run."""

    arg_ids: list[str]
    arg_texts: list[str]
    arg_topic: np.ndarray  # (n,) object
    arg_stance: np.ndarray  # (n,) int
    kp_ids: list[str]
    kp_texts: list[str]
    kp_topic: np.ndarray
    kp_stance: np.ndarray
    labels: dict[tuple[str, str], int]
    gold: np.ndarray  # (n,) index into kp_ids, or -1 when not exactly one match
    arg_emb: np.ndarray | None = None
    kp_emb: np.ndarray | None = None

    def groups(self) -> list[tuple[str, int, np.ndarray]]:
        """(topic, stance, argument indices) for every topic+stance, in a stable order."""
        out = []
        for topic in sorted(set(self.arg_topic)):
            for stance in (1, -1):
                idx = np.flatnonzero((self.arg_topic == topic) & (self.arg_stance == stance))
                if len(idx):
                    out.append((topic, stance, idx))
        return out

    def topics(self) -> list[tuple[str, np.ndarray]]:
        return [(t, np.flatnonzero(self.arg_topic == t)) for t in sorted(set(self.arg_topic))]


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_split(data_dir: str | Path, split: str) -> Split:
    """Read ``arguments_SPLIT.csv``, ``key_points_SPLIT.csv`` and ``labels_SPLIT.csv`` from ``data_dir``."""
    d = Path(data_dir)
    args = _read(d / f"arguments_{split}.csv")
    kps = _read(d / f"key_points_{split}.csv")
    labels = {(r["arg_id"], r["key_point_id"]): int(r["label"]) for r in _read(d / f"labels_{split}.csv")}
    kp_index = {r["key_point_id"]: i for i, r in enumerate(kps)}
    positives: dict[str, list[str]] = defaultdict(list)
    for (a, k), v in labels.items():
        if v == 1:
            positives[a].append(k)
    gold = np.array(
        [kp_index[positives[a["arg_id"]][0]] if len(positives[a["arg_id"]]) == 1 else -1 for a in args]
    )
    return Split(
        arg_ids=[a["arg_id"] for a in args],
        arg_texts=[a["argument"] for a in args],
        arg_topic=np.array([a["topic"] for a in args], dtype=object),
        arg_stance=np.array([int(a["stance"]) for a in args]),
        kp_ids=[k["key_point_id"] for k in kps],
        kp_texts=[k["key_point"] for k in kps],
        kp_topic=np.array([k["topic"] for k in kps], dtype=object),
        kp_stance=np.array([int(k["stance"]) for k in kps]),
        labels=labels,
        gold=gold,
    )


def embed_texts(texts: list[str], cache: Path = DEFAULT_CACHE, embedder: str = "minilm-base") -> np.ndarray:
    """Embeddings (L2-normalised float32) of ``texts`` by the product's embedder ``embedder`` ("minilm-base"
    the packaged model, "minilm" the shipped fine-tuned one), encoding only those not in the cache."""
    from forum.analysis.embedders import make_embedder

    model = make_embedder(embedder)
    if model.name != "all-MiniLM-L6-v2":
        cache = cache.with_name(f"{cache.stem}_{model.name}{cache.suffix}")
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=True) as f:
            known = dict(zip(f["texts"].tolist(), f["emb"], strict=True))
    missing = sorted(set(texts) - set(known))
    if missing:
        print(f"encoding {len(missing)} texts with {model.name} (cached in {cache}) ...", file=sys.stderr)
        emb = model.encode(missing, batch_size=64)
        known.update(zip(missing, emb.astype(np.float32), strict=True))
        cache.parent.mkdir(parents=True, exist_ok=True)
        all_texts = sorted(known)
        np.savez(cache, texts=np.array(all_texts, dtype=object), emb=np.stack([known[t] for t in all_texts]))
    return np.stack([known[t] for t in texts]).astype(np.float32) if texts else np.zeros((0, 384), np.float32)


def embed(split: Split, cache: Path = DEFAULT_CACHE, embedder: str = "minilm-base") -> Split:
    """Fill ``split.arg_emb`` and ``split.kp_emb``."""
    split.arg_emb = embed_texts(split.arg_texts, cache, embedder)
    split.kp_emb = embed_texts(split.kp_texts, cache, embedder)
    return split


# -- metrics ----------------------------------------------------------------------------------------
def clustering_scores(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """ARI / NMI / V-measure over the scored rows (gold >= 0); -1 predictions form one group."""
    m = gold >= 0
    g, p = gold[m], pred[m]
    return {
        "ari": adjusted_rand_score(g, p),
        "nmi": normalized_mutual_info_score(g, p),
        "v_measure": v_measure_score(g, p),
    }


def stance_purity(pred: np.ndarray, stance: np.ndarray, scored: np.ndarray) -> tuple[int, int]:
    """(pure, total) over ``scored`` rows: rows whose cluster's majority stance (over all rows) is theirs."""
    majority = {}
    for c in np.unique(pred):
        majority[c] = Counter(stance[pred == c].tolist()).most_common(1)[0][0]
    pure = sum(1 for i in np.flatnonzero(scored) if majority[pred[i]] == stance[i])
    return pure, int(scored.sum())


def kpa_map(split: Split, score_fn, *, same_stance_only: bool = True) -> dict[str, float]:
    """KPA-2021 track-1 mAP (strict, relaxed); ``score_fn(kp_emb, arg_emb) -> (k, n)`` scores. The shared
    task matches an argument against the key points of its topic and stance; ``same_stance_only=False``
    lets the key points of both stances compete (as when readers do not say their side)."""
    aps: dict[str, list[float]] = {"strict": [], "relaxed": [], "strict_plain": [], "relaxed_plain": []}
    for topic, stance, idx in split.groups():
        same = split.kp_stance == stance if same_stance_only else True
        kps = np.flatnonzero((split.kp_topic == topic) & same)
        scores = np.asarray(score_fn(split.kp_emb[kps], split.arg_emb[idx]))
        best = np.argmax(scores, axis=0)
        best_score = scores[best, np.arange(len(idx))]
        labels = [
            split.labels.get((split.arg_ids[a], split.kp_ids[kps[b]])) for a, b in zip(idx, best, strict=True)
        ]
        order = np.argsort(-best_score, kind="stable")[: int(len(idx) * 0.5)]
        for name, fill in (("strict", 0), ("relaxed", 1)):
            y = np.array([fill if labels[i] is None else labels[i] for i in order])
            ap = average_precision_score(y, best_score[order]) if y.any() else 0.0
            # the official formula since September 2021: AP times the share of positives in the top 50%
            aps[name].append(ap * y.mean() if len(y) else 0.0)
            aps[f"{name}_plain"].append(ap)
    return {f"map_{name}": float(np.mean(v)) for name, v in aps.items()}


def cosine_scores(kp_emb: np.ndarray, arg_emb: np.ndarray) -> np.ndarray:
    """Baseline matching: raw cosine similarity."""
    return kp_emb @ arg_emb.T


# -- methods ----------------------------------------------------------------------------------------
def evaluate_method(split: Split, cluster_fn, name: str) -> dict[str, float]:
    """Score ``cluster_fn(X, sides, texts, gold_k) -> labels`` within sides and pooled."""
    per_group: dict[str, list[float]] = defaultdict(list)
    ks: list[int] = []
    pooled_ari: list[float] = []
    pure = total = 0
    for _topic, idx in split.topics():
        X, stance, gold = split.arg_emb[idx], split.arg_stance[idx], split.gold[idx]
        texts = [split.arg_texts[i] for i in idx]
        # within sides: each stance clustered on its own (ours gets the sides, baselines one call per side)
        pred = cluster_fn(X, stance, texts, gold)
        for s in (1, -1):
            m = stance == s
            for key, v in clustering_scores(gold[m], pred[m]).items():
                per_group[key].append(v)
            ks.append(len(set(pred[m][pred[m] >= 0].tolist())))
        pooled = cluster_fn(X, None, texts, gold)
        pooled_ari.append(clustering_scores(gold, pooled)["ari"])
        p, t = stance_purity(pooled, stance, gold >= 0)
        pure, total = pure + p, total + t
    out = {k: float(np.mean(v)) for k, v in per_group.items()}
    out.update(ari_pooled=float(np.mean(pooled_ari)), stance_purity=pure / total, k_mean=float(np.mean(ks)))
    return out


def _per_side(fn):
    """Wrap a sides-unaware ``fn(X, texts, k) -> labels`` to run once per side (or once when pooled)."""

    def run(X, sides, texts, gold):
        if sides is None:
            return fn(X, texts, len(set(gold[gold >= 0].tolist())) or 1)
        pred = np.full(len(X), -1)
        offset = 0
        for s in (1, -1):
            m = np.flatnonzero(sides == s)
            g = gold[m]
            lab = fn(X[m], [texts[i] for i in m], len(set(g[g >= 0].tolist())) or 1)
            pred[m] = np.where(lab >= 0, lab + offset, -1)
            offset += int(lab.max()) + 1 if len(lab) else 0
        return pred

    return run


def kmeans_minilm(X, texts, k):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=min(k, len(X)), n_init=10, random_state=0).fit_predict(X)


def kmeans_tfidf(X, texts, k):
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    T = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    return KMeans(n_clusters=min(k, len(texts)), n_init=10, random_state=0).fit_predict(T)


def bertopic_style(X, texts, k):
    """UMAP (5 dims, cosine, 15 neighbours) + HDBSCAN(min_cluster_size=5), as BERTopic's defaults."""
    import warnings

    from sklearn.cluster import HDBSCAN

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap

        Z = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
        Y = Z.fit_transform(X)
    return HDBSCAN(min_cluster_size=5).fit_predict(Y)


def previous_clusterer(X, sides, texts, gold):
    from forum.analysis.clustering import ViewpointClusterer

    return ViewpointClusterer(adapter=None).fit(X, sides).labels_


def previous_product(X, sides, texts, gold):
    """The map before key points: the viewpoint clusterer with its shipped adapter (base MiniLM only)."""
    from forum.analysis.clustering import ViewpointClusterer

    return ViewpointClusterer().fit(X, sides).labels_


def make_ours(embedder: str, cache: Path, violations: list, **settings):
    """The product's map (key point analysis over the arguments' sentences) as a ``cluster_fn``; headline
    problems of every key point it states are appended to ``violations``."""
    from forum.analysis.embedders import make_embedder
    from forum.analysis.keypoints import KeyPointAnalysis, key_point_settings
    from forum.analysis.pipeline import build_map
    from forum.analysis.sentences import candidate_sentences, headline_problems

    params = key_point_settings(make_embedder(embedder).name) | settings

    def ours(X, sides, texts, gold):
        sentences = candidate_sentences(texts)
        S = embed_texts([s.text for s in sentences], cache, embedder)
        ids = list(range(len(texts)))
        result = build_map(
            texts, X, sides=sides, authors=ids, comment_ids=ids, sentences=sentences, sentence_embeddings=S,
            key_points=KeyPointAnalysis(**params),
        )  # fmt: skip
        labels = np.full(len(texts), -1)
        for v in result.viewpoints:
            labels[v.member_ids] = v.index
            violations.append((v.headline, headline_problems(v.headline)))
        return labels

    return ours


def ours_scores(kp_emb, arg_emb):
    from forum.analysis.keypoints import match_scores

    return match_scores(kp_emb, arg_emb)


def run(data: str, split_name: str, cache: Path, embedder: str = "minilm", baselines: bool = True) -> dict:
    """Evaluate ours and the baselines on one split; returns the JSON-able result."""
    t0 = time.time()
    split = embed(load_split(data, split_name), cache, embedder)
    violations: list = []
    result = {"split": split_name, "embedder": embedder, "baselines": {}}
    result["ours"] = evaluate_method(split, make_ours(embedder, cache, violations), "ours")
    result["ours"].update(kpa_map(split, ours_scores))
    result["ours"]["headline_violations"] = sum(1 for _, p in violations if p)
    result["ours"]["key_points_stated"] = len(violations)
    b = result["baselines"]
    b["this encoder, plain cosine matching"] = kpa_map(split, cosine_scores)
    base = embed(load_split(data, split_name), cache, "minilm-base")
    b["base MiniLM, plain cosine matching"] = kpa_map(base, cosine_scores)
    b["base MiniLM, cosine, all topic key points"] = kpa_map(base, cosine_scores, same_stance_only=False)
    if baselines:
        b["previous map (clusterer + adapter), base MiniLM"] = evaluate_method(
            base, previous_product, "product"
        )
        b["previous clusterer, base MiniLM"] = evaluate_method(base, previous_clusterer, "previous")
        b["previous clusterer, this encoder"] = evaluate_method(split, previous_clusterer, "previous")
        b["k-means gold k, base MiniLM"] = evaluate_method(base, _per_side(kmeans_minilm), "kmeans")
        b["k-means gold k, this encoder"] = evaluate_method(split, _per_side(kmeans_minilm), "kmeans")
        b["k-means gold k, TF-IDF"] = evaluate_method(base, _per_side(kmeans_tfidf), "tfidf")
        try:
            import umap  # noqa: F401

            b["BERTopic-style, base MiniLM"] = evaluate_method(base, _per_side(bertopic_style), "bertopic")
        except ImportError:
            print(
                "umap-learn not installed (make bench-install): BERTopic-style row left out", file=sys.stderr
            )
    result["seconds"] = round(time.time() - t0, 1)
    return result


def print_table(result: dict) -> None:
    cols = ["ari", "nmi", "v_measure", "ari_pooled", "stance_purity", "map_strict", "map_relaxed",
            "map_strict_plain", "k_mean", "headline_violations"]  # fmt: skip
    rows = [("ours: key points, auto k", result["ours"])] + list(result["baselines"].items())
    print(f"ArgKP {result['split']}, embedder {result['embedder']}  ({result['seconds']} s)")
    print(
        "map_* = KPA-2021 track 1, current official formula; "
        "map_strict_plain = the pre-September-2021 formula"
    )
    print(f"| method | {' | '.join(cols)} |")
    print("|---" * (len(cols) + 1) + "|")
    for name, r in rows:
        cells = [(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c])) if c in r else "-" for c in cols]
        print(f"| {name} | {' | '.join(cells)} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(SHARED_ARGKP), help="folder with the ArgKP csv files")
    p.add_argument("--split", default="dev", choices=["train", "dev"])
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache (.npz)")
    p.add_argument("--embedder", default="minilm", help="minilm (shipped fine-tuned) or minilm-base")
    p.add_argument("--no-baselines", action="store_true", help="only ours and the matching baselines")
    a = p.parse_args(argv)
    result = run(a.data, a.split, a.cache, a.embedder, not a.no_baselines)
    print_table(result)
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
