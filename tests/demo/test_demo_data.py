"""The demo story: content shape, thread structure, and the simulated votes' opinion structure."""

from __future__ import annotations

import ast
import copy
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from forum.demo import DemoData, generate_votes, load_demo, parse_demo


@pytest.fixture(scope="module")
def data() -> DemoData:
    return load_demo()


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(resources.files("forum.demo").joinpath("rsp_story.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def matrix(data: DemoData) -> tuple[np.ndarray, np.ndarray]:
    """Reader x comment vote matrix (0 where unvoted) and a mask of which cells were voted."""
    users = {r.username: i for i, r in enumerate(data.readers)}
    cids = {c.id: j for j, c in enumerate(data.comments)}
    votes = np.zeros((len(users), len(cids)))
    seen = np.zeros_like(votes, dtype=bool)
    for v in generate_votes(data):
        votes[users[v.username], cids[v.comment_id]] = v.value
        seen[users[v.username], cids[v.comment_id]] = True
    return votes, seen


def test_story(data: DemoData) -> None:
    story = data.story
    assert story.slug == "anthropic-rsp-3"
    assert story.headline == "If you can't beat them: Anthropic scales back on AI safety pledge"
    assert story.question == (
        "Should AI labs be allowed to drop safety pledges when competitors don't keep them?"
    )
    assert story.source_url.startswith("https://news.example/")
    assert story.published_at.year == 2026 and story.published_at.tzinfo is not None
    assert 2 <= len(re.findall(r"[.!?](?:\s|$)", story.lede)) <= 3
    paragraphs = story.body.split("\n\n")
    assert 4 <= len(paragraphs) <= 6 and all(p.strip() for p in paragraphs)
    for fact in ("Kaplan", "Department of Defense", "three to six months", "regulation"):
        assert fact in story.body


def test_arguments_cover_both_sides(data: DemoData) -> None:
    sides = Counter(a.side for a in data.arguments)
    assert len(data.arguments) >= 10 and sides["agree"] >= 4 and sides["disagree"] >= 4
    assert sum(a.consensus for a in data.arguments) >= 2
    used = Counter(c.argument for c in data.comments if c.argument)
    assert all(used[a.key] >= 5 for a in data.arguments), used
    assert all(a.label.strip() for a in data.arguments)


def test_readers(data: DemoData) -> None:
    authors = {c.author for c in data.comments}
    assert len(data.readers) >= 45 and len(authors) >= 45
    assert len({r.username for r in data.readers}) == len(data.readers)
    positions = [r.position for r in data.readers]
    assert sum(p > 0.3 for p in positions) >= 10 and sum(p < -0.3 for p in positions) >= 10


def test_comment_counts_and_bodies(data: DemoData) -> None:
    ids = [c.id for c in data.comments]
    assert len(ids) >= 130 and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"c\d{3}", i) for i in ids)
    assert all(0 < len(c.body) <= 1500 and c.body.strip() == c.body for c in data.comments)
    bodies = [c.body for c in data.comments]
    assert len(set(bodies)) == len(bodies)
    assert any("](https://news.example/" in b for b in bodies)
    assert any(b.startswith("> ") or "\n> " in b for b in bodies)
    assert any(re.search(r"\*\w[^*]*\*", b) for b in bodies)
    assert sum("\n\n" in b for b in bodies) >= 10
    assert min(map(len, bodies)) < 40 and max(map(len, bodies)) > 400


def test_threads(data: DemoData) -> None:
    position = {c.id: i for i, c in enumerate(data.comments)}
    by_id = {c.id: c for c in data.comments}
    replies = [c for c in data.comments if c.parent is not None]
    assert 0.28 <= len(replies) / len(data.comments) <= 0.40
    for c in replies:
        assert position[c.parent] < position[c.id]
        assert by_id[c.parent].minutes_after < c.minutes_after
        assert by_id[c.parent].author != c.author
    assert max(data.depth(c) for c in data.comments) >= 3
    times = [c.minutes_after for c in data.comments]
    assert times == sorted(times) and times[0] > 0


def test_sides_and_stances(data: DemoData) -> None:
    sides = Counter(c.side for c in data.comments)
    assert set(sides) <= {"agree", "disagree", "unsure", None}
    picked = (sides["agree"] + sides["disagree"]) / len(data.comments)
    assert 0.6 <= picked <= 0.8
    assert sides["unsure"] >= 5 and sides[None] >= 10
    off_topic = sum(c.argument is None for c in data.comments)
    assert 5 <= off_topic <= 0.15 * len(data.comments)
    # authors argue in line with their own position
    pos = {r.username: r.position for r in data.readers}
    agree = np.mean([pos[c.author] for c in data.comments if c.side == "agree"])
    disagree = np.mean([pos[c.author] for c in data.comments if c.side == "disagree"])
    assert agree > 0.3 and disagree < -0.3


