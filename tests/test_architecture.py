"""The import graph of src/kcsubmit: no cycle, and reporters read only the result (STYLE.md §6).

Every module's AST is walked for imports (at module level and inside functions, ``TYPE_CHECKING``
blocks included: a type named is a dependency too); an edge goes to the imported module, or to
the package's ``__init__`` it passes through. No module is imported here, so the test is fast and
cannot be fooled by lazy imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kcsubmit

PACKAGE = "kcsubmit"
ROOT = Path(kcsubmit.__file__).parent

# What a reporter may not import: everything upstream of the result, and the library steps.
UPSTREAM = ("engine", "profile", "probes", "fixers", "repair", "packing", "thumbnails", "manifest")




def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The kcsubmit modules ``name`` imports (the longest known prefix of each name)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from . import engine` imports the module kcsubmit.engine; `from .x import f` imports x.
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
        for target in targets:
            resolved = _known_prefix(target, known)
            if resolved is not None and resolved != name:
                found.add(resolved)
    return _drop_passing_packages(found)


def _known_prefix(target: str, known: set[str]) -> str | None:
    parts = target.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def _drop_passing_packages(found: set[str]) -> set[str]:
    """``from .reporters import json`` names kcsubmit.reporters.json and kcsubmit.reporters; the
    package is kept (its ``__init__`` runs) unless it is just kcsubmit itself, passed through by
    every ``from . import x``."""
    return {m for m in found if m != PACKAGE or not any(o.startswith(PACKAGE + ".") for o in found)}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return result


def test_the_graph_is_read():
    edges = graph()
    assert "kcsubmit.reporters.json" in edges and "kcsubmit.models" in edges["kcsubmit.reporters.json"]
    assert "kcsubmit.engine" in edges["kcsubmit.repair"]  # `from . import engine`
    assert "kcsubmit.version" in edges["kcsubmit"]


def test_reporters_read_only_the_result():
    edges = graph()
    reporters = [m for m in edges if m.startswith("kcsubmit.reporters.")]
    assert {"kcsubmit.reporters.text", "kcsubmit.reporters.html", "kcsubmit.reporters.github"} <= set(reporters)
    bad = []
    for module in ["kcsubmit.reporters", *reporters]:
        for target in sorted(edges[module]):
            upstream = any(target == f"{PACKAGE}.{u}" or target.startswith(f"{PACKAGE}.{u}.") for u in UPSTREAM)
            other_reporter = target.startswith("kcsubmit.reporters.") and target != module
            if upstream or other_reporter or target == PACKAGE:
                bad.append(f"{module} -> {target}")
    assert bad == []


def test_version_is_a_leaf():
    assert graph()["kcsubmit.version"] == set()


def test_no_cycle():
    found = cycles(graph())
    assert found == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)
