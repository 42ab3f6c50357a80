"""The warm-up contract: a component (a detector, a scorer, a guard) that loads something on
first use (a language detector, an embedding model, a corpus) implements ``Warmable``, and
whoever runs it calls ``warm()`` before the first request, so that loading never happens
while a reply's latency is being measured. Scoring and guard both use it, so it lives below
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

__all__ = ["Warmable", "warm_all"]


@runtime_checkable
class Warmable(Protocol):
    """A scorer (or guard) with something to load before its first use."""

    def warm(self) -> None:
        """Load now what the first call would load (models, detectors, compiled corpora).

        Called once per run, before any request is sent, possibly in a worker thread or
        process; it must be safe to call more than once.
        """
        ...


def warm_all(components: Iterable[object]) -> None:
    """``warm()`` every component that has something to load; the others need nothing."""
    seen: set[int] = set()
    for component in components:
        if id(component) not in seen and isinstance(component, Warmable):
            seen.add(id(component))
            component.warm()