def test_parse_demo_rejects_broken_data(raw: dict) -> None:
    assert parse_demo(raw) == load_demo()
    later_parent = copy.deepcopy(raw)
    later_parent["comments"][0]["parent"] = raw["comments"][5]["id"]
    with pytest.raises(ValueError, match="parent"):
        parse_demo(later_parent)
    unknown = copy.deepcopy(raw)
    unknown["comments"][3]["argument"] = "no_such_argument"
    with pytest.raises(ValueError, match="argument"):
        parse_demo(unknown)


def test_module_is_pure() -> None:
    import forum.demo

    modules: set[str] = set()
    for path in Path(forum.demo.__file__).parent.glob("*.py"):  # the package's modules import one another
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "forum.demo.votes" in modules, "every module of the package is read"
    modules = {m for m in modules if m != "forum.demo" and not m.startswith("forum.demo.")}
    assert not {m.split(".")[0] for m in modules} & {"flask", "sqlalchemy", "forum", "numpy", "torch"}


def test_votes_are_well_formed(data: DemoData) -> None:
    votes = generate_votes(data)
    authors = {c.id: c.author for c in data.comments}
    per_reader = Counter(v.username for v in votes)
    assert set(per_reader) == {r.username for r in data.readers}
    assert min(per_reader.values()) >= 12
    assert all(v.value in (-1, 0, 1) and v.comment_id in authors for v in votes)
    assert all(authors[v.comment_id] != v.username for v in votes)
    pairs = [(v.username, v.comment_id) for v in votes]
    assert len(set(pairs)) == len(pairs)
    assert Counter(v.value for v in votes)[0] > 0.05 * len(votes)


def test_votes_deterministic_per_seed(data: DemoData) -> None:
    assert generate_votes(data) == generate_votes(data, seed=7)
    assert generate_votes(data, seed=3) == generate_votes(load_demo(), seed=3)
    assert generate_votes(data, seed=8) != generate_votes(data, seed=7)


def test_camps_vote_alike(data: DemoData, matrix: tuple[np.ndarray, np.ndarray]) -> None:
    votes, _ = matrix
    pos = np.array([r.position for r in data.readers])
    corr = np.corrcoef(votes)
    pro, con = pos > 0.2, pos < -0.2
    within = np.concatenate([corr[np.ix_(m, m)][~np.eye(m.sum(), dtype=bool)] for m in (pro, con)]).mean()
    across = corr[np.ix_(pro, con)].mean()
    assert within > 0.08 and across < 0.0


def test_common_ground_and_divisive_statements(data: DemoData, matrix: tuple[np.ndarray, np.ndarray]) -> None:
    votes, seen = matrix
    pos = np.array([r.position for r in data.readers])
    consensus = {a.key for a in data.arguments if a.consensus}
    common, divisive = [], 0
    for j, c in enumerate(data.comments):
        voters = seen[:, j]
        if voters.sum() >= 5 and (votes[voters, j] == 1).mean() >= 0.8:
            common.append(c.argument)
        pro, con = voters & (pos > 0.2), voters & (pos < -0.2)
        if pro.sum() >= 3 and con.sum() >= 3:
            gap = abs((votes[pro, j] == 1).mean() - (votes[con, j] == 1).mean())
            divisive += gap > 0.6
    assert len(common) >= 3
    assert sum(a in consensus for a in common) / len(common) > 0.6
    assert divisive >= 20


def test_polis_style_groups(data: DemoData, matrix: tuple[np.ndarray, np.ndarray]) -> None:
    """PCA to two dimensions plus k-means, k chosen by silhouette, finds 2-4 opinion groups."""
    votes, _ = matrix
    points = PCA(n_components=2, random_state=0).fit_transform(votes)
    fits = {k: KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(points) for k in range(2, 7)}
    best = max(fits, key=lambda k: silhouette_score(points, fits[k]))
    assert 2 <= best <= 4
    labels = fits[best]
    pos = np.array([r.position for r in data.readers])
    means = [pos[labels == g].mean() for g in range(best)]
    assert max(means) > 0.3 and min(means) < -0.3
