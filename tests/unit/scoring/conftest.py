"""Builders for scorer tests: observations and cases made directly, no target needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from golive.registry import registry
from golive.schemas import Case, Message, Observation, ObservationError, Request

ObsFactory = Callable[..., Observation]


def _obs(output: str, *, case_id: str = "c1", sample: int = 0, error: bool = False) -> Observation:
    request = Request(messages=(Message(role="user", content="question"),))
    failure = ObservationError(mode="timeout", message="timed out") if error else None  # type: ignore[arg-type]
    return Observation(case_id, sample, request, output, 0, 0, error=failure)


@pytest.fixture
def obs() -> ObsFactory:
    return _obs


@pytest.fixture
def case() -> Callable[..., Case]:
    def make(input: str = "What is the refund window?", **fields: Any) -> Case:
        return Case(id=fields.pop("id", "c1"), input=input, **fields)

    return make


@pytest.fixture
def build() -> Callable[..., Any]:
    """Build a scorer the way a plan does: validate the spec, then call the factory."""

    def make(kind: str, **spec: Any) -> Any:
        args = registry.parse("scorer", {"kind": kind, **spec}, field="scorers[0]")
        return registry.build("scorer", args)

    return make
