from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fakes import FakeTarget, failure
from golive.config import plan_from_dict
from golive.events import (
    CaseFinished,
    Event,
    EventBus,
    ObservationRecorded,
    RunFinished,
    RunStarted,
)
from golive.runner import Runner
from golive.schemas import Case, FailureMode, Request


def make_plan(**overrides: Any) -> Any:
    data: dict[str, Any] = {
        "target": {"kind": "fake"},
        "scorers": [],
        "samples": 3,
        "concurrency": 4,
        "timeout": 5,
        "gates": ["quality.pass_rate >= 0.5"],
    }
    data.update(overrides)
    return plan_from_dict(data)


CASES = [
    Case(
        id="refund",
        input="How long for a refund?",
        assertions=[{"kind": "contains", "value": "30 days"}],
    ),
    Case(id="password", input="Reset my password", capability="account"),
]


def answer(request: Request) -> str:
    text = request.messages[-1].content
    return "Refunds are possible within 30 days." if "refund" in text else "Use the reset link."


async def test_every_case_is_sampled_and_scored() -> None:
    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(events.append)
    target = FakeTarget(answer)
    result = await Runner(make_plan(), bus=bus).run_async(CASES, target=target)
    assert target.started and target.closed
    assert len(target.calls) == 6
    assert [c.case.id for c in result.cases] == ["refund", "password"]
    assert all(len(c.samples) == 3 for c in result.cases)
    assert result.status == "finished"
    assert result.metrics["quality.pass_rate"].value == 1.0
    assert result.metrics["quality.pass_rate"].n == 6
    assert result.verdict.go
    assert isinstance(events[0], RunStarted) and events[0].total_requests == 6
    assert sum(isinstance(e, ObservationRecorded) for e in events) == 6
    assert sum(isinstance(e, CaseFinished) for e in events) == 2
    assert isinstance(events[-1], RunFinished)


async def test_samples_get_distinct_seeds_and_the_system_prompt() -> None:
    target = FakeTarget(answer)
    plan = make_plan(request={"system_prompt": "Be brief."}, seed=7)
    await Runner(plan).run_async(CASES[:1], target=target)
    assert sorted(r.seed for r in target.calls if r.seed is not None) == [7000, 7001, 7002]
    assert all(r.messages[0].role == "system" for r in target.calls)


async def test_failures_are_recorded_not_raised() -> None:
    def flaky(request: Request) -> Any:
        return failure(FailureMode.HTTP_ERROR, "500") if request.seed == 1 else answer(request)

    result = await Runner(make_plan()).run_async(CASES, target=FakeTarget(flaky))
    modes = [f.mode for c in result.cases for s in c.samples for f in s.findings]
    assert modes == [FailureMode.HTTP_ERROR, FailureMode.HTTP_ERROR]
    assert result.metrics["failures.visible_rate"].value == pytest.approx(2 / 6)
    assert result.metrics["failures.mode.http_error.count"].value == 2


async def test_wrong_answers_are_silent_failures() -> None:
    result = await Runner(make_plan()).run_async(
        CASES, target=FakeTarget(lambda r: "Sure, any time!")
    )
    refund = result.cases[0]
    assert all(
        f.mode == FailureMode.WRONG_ANSWER and f.kind == "silent"
        for s in refund.samples
        for f in s.findings
    )
    assert result.metrics["failures.silent_rate"].value == pytest.approx(0.5)


async def test_concurrency_is_bounded() -> None:
    gate = asyncio.Event()
    target = FakeTarget(answer, gate=gate)
    runner = Runner(make_plan(concurrency=2))
    task = asyncio.ensure_future(runner.run_async(CASES, target=target))
    await target.wait_for_calls(2)
    for _ in range(10):  # give any excess worker every chance to start
        await asyncio.sleep(0)
    assert target.in_flight == 2
    gate.set()
    result = await task
    assert target.peak_in_flight == 2
    assert len(result.cases) == 2


async def test_cancellation_keeps_finished_samples_and_marks_interrupted() -> None:
    target = FakeTarget(answer, block_after=2)
    runner = Runner(make_plan(concurrency=1))
    task = asyncio.ensure_future(runner.run_async(CASES, target=target))
    await target.wait_for_calls(3)  # the third request hangs until cancelled
    task.cancel()
    result = await task
    assert result.status == "interrupted"
    assert target.closed
    kept = [s for c in result.cases for s in c.samples]
    assert len(kept) == 2
    assert result.metrics["quality.pass_rate"].n == 2


async def test_variants_get_the_diversity_sample_count() -> None:
    from golive.diversity.base import Mutation
    from golive.diversity.expand import make_variant

    class Upper:
        name, family, expectation = "upper", "noise", "invariant"

    variant = make_variant(CASES[0], Upper(), Mutation("HOW LONG FOR A REFUND?"), 0, 1)  # type: ignore[arg-type]
    target = FakeTarget(answer)
    plan = make_plan(samples=3, diversity={"samples": 2})
    result = await Runner(plan).run_async([CASES[0], variant], target=target)
    assert [len(c.samples) for c in result.cases] == [3, 2]
    assert result.metrics["quality.pass_rate"].n == 3  # quality is about canonical cases
    assert result.metrics["robustness.upper.pass_rate"].n == 2
