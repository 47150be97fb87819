"""Analysis speed: embedding throughput and recomputing a story's debate map, ours beside baselines.

    nice -n 10 .venv/bin/python bench/analysis.py [--data ../shared/data/polis] [--sizes 10000 100000]
        [--embed-n 1000] [--baseline-cap 300] [--json FILE]

(a) Embedding throughput, texts/s: ``SentenceTransformerEmbedder.encode`` against raw
    ``SentenceTransformer.encode`` on the same model object and the same texts (batch size 64), runs
    alternated, best of 3 each.
(b) Recomputing a map from stored embeddings: ``build_map`` end to end (key point analysis over the
    comments and their sentences, quotes, themes, layout) per
    size, each size in a fresh subprocess so its peak RSS (VmHWM) is its own; beside it a
    BERTopic-style baseline in the same run (UMAP to 5-d with BERTopic's settings, HDBSCAN with min
    cluster size 5, c-TF-IDF over all members), capped at ``--baseline-cap`` seconds. Numba's one-off
    compilation is warmed up on 500 points and not counted.

Text: the ``comment-body`` column of every Polis ``comments.csv`` (unique, non-empty), repeated where more
is needed. Library imports happen before timing in both (a worker process keeps them loaded).
Embeddings: the unique texts are encoded once with MiniLM and cached under /tmp; larger sizes tile them
with gaussian noise (sigma 0.01 per dimension) and renormalise. Sides are not given (the clusterer then
works on all comments at once).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path("/tmp/forum_bench_cache/polis_minilm.npz")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "polis"


def load_texts(data: Path) -> tuple[list[str], list[str]]:
    """Unique non-empty comment bodies of all conversations, with their (conversation-scoped) authors."""
    csv.field_size_limit(10_000_000)
    seen: dict[str, str] = {}
    for path in sorted(data.glob("*/comments.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                body = (row.get("comment-body") or "").strip()
                if body and body not in seen:
                    seen[body] = f"{path.parent.name}:{row.get('author-id', '')}"
    return list(seen), list(seen.values())


def cached_embeddings(texts: list[str]) -> np.ndarray:
    """MiniLM embeddings of ``texts``, computed once and cached under /tmp."""
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    if CACHE.exists():
        got = np.load(CACHE)
        if str(got["key"]) == key:
            return got["X"]
    from forum.analysis.embedders import SentenceTransformerEmbedder

    print(f"encoding {len(texts)} texts once (cached at {CACHE}) ...", file=sys.stderr, flush=True)
    X = SentenceTransformerEmbedder().encode(texts)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, X=X, key=key)
    return X


def tiled(texts: list[str], authors: list[str], X: np.ndarray, n: int, seed: int = 0):
    """``n`` comments: the corpus repeated, each copy after the first with its embeddings jittered."""
    reps = -(-n // len(texts))
    rng = np.random.default_rng(seed)
    blocks = [X] + [X + rng.normal(0, 0.01, size=X.shape).astype(np.float32) for _ in range(reps - 1)]
    E = np.vstack(blocks)[:n]
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    T = (texts * reps)[:n]
    A = [f"{r}/{a}" for r in range(reps) for a in authors][:n]
    return T, A, np.ascontiguousarray(E, dtype=np.float32)


def _peak_mib() -> float:
    """Peak RSS of this process image (VmHWM; ru_maxrss would include the parent's RSS at fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- workers (one subprocess per size)


def sentence_embeddings(texts: list[str], X: np.ndarray):
    """The comments' sentences (as the product splits them) and their embeddings, cached under /tmp like the
    comments' (a one-sentence comment's sentence is its own text and takes its vector)."""
    from forum.analysis.sentences import candidate_sentences

    sentences = candidate_sentences(texts)
    own = {t: X[i] for i, t in enumerate(texts)}
    wanted = sorted({s.text for s in sentences} - set(own))
    path = CACHE.with_name("polis_minilm_sentences.npz")
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=True) as f:
            known = dict(zip(f["texts"].tolist(), f["emb"], strict=True))
    missing = [t for t in wanted if t not in known]
    if missing:
        from forum.analysis.embedders import SentenceTransformerEmbedder

        print(f"encoding {len(missing)} sentences once (cached at {path}) ...", file=sys.stderr, flush=True)
        known.update(zip(missing, SentenceTransformerEmbedder().encode(missing), strict=True))
        keys = sorted(known)
        np.savez(path, texts=np.array(keys, dtype=object), emb=np.stack([known[t] for t in keys]))
    S = np.stack([own[s.text] if s.text in own else known[s.text] for s in sentences]).astype(np.float32)
    return sentences, S


