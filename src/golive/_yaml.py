"""YAML loading with a budget: aliases may not blow a small file up into a huge document.

A YAML alias (``*a``) shares the node its anchor names, so PyYAML loads a "billion laughs"
quickly, but every consumer that walks the result (validation, JSON encoding of a request
body, an error message quoting it) pays for the expansion. The expanded size is counted on
the composed node graph, before anything is built from it, in time linear in the file.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["ALIAS_BUDGET", "MAX_DEPTH", "YamlLimitError", "load_yaml", "problem"]

# Deeper nesting is no configuration or case; it only exhausts the recursion of whatever
# walks the result later.
MAX_DEPTH = 64
# How much aliases may add to a document, counted as one per node plus one per character of
# each scalar: room for any honest reuse of a block, far below what hurts.
ALIAS_BUDGET = 1_000_000

_Loader: type[yaml.SafeLoader]
try:
    _Loader = yaml.CSafeLoader  # type: ignore[assignment]  # libyaml: same API, faster
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


class YamlLimitError(yaml.YAMLError):
    """A document past golive's limits: aliases expand it too far, or it nests too deep."""


def load_yaml(text: str, *, alias_budget: int = ALIAS_BUDGET, max_depth: int = MAX_DEPTH) -> Any:
    """``yaml.safe_load(text)``, refusing documents whose aliases expand them by more than
    ``alias_budget`` nodes and characters, and documents nesting more than ``max_depth``
    levels of lists and mappings.

    Raises:
        yaml.YAMLError: invalid YAML, or ``YamlLimitError`` for a document past the limits.
    """
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_shape(node, alias_budget, max_depth)
            return loader.construct_document(node)
        except RecursionError:
            raise YamlLimitError(
                f"the document nests more than {max_depth} levels deep; flatten it"
            ) from None
        except ValueError as exc:  # e.g. an integer of more digits than Python converts
            raise YamlLimitError(f"cannot convert a value: {str(exc)[:200]}") from None
    finally:
        loader.dispose()


def problem(exc: yaml.YAMLError, limit: int = 600) -> str:
    """A YAML error as one bounded message (an anchor name or a snippet may be huge)."""
    text = str(exc)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} chars)"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _weight(node: yaml.Node) -> int:
    return 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)


def _check_shape(root: yaml.Node, budget: int, max_depth: int) -> None:
    """Raise YamlLimitError when aliases add more than ``budget`` to the document, when an
    alias refers to a node that contains it (an infinite document), or when containers nest
    more than ``max_depth`` deep. Iterative, and linear in the distinct nodes."""
    expanded: dict[int, int] = {}  # id(node) -> its size with every alias written out
    height: dict[int, int] = {}  # id(node) -> levels of containers, itself included
    written = 0  # the size of the distinct nodes: what the file itself spells out
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            children = _children(node)
            expanded[key] = _weight(node) + sum(expanded[id(c)] for c in children)
            if isinstance(node, yaml.ScalarNode):
                height[key] = 0
            else:
                height[key] = 1 + max((height[id(c)] for c in children), default=0)
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise YamlLimitError(
                "an alias refers to a node that contains it, which would be infinite; "
                "remove the alias"
            )
        on_path.add(key)
        written += _weight(node)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    if height[id(root)] > max_depth:
        raise YamlLimitError(f"the document nests more than {max_depth} levels deep; flatten it")
    added = expanded[id(root)] - written
    if added > budget:
        raise YamlLimitError(
            f"its aliases (*name) would expand it by {added:,} nodes and characters, past "
            f"golive's limit of {budget:,}; write the repeated values out or reuse less "
            "(a document built like this is a denial-of-service attack known as "
            "'billion laughs')"
        )
