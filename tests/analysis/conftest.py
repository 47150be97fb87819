"""Shared fixtures for the analysis tests: planted groups of comments with synthetic embeddings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

TOPICS = {
    "transit": (
        ["bus lanes", "light rail", "bus service", "transit passes"],
        [
            "The city should build more {t} downtown.",
            "More {t} would cut commuting times for everyone.",
            "I would leave my car at home if we had better {t}.",
            "Funding {t} is the cheapest way to reduce traffic.",
            "We need frequent {t} in every neighbourhood.",
            "Without {t}, workers cannot reach their jobs.",
        ],
    ),
    "taxes": (
        ["property taxes", "sales taxes", "income taxes", "tax rates"],
        [
            "Higher {t} would push young families out of town.",
            "Families cannot afford any increase in {t}.",
            "Stop raising {t} on homeowners and renters.",
            "The council should cut {t} before spending more.",
            "Raising {t} hurts retirees on fixed incomes.",
            "Our {t} are already the highest in the region.",
        ],
    ),
    "parks": (
        ["shade trees", "community gardens", "green spaces", "playgrounds"],
        [
            "Every park should have more {t}.",
            "Our children deserve safe {t} close to home.",
            "Plant {t} to cool the neighbourhood in summer.",
            "Investing in {t} improves everyone's health.",
            "The old lot on Main Street should become {t}.",
            "Volunteers would gladly maintain new {t}.",
        ],
    ),
    "housing": (
        ["affordable housing", "rent control", "social housing", "housing vouchers"],
        [
            "We urgently need {t} for nurses and teachers.",
            "Without {t}, people who work here cannot live here.",
            "The council must expand {t} this year.",
            "Developers should contribute to {t} in every project.",
            "Rising rents show why {t} matters.",
            "Homelessness will keep growing without {t}.",
        ],
    ),
}
LEFTOVER_TEXTS = [
    "Why was the meeting moved to a Tuesday?",
    "I saw a heron by the river yesterday.",
    "Please fix the typo in the second paragraph.",
]


@dataclass
class Planted:
    """Comments in known groups (``truth`` = group index, -1 for leftovers) with synthetic embeddings."""

    texts: list[str]
    embeddings: np.ndarray
    truth: np.ndarray
    sides: np.ndarray
    authors: list[str]
    ids: list[int]
    topics: list[str]


def make_planted(sizes=(14, 11, 8, 6), n_leftover: int = 3, dim: int = 64, noise: float = 0.8, seed: int = 0):
    """Planted groups: group g's texts use topic g's words; embeddings are its centre plus noise."""
    rng = np.random.default_rng(seed)
    topics = list(TOPICS)[: len(sizes)]
    centres = rng.normal(size=(len(sizes) + n_leftover, dim))
    texts, vecs, truth = [], [], []
    for g, size in enumerate(sizes):
        terms, templates = TOPICS[topics[g]]
        for i in range(size):
            texts.append(templates[i % len(templates)].format(t=terms[(i // len(templates)) % len(terms)]))
            vecs.append(centres[g] + noise * rng.normal(size=dim))
            truth.append(g)
    for j in range(n_leftover):
        texts.append(LEFTOVER_TEXTS[j % len(LEFTOVER_TEXTS)])
        vecs.append(centres[len(sizes) + j])
        truth.append(-1)
    X = np.asarray(vecs, dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    truth = np.asarray(truth)
    sides = np.where(truth < 0, 0, np.where(truth % 2 == 0, 1, -1))
    authors = [f"user{i}" for i in range(len(texts))]
    ids = [1000 + 7 * i for i in range(len(texts))]
    return Planted(texts, X, truth, sides, authors, ids, topics)


class OracleClusterer:
    """Returns the planted labels, so pipeline tests do not depend on the clustering algorithm."""

    def __init__(self, truth: np.ndarray):
        self.truth = truth

    def fit(self, X: np.ndarray, sides: np.ndarray | None = None) -> OracleClusterer:
        self.labels_ = np.asarray(self.truth).copy()
        k = int(self.labels_.max()) + 1
        C = np.stack([X[self.labels_ == g].mean(axis=0) for g in range(k)])
        self.centroids_ = C / np.linalg.norm(C, axis=1, keepdims=True)
        return self


@pytest.fixture
def planted() -> Planted:
    return make_planted()


@pytest.fixture(name="make_planted")
def make_planted_fixture():
    return make_planted


@pytest.fixture
def oracle(planted: Planted) -> OracleClusterer:
    return OracleClusterer(planted.truth)


@pytest.fixture(name="oracle_cls")
def oracle_cls_fixture():
    return OracleClusterer