def _timed_analysis():
    """The shipped key point analysis, timing its share of ``build_map``."""
    from forum.analysis.keypoints import KeyPointAnalysis

    class Timed(KeyPointAnalysis):
        seconds = 0.0

        def fit(self, *args, **kwargs):
            start = time.perf_counter()
            super().fit(*args, **kwargs)
            Timed.seconds = time.perf_counter() - start
            return self

    return Timed


def worker_ours(texts, authors, X, n: int, out: Path) -> None:
    import sklearn.feature_extraction.text  # noqa: F401  (a long-lived worker has it loaded already)

    from forum.analysis.pipeline import build_map
    from forum.analysis.sentences import Sentence

    sentences, S = sentence_embeddings(texts, X)
    T, A, E = tiled(texts, authors, X, n)
    # the sentences of the tiled comments: each copy's sentences belong to that copy (jittered like it)
    per_text: dict[int, list[int]] = {}
    for j, s in enumerate(sentences):
        per_text.setdefault(s.owner, []).append(j)
    rng = np.random.default_rng(1)
    rows, owners = [], []
    for i in range(n):
        for j in per_text.get(i % len(texts), []):
            rows.append(j)
            owners.append(i)
    tiled_sentences = [
        Sentence(o, sentences[j].text, sentences[j].key_point) for j, o in zip(rows, owners, strict=True)
    ]
    SE = S[rows] + (np.asarray(owners) >= len(texts))[:, None] * rng.normal(0, 0.01, (len(rows), S.shape[1]))
    SE = (SE / np.linalg.norm(SE, axis=1, keepdims=True)).astype(np.float32)
    from forum.analysis.keypoints import key_point_settings

    # the cached embeddings are the base model's: its settings (the shipped encoder's are on its own scale)
    analysis = _timed_analysis()(**key_point_settings("all-MiniLM-L6-v2"))
    start, cpu = time.perf_counter(), time.process_time()
    m = build_map(
        T, E, sides=None, authors=A, comment_ids=list(range(n)), sentences=tiled_sentences,
        sentence_embeddings=SE, key_points=analysis,
    )  # fmt: skip
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    other = m.other.n_members if m.other else 0
    result = {
        "seconds": total,
        "cpu_s": cpu,
        "cluster_s": type(analysis).seconds,
        "rest_s": total - type(analysis).seconds,
        "k": len(m.viewpoints),
        "other_share": other / n,
        "peak_mib": _peak_mib(),
        "sentences": len(rows),
    }
    out.write_text(json.dumps(result))


def worker_bertopic(texts, authors, X, n: int, out: Path) -> None:
    import umap
    from sklearn.cluster import HDBSCAN

    from forum.analysis.summaries import class_tfidf

    T, _, E = tiled(texts, authors, X, n)
    result: dict[str, float] = {}

    def save(**kw):
        result.update(kw, peak_mib=_peak_mib())
        out.write_text(json.dumps(result))

    umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine").fit_transform(E[:500])  # JIT
    start = time.perf_counter()
    reducer = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False)
    Z = reducer.fit_transform(E)
    save(umap_s=time.perf_counter() - start)
    t = time.perf_counter()
    labels = HDBSCAN(min_cluster_size=5, copy=True).fit_predict(Z)
    save(hdbscan_s=time.perf_counter() - t)
    t = time.perf_counter()
    groups = [np.flatnonzero(labels == k) for k in range(labels.max() + 1)]
    weights, terms = class_tfidf(T, groups)
    _ = [terms[np.argsort(-weights[i].toarray().ravel())[:10]] for i in range(len(groups))]
    save(ctfidf_s=time.perf_counter() - t, seconds=time.perf_counter() - start, k=len(groups),
         other_share=float((labels < 0).mean()))  # fmt: skip


def run_worker(kind: str, n: int, args, cap: float | None) -> dict:
    """Run one worker in a fresh interpreter; on timeout return what it had saved, marked capped."""
    out = Path(f"/tmp/forum_bench_cache/analysis_{kind}_{n}.json")
    out.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--data", str(args.data), "--worker", kind, str(n), str(out)]
    try:
        subprocess.run(cmd, check=True, timeout=cap)
        return json.loads(out.read_text())
    except subprocess.TimeoutExpired:
        partial = json.loads(out.read_text()) if out.exists() else {}
        return {**partial, "capped": cap}


