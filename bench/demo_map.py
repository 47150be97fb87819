"""The demo story's debate map scored against the arguments its comments were written to make.

    .venv/bin/python bench/demo_map.py [--embedder minilm|minilm-base] [--json FILE] [--show]

The demo story (``forum/demo/rsp_story.json``) labels each comment with the argument it makes (14 in all,
some comments none). The map is computed as the product computes it (:func:`build_map` with the comments'
sentences) and scored on the comments that make an argument:

* ARI and NMI between each comment's key point (its primary one; unmatched comments form one group) and
  its argument;
* arguments found: arguments that are the majority of some key point whose members are at least half that
  argument;
* headline violations: key point headlines that break the rules readers were promised (5 to 20 words, no
  first person, no question, not cut off; :func:`forum.analysis.sentences.headline_problems`).

Baselines in the same run: the previous viewpoint clusterer (``ViewpointClusterer``) on the base and on the
fine-tuned embeddings, and k-means with the gold number of arguments. Embeddings are cached under /tmp.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argkp import embed_texts  # noqa: E402

from forum.analysis.pipeline import build_map  # noqa: E402
from forum.analysis.sentences import candidate_sentences, headline_problems  # noqa: E402
from forum.demo import load_demo  # noqa: E402
from forum.sanitize import plain_text  # noqa: E402

CACHE = Path("/tmp/forum_bench_cache")
SIDES = {"agree": 1, "disagree": -1}


def encode(name: str, texts: list[str]) -> np.ndarray:
    """Embeddings of ``texts`` by the product's embedder ``name``, cached by model name and text."""
    return embed_texts(texts, CACHE / "demo_minilm.npz", name)


