"""The shape of the code, as docs/architecture.md draws it: which packages may import which, no import circles
between modules, no module in ``forum/`` far past 400 lines, and one place that commits in the web layer and
in the CLI. Read from the source with ``ast`` (module-level imports; imports inside functions and under
``TYPE_CHECKING`` are deliberate late bindings and do not count)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORUM = ROOT / "forum"
MAX_LINES = 410  # "about 400"

# package -> what it must never import (prefixes). analysis/ is pure: numbers and text in, results out.
FORBIDDEN = {
    "forum.analysis": (
        "flask",
        "sqlalchemy",
        "flask_sqlalchemy",
        "forum.models",
        "forum.services",
        "forum.web",
        "forum.jobs",
        "forum.cli",
        "forum.extensions",
        "requests",
        "urllib.request",
    ),
    "forum.models": ("forum.services", "forum.web", "forum.jobs", "forum.cli"),
    "forum.services": ("forum.web", "forum.jobs", "forum.cli"),
    "forum.interop": (
        "flask",
        "sqlalchemy",
        "forum.extensions",
        "forum.models",
        "forum.services",
        "forum.web",
        "forum.jobs",
        "forum.cli",
    ),
    "forum.jobs": ("forum.web", "forum.cli"),
    "forum.web": ("forum.cli",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in FORUM.rglob("*.py")}


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(nodes) -> None:
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                    visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


@cache
def _imports(module: str) -> frozenset[str]:
    """What ``module`` imports at import time: a module of the forum where the name is one, else the
    package or outside module named."""
    path = _modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            names.add(candidate if candidate in _modules() else base)
    return frozenset(names)


def test_the_source_tree_is_found():
    assert {"forum.web.transactions", "forum.jobs", "forum.analysis.keypoints"} <= set(_modules())
    assert "forum.web.transactions" in _imports("forum.web")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package):
    wrong = sorted(
        f"{module} imports {name}"
        for module in _modules()
        if module == package or module.startswith(package + ".")
        for name in _imports(module)
        for banned in FORBIDDEN[package]
        if name == banned or name.startswith(banned + ".")
    )
    assert not wrong, wrong


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle a depth-first walk of ``graph`` meets (each as the path that closes it)."""
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    return circles


def test_the_circle_finder_finds_circles():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    graph = {m: {n for n in _imports(m) if n in _modules() and n != m} for m in _modules()}
    assert sum(map(len, graph.values())) > 300  # the graph really was read
    circles = _circles(graph)
    assert not circles, [" -> ".join(c) for c in circles]


def test_no_module_in_forum_is_far_past_400_lines():
    long = {
        m: n
        for m, p in _modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


@pytest.mark.parametrize(
    ("package", "the_one_place"),
    [
        ("forum.web", "forum.web.transactions"),
        ("forum.cli", "forum.cli.common"),
        ("forum.jobs", "forum.jobs.tasks"),
        ("forum.services", None),  # services flush; whoever calls them owns the transaction
        ("forum.analysis", None),
    ],
)
def test_one_place_commits(package, the_one_place):
    committing = sorted(
        module
        for module, path in _modules().items()
        if (module == package or module.startswith(package + "."))
        and module != the_one_place
        and "session.commit(" in path.read_text(encoding="utf-8")
    )
    assert not committing, committing


def test_views_leave_queries_to_the_services():
    """Views validate, call services and render: only the transaction rule, the health checks and the login
    loader touch the session in the web layer."""
    allowed = {"forum.web", "forum.web.transactions", "forum.web.health"}
    querying = sorted(
        module
        for module, path in _modules().items()
        if module.startswith("forum.web.")
        and module not in allowed
        and (
            "db.session" in path.read_text(encoding="utf-8")
            or any(n.split(".")[0] == "sqlalchemy" for n in _imports(module))
        )
    )
    assert not querying, querying
