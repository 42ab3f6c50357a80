"""golive's import graph has no cycle, between modules or between top-level packages, and
every import points to the same layer or one below (docs/architecture.md): ``LAYERS`` places
every top-level package and module of golive, and a new one fails the test until it is placed.
Every import counts: top-level, function-local and ``TYPE_CHECKING`` ones, since a
function-local import is only a cycle that waits for its first call."""

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
BOTTOM_LAYERS = {
    "golive.schemas": set(),
    "golive.transport": {"golive.schemas", "golive.errors", "golive.failures", "golive._unicode"},
    "golive.registry": {"golive.errors", "golive._validation"},
}


@pytest.mark.parametrize("layer", sorted(BOTTOM_LAYERS))
def test_a_bottom_layer_imports_nothing_above_it(layer: str) -> None:
    allowed = BOTTOM_LAYERS[layer]
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


def _package(module: str) -> str:
    """The top-level package or module ``module`` belongs to (``golive.load.engine`` ->
    ``golive.load``; ``golive`` itself, the package's ``__init__``, is its own)."""
    return ".".join(module.split(".")[:2])


def _packages(edges: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Module edges folded into top-level package edges (one package's own imports dropped)."""
    folded: dict[str, set[str]] = {}
    for module, targets in edges.items():
        folded.setdefault(_package(module), set()).update(
            _package(t) for t in targets if _package(t) != _package(module)
        )
    return {p: frozenset(ts) for p, ts in folded.items()}


@cache
def package_graph() -> dict[str, frozenset[str]]:
    """Top-level package -> the top-level packages it imports."""
    return _packages(graph())


def _why(source: str, target: str) -> list[str]:
    """The module imports behind the package edge ``source -> target``."""
    return sorted(
        f"{m} -> {t}"
        for m, ts in graph().items()
        if _package(m) == source
        for t in ts
        if _package(t) == target
    )


# Every top-level package and module of golive, by layer, bottom up (docs/architecture.md).
# An import may point to its own layer or one below; within a layer, never round in a circle
# (test_no_package_cycle). A new top-level package or module is placed here when it is added.
DATA, BASICS, EXTENSION, INPUTS, TRANSPORT, TARGETS, DETECTORS, COMPONENTS = range(8)
METRIC_NAMES, PRESENT, ORCHESTRATION, ENTRY = range(8, 12)
LAYERS = {
    # data: records any layer hands to any other
    "golive.schemas": DATA,
    # basics: errors, helpers and the shared defaults
    "golive.errors": BASICS,
    "golive.failures": BASICS,
    "golive.defaults": BASICS,
    "golive.stats": BASICS,
    "golive.metrics": BASICS,
    "golive._children": BASICS,
    "golive._files": BASICS,
    "golive._http_access": BASICS,
    "golive._interrupt": BASICS,
    "golive._launch": BASICS,
    "golive._loop": BASICS,
    "golive._redact": BASICS,
    "golive._secrets": BASICS,
    "golive._unicode": BASICS,
    "golive._validation": BASICS,
    "golive._version": BASICS,
    "golive._yaml": BASICS,
    # extension points
    "golive.registry": EXTENSION,
    # input documents: the suite's cases (read by the runner and by quality under load)
    "golive.suite": INPUTS,
    "golive.transport": TRANSPORT,
    "golive.targets": TARGETS,
    # components
    "golive.detectors": DETECTORS,  # what scoring and guard share; neither imports the other
    "golive.diversity": COMPONENTS,
    "golive.scoring": COMPONENTS,
    "golive.guard": COMPONENTS,
    "golive.execution": COMPONENTS,
    "golive.load": COMPONENTS,
    "golive.scan": COMPONENTS,
    "golive.events": COMPONENTS,
    "golive.demo": COMPONENTS,
    # the metric names a gate may use, read from the components' specs; gates judge them
    "golive._metric_names": METRIC_NAMES,
    "golive.gates": METRIC_NAMES,
    # record and present
    "golive.store": PRESENT,
    "golive.reports": PRESENT,
    "golive.compare": PRESENT,
    "golive.serve": PRESENT,
    "golive.ci": PRESENT,
    "golive.display": PRESENT,
    # orchestration
    "golive.config": ORCHESTRATION,
    "golive.runner": ORCHESTRATION,
    "golive.hardening": ORCHESTRATION,
    "golive.pipeline": ORCHESTRATION,
    # entry points
    "golive.cli": ENTRY,
    "golive.api": ENTRY,
    "golive.__main__": ENTRY,
    "golive": ENTRY,
}


def test_every_top_level_package_has_a_layer() -> None:
    found = {_package(m) for m in modules()}
    unplaced = sorted(found - set(LAYERS))
    assert not unplaced, (
        f"new top-level packages or modules {unplaced}: add each to LAYERS in "
        "tests/unit/test_import_graph.py, in the layer whose imports it needs "
        "(docs/architecture.md)"
    )
    gone = sorted(set(LAYERS) - found)
    assert not gone, f"{gone} are no longer in src/golive: remove them from LAYERS"


def test_no_package_cycle() -> None:
    cycles = _cycles(package_graph())
    detail = "; ".join(
        " <-> ".join(f"{p} (imports {sorted(package_graph()[p] & set(c))})" for p in c)
        + ": "
        + ", ".join(e for a in c for b in c if a != b for e in _why(a, b))
        for c in cycles
    )
    assert not cycles, f"package cycles: {detail}"


def test_imports_point_to_the_same_layer_or_below() -> None:
    upward = [
        f"{source} (layer {LAYERS[source]}) -> {target} (layer {LAYERS[target]}): "
        + ", ".join(_why(source, target))
        for source, targets in sorted(package_graph().items())
        for target in sorted(targets)
        if source in LAYERS and target in LAYERS and LAYERS[target] > LAYERS[source]
    ]
    assert not upward, "imports pointing up a layer:\n" + "\n".join(upward)


def test_the_package_walker_finds_a_cycle_no_module_cycle_shows() -> None:
    assert _package("golive.load.engine") == "golive.load"
    assert _package("golive") == "golive"
    # a.x -> b.y -> a.z: no module is in a cycle, but packages a and b import each other.
    edges = {
        "golive.a.x": frozenset({"golive.b.y"}),
        "golive.b.y": frozenset({"golive.a.z"}),
        "golive.a.z": frozenset(),
        "golive.c": frozenset({"golive.a.x"}),
    }
    assert _cycles(edges) == []
    assert _cycles(_packages(edges)) == [["golive.a", "golive.b"]]