def score(gold: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """ARI, NMI and arguments found, over the comments that make an argument."""
    m = gold != ""
    g, p = gold[m], labels[m]
    found = set()
    for k in np.unique(p[p >= 0]):
        values, counts = np.unique(g[p == k], return_counts=True)
        if counts.max() / counts.sum() >= 0.5:
            found.add(str(values[counts.argmax()]))
    return {
        "ari": float(adjusted_rand_score(g, p)),
        "nmi": float(normalized_mutual_info_score(g, p)),
        "found": len(found),
        "found_args": sorted(found),
    }


def run(embedder: str) -> dict:
    data = load_demo()
    comments = data.comments
    texts = [plain_text(c.body) for c in comments]
    gold = np.array([c.argument or "" for c in comments], dtype=object)
    sides = np.array([SIDES.get(c.side or "", 0) for c in comments])
    authors = [c.author for c in comments]
    ids = list(range(len(comments)))
    sentences = candidate_sentences(texts)
    t0 = time.perf_counter()
    X = encode(embedder, texts)
    S = encode(embedder, [s.text for s in sentences])
    base_X = encode("minilm-base", texts)
    t_embed = time.perf_counter() - t0

    from forum.analysis.embedders import make_embedder
    from forum.analysis.keypoints import KeyPointAnalysis, key_point_settings

    settings = key_point_settings(make_embedder(embedder).name)
    t0 = time.perf_counter()
    result = build_map(
        texts, X, sides=sides, authors=authors, comment_ids=ids, sentences=sentences, sentence_embeddings=S,
        key_points=KeyPointAnalysis(**settings),
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    labels = np.full(len(texts), -1)
    for v in result.viewpoints:
        labels[v.member_ids] = v.index
    ours = score(gold, labels)
    violations = [(v.headline, headline_problems(v.headline)) for v in result.viewpoints]
    ours.update(
        k=len(result.viewpoints),
        unmatched=int((labels < 0).sum()),
        violations=sum(1 for _, p in violations if p),
        themes=len({v.theme for v in result.viewpoints}),
        seconds=round(seconds, 3),
    )
    out_kp = _editor_key_points(embedder, texts, X, sentences, S, gold)
    out = {"editor_key_points": out_kp, "embedder": embedder, "n_comments": len(texts),
           "n_arguments": len(set(gold) - {""}), "embed_seconds": round(t_embed, 1), "ours": ours,
           "baselines": {}, "map": result}  # fmt: skip
    from sklearn.cluster import KMeans

    from forum.analysis.clustering import ViewpointClusterer

    n_gold = len(set(gold) - {""})
    lab = ViewpointClusterer().fit(base_X, sides).labels_
    out["baselines"]["previous map (clusterer + adapter), base MiniLM"] = score(gold, lab) | {
        "k": int(lab.max()) + 1
    }
    for name, emb in (("previous clusterer, base MiniLM", base_X), ("previous clusterer, this encoder", X)):
        lab = ViewpointClusterer(adapter=None).fit(emb, sides).labels_
        out["baselines"][name] = score(gold, lab) | {"k": int(lab.max()) + 1}
    for name, emb in (("k-means gold k, base MiniLM", base_X), ("k-means gold k, this encoder", X)):
        lab = KMeans(n_clusters=n_gold, n_init=10, random_state=0).fit_predict(emb)
        out["baselines"][name] = score(gold, lab) | {"k": n_gold}
    return out


# The two editor key points, and the demo argument they state.
EDITOR_KEY_POINTS = (
    ("Independent auditors should check the risk reports before release.", "no_self_grading"),
    ("Someone independent needs to check the labs' safety claims.", "no_self_grading"),
)


def _editor_key_points(embedder, texts, X, sentences, S, gold) -> list[dict]:
    """How many comments each editor key point gathers (the product's matching and threshold), and how many
    of them make the argument it states."""
    from forum.analysis.embedders import make_embedder
    from forum.analysis.keypoints import given_threshold, match_scores

    model = make_embedder(embedder)
    rows = []
    for statement, argument in EDITOR_KEY_POINTS:
        v = encode(embedder, [statement])
        scores = match_scores(v, X, sentence_embeddings=S, sentence_owner=[s.owner for s in sentences])[0]
        got = np.flatnonzero(scores >= given_threshold(model.name))
        rows.append({"statement": statement, "gathered": len(got),
                     "making_it": int((gold[got] == argument).sum()),
                     "argument_total": int((gold == argument).sum())})  # fmt: skip
    return rows


def print_table(r: dict) -> None:
    print(
        f"Demo story: {r['n_comments']} comments, {r['n_arguments']} labelled arguments; "
        f"embedder {r['embedder']}"
    )
    print("| method | key points | ARI | NMI | arguments found | headline violations |")
    print("|---|---|---|---|---|---|")
    o = r["ours"]
    print(
        f"| ours (key points) | {o['k']} | {o['ari']:.3f} | {o['nmi']:.3f} | "
        f"{o['found']} of {r['n_arguments']} | {o['violations']} |"
    )
    for name, b in r["baselines"].items():
        print(
            f"| {name} | {b['k']} | {b['ari']:.3f} | {b['nmi']:.3f} | "
            f"{b['found']} of {r['n_arguments']} | - |"
        )


def print_editor_key_points(r: dict) -> None:
    print("\n| editor's key point | comments gathered | of them making that argument | comments making it |")
    print("|---|---|---|---|")
    for k in r["editor_key_points"]:
        print(f"| {k['statement']} | {k['gathered']} | {k['making_it']} | {k['argument_total']} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="minilm")
    p.add_argument("--json")
    p.add_argument("--show", action="store_true", help="print the key points as a reader sees them")
    a = p.parse_args(argv)
    r = run(a.embedder)
    print_table(r)
    print_editor_key_points(r)
    if a.show:
        m = r.pop("map")
        for v in sorted(m.viewpoints, key=lambda v: (v.theme_index, v.index)):
            print(f"[{v.theme}] ({'+' if v.side > 0 else '-' if v.side < 0 else '0'}) {v.headline}  "
                  f"-- {v.n_members} comments, {v.n_authors} readers")  # fmt: skip
    r.pop("map", None)
    if a.json:
        Path(a.json).write_text(json.dumps(r, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
