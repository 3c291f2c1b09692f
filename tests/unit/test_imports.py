"""The code's floors import one way: no import circle among the project's modules or its
top-level packages (worker, tasks, domain, adapters, cli), domain/ free of infrastructure, and
every module opens with a docstring saying what it is for.

Every import counts, the ones inside functions too (a lazy import is still a circle: it only
hides it until run time); imports under `if TYPE_CHECKING:` do not (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("worker", "tasks", "domain", "adapters", "cli")
# what domain/ must never import (STYLE.md: domain is pure; ports are its only way out)
DOMAIN_FORBIDDEN = ("celery", "kombu", "google", "duckdb", "redis", "click", "grpc")


def modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the given packages."""
    out = {}
    for pkg in packages:
        for f in sorted((root / pkg).rglob("*.py")):
            parts = f.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = f
    return out


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node except the bodies of `if TYPE_CHECKING:` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_names(name: str, path: Path) -> set[str]:
    """Dotted names `name` imports at run time (absolute; relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def import_graph(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    """Module -> the project modules it imports (a name resolves to its longest module prefix)."""
    mods = modules(root, packages)

    def resolve(dotted: str) -> str | None:
        while dotted and dotted not in mods:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        targets = {resolve(n) for n in imported_names(name, path)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (each an import circle), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan; the graph is a few hundred modules deep at most
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same edges between top-level packages."""
    out: dict[str, set[str]] = {}
    for src, targets in graph.items():
        a = src.split(".")[0]
        out.setdefault(a, set()).update(t.split(".")[0] for t in targets)
        out[a].discard(a)
    return out


def test_no_import_circle_among_the_modules() -> None:
    assert circles(import_graph(ROOT)) == []


def test_no_import_circle_among_the_top_level_packages() -> None:
    graph = package_graph(import_graph(ROOT))
    assert circles(graph) == [], graph


def test_domain_imports_no_infrastructure() -> None:
    bad = {
        f"{name}: {imp}"
        for name, path in modules(ROOT, ["domain"]).items()
        for imp in imported_names(name, path)
        if imp.split(".")[0] in DOMAIN_FORBIDDEN
    }
    assert not bad


def test_every_module_opens_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in modules(ROOT).values()
        if not (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()
    ]
    assert not missing, f"modules without a docstring saying what they are for: {missing}"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("files", "want"),
    [
        (  # the old worker/cli.py <-> worker/evaluate_cli.py: both imports inside functions
            {"worker/__init__.py": "", "worker/cli.py": "def f():\n    from worker import evaluate_cli\n",
             "worker/evaluate_cli.py": "def g():\n    from worker.cli import Progress\n"},
            [["worker.cli", "worker.evaluate_cli"]],
        ),
        (  # relative imports, through three modules
            {"worker/__init__.py": "", "worker/a.py": "from . import b\n",
             "worker/b.py": "from .c import x\n", "worker/c.py": "import worker.a\n"},
            [["worker.a", "worker.b", "worker.c"]],
        ),
        (  # a TYPE_CHECKING-only import back is no circle
            {"worker/__init__.py": "", "worker/a.py": "import worker.b\n",
             "worker/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import worker.a\n"},
            [],
        ),
    ],
)  # fmt: skip
def test_the_circle_check_finds_circles(
    tmp_path: Path, files: dict[str, str], want: list[list[str]]
) -> None:
    assert circles(import_graph(_tree(tmp_path, files), ["worker"])) == want


def test_the_package_check_finds_a_package_circle(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"worker/__init__.py": "", "worker/app.py": "import tasks.x\n",
                            "tasks/__init__.py": "", "tasks/x.py": "from worker import app\n"})  # fmt: skip
    graph = package_graph(import_graph(root, ["worker", "tasks"]))
    assert circles(graph) == [["tasks", "worker"]]
