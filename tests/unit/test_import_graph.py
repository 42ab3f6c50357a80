"""golive's import graph has no cycle, and the bottom layers import nothing above them
(docs/architecture.md). Every import counts: top-level, function-local and ``TYPE_CHECKING``
ones, since a function-local import is only a cycle that waits for its first call."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "golive").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _owner(name: str) -> str | None:
    """The module ``name`` lives in (``golive.schemas.Case`` -> ``golive.schemas``)."""
    mods = modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, path: Path) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            # `from golive.x import y`: y may be a submodule or a name defined in golive.x.
            for alias in node.names:
                yield f"{name}.{alias.name}"


@cache
def graph() -> dict[str, frozenset[str]]:
    edges = {}
    for module, path in modules().items():
        targets = {_owner(n) for n in _imported(module, path) if n.startswith("golive")}
        edges[module] = frozenset(t for t in targets if t and t != module)
    return edges


def _cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_walker_finds_a_cycle() -> None:
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_the_walker_sees_function_local_and_relative_imports(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from golive.schemas import Case\n"
        "def later():\n    import golive.load.engine\n    from . import sibling\n",
        encoding="utf-8",
    )
    seen = set(_imported("golive.pkg.mod", path))
    assert {"golive.schemas.Case", "golive.load.engine", "golive.pkg.sibling"} <= seen


def test_no_import_cycle() -> None:
    cycles = _cycles(graph())
    detail = "; ".join(
        " <-> ".join(f"{m} (imports {sorted(graph()[m] & set(c))})" for m in c) for c in cycles
    )
    assert not cycles, f"import cycles: {detail}"


# Which top-level packages each bottom layer may import (docs/architecture.md).
LAYERS = {
    "golive.schemas": set(),
    "golive.transport": {"golive.schemas", "golive.errors", "golive.failures", "golive._unicode"},
    "golive.registry": {"golive.errors", "golive._validation"},
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_bottom_layer_imports_nothing_above_it(layer: str) -> None:
    allowed = LAYERS[layer]
    above = set()
    for module, targets in graph().items():
        if module == layer or module.startswith(layer + "."):
            for t in targets:
                if t == layer or t.startswith(layer + "."):
                    continue
                if not any(t == a or t.startswith(a + ".") for a in allowed):
                    above.add(f"{module} -> {t}")
    assert not above, sorted(above)


def test_targets_never_import_the_load_engine() -> None:
    wrong = [
        f"{m} -> {t}"
        for m, ts in graph().items()
        if m.startswith("golive.targets")
        for t in ts
        if t.startswith("golive.load")
    ]
    assert not wrong, wrong