# ---------------------------------------------------------------- embedding throughput


def embedding_throughput(texts: list[str], rounds: int = 3) -> dict:
    from forum.analysis.embedders import SentenceTransformerEmbedder

    ours = SentenceTransformerEmbedder()
    raw = ours.model  # the same loaded model: only our wrapper differs
    raw.encode(texts[:64], batch_size=64)  # warm-up
    best = {"ours": 0.0, "raw": 0.0}
    for r in range(rounds):
        order = ["raw", "ours"] if r % 2 == 0 else ["ours", "raw"]
        for name in order:
            start = time.perf_counter()
            if name == "ours":
                ours.encode(texts, batch_size=64)
            else:
                raw.encode(texts, batch_size=64)
            best[name] = max(best[name], len(texts) / (time.perf_counter() - start))
    return best


# ---------------------------------------------------------------- report


def _fmt_row(n: int, ours: dict, base: dict) -> str:
    def s(d, key):
        return f"{d[key]:.2f}" if key in d else "-"

    if "seconds" in base:
        base_s = f"{base['seconds']:.1f}"
    elif base.get("capped"):
        base_s = f"> {base['capped']:.0f} (capped{'; UMAP unfinished' if 'umap_s' not in base else ''})"
    else:
        base_s = "-"
    phases = "/".join(s(base, k) for k in ("umap_s", "hdbscan_s", "ctfidf_s"))
    return (
        f"| {n:,} | {ours['seconds']:.2f} | {ours.get('cpu_s', float('nan')):.2f} | "
        f"{ours['cluster_s']:.2f} | {ours['rest_s']:.2f} | "
        f"{ours['peak_mib']:.0f} | {ours['k']} | {ours['other_share']:.0%} | {base_s} | {phases} | "
        f"{base.get('peak_mib', float('nan')):.0f} | {base.get('k', '-')} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--embed-n", type=int, default=1000, help="texts per throughput run")
    parser.add_argument("--baseline-cap", type=float, default=300.0, help="seconds per baseline run")
    parser.add_argument("--skip-embed", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"no Polis data at {args.data}")
    texts, authors = load_texts(args.data)
    X = cached_embeddings(texts)
    if args.worker:
        kind, n, out = args.worker
        {"ours": worker_ours, "bertopic": worker_bertopic}[kind](texts, authors, X, int(n), Path(out))
        return

    report: dict = {"unique_texts": len(texts), "load": os.getloadavg()}
    if not args.skip_embed:
        sample = texts[: args.embed_n]
        tp = embedding_throughput(sample)
        report["embedding"] = {**tp, "n_texts": len(sample), "ratio": tp["ours"] / tp["raw"]}
    report["maps"] = []
    for n in args.sizes:
        ours = run_worker("ours", n, args, cap=None)
        base = {} if args.skip_baseline else run_worker("bertopic", n, args, cap=args.baseline_cap)
        report["maps"].append({"n": n, "ours": ours, "baseline": base})
        print(f"done {n}: ours {ours['seconds']:.2f}s", file=sys.stderr, flush=True)

    load = ", ".join(f"{x:.1f}" for x in report["load"])
    print(
        f"Polis comments: {len(texts):,} unique texts; {os.cpu_count()} CPUs; load average at start {load}\n"
    )
    if "embedding" in report:
        e = report["embedding"]
        print("| embedding (MiniLM, CPU) | texts | ours texts/s | raw `SentenceTransformer.encode` | ratio |")
        print("|---|---|---|---|---|")
        cells = f"{e['n_texts']} | {e['ours']:.1f} | {e['raw']:.1f} | {e['ratio']:.0%}"
        print(f"| best of 3, alternated | {cells} |\n")
    print(
        "| comments | ours build_map s | CPU s | key point analysis s | quotes+themes+layout s "
        "| ours peak RSS MiB | key points | unmatched | BERTopic-style s | UMAP/HDBSCAN/c-TF-IDF s "
        "| baseline peak RSS MiB | topics |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in report["maps"]:
        print(_fmt_row(row["n"], row["ours"], row["baseline"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
