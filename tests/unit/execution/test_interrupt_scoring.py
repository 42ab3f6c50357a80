"""An interrupt is answered in bounded time however long scoring takes: the pipeline scores
fetched replies for a bounded time after a cancellation, and a scoring child still busy
when the run stops waiting is ended, not waited for."""

from __future__ import annotations

import asyncio
import os
from typing import Literal

import pytest

from fakes import FakeTarget
from golive.config import plan_from_dict
from golive.execution.local import fetch_then_process
from golive.execution.scoring import fork_available
from golive.registry import scorer
from golive.runner import Runner
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring.base import ScorerArgs

PARENT = os.getpid()
# Written by the scorer in the child when it starts its endless work (inherited at fork).
_STARTED_R, _STARTED_W = os.pipe()
GENEROUS_S = 30.0  # a bound for a busy machine; the real figure is well under a second


async def test_processing_after_a_cancellation_is_bounded() -> None:
    processed: list[int] = []
    forever = asyncio.Event()
    two_done = asyncio.Event()

    async def fetch(i: int) -> int:
        return i

    async def process(r: int) -> None:
        if r >= 2:
            two_done.set()
            await forever.wait()  # a reply that takes "forever" to score
        processed.append(r)

    task = asyncio.ensure_future(fetch_then_process(range(6), fetch, process, 6, drain_s=0.05))
    await asyncio.wait_for(two_done.wait(), GENEROUS_S)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, GENEROUS_S)
    assert processed == [0, 1]  # finished before the cancel: kept


class StuckArgs(ScorerArgs):
    kind: Literal["test_stuck"] = "test_stuck"


class _Stuck:
    """Never finishes in the scoring child (a scorer with a runaway algorithm)."""

    name = "test_stuck"
    scope: Literal["sample"] = "sample"

    async def score(self, observation: Observation, case: Case) -> Score:
        if os.getpid() != PARENT:
            os.write(_STARTED_W, b"x")
            while True:  # busy, as a quadratic scorer is: no await, no signal check
                pass
        return Score(self.name, 1.0, True, "", FailureMode.WRONG_ANSWER)


@scorer("test_stuck", args=StuckArgs)
def stuck(args: StuckArgs) -> _Stuck:
    """Scores forever in the scoring process."""
    return _Stuck()


async def _child_started() -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    loop.add_reader(_STARTED_R, lambda: ready.done() or ready.set_result(None))
    try:
        await ready
        os.read(_STARTED_R, 1)
    finally:
        loop.remove_reader(_STARTED_R)


@pytest.mark.skipif(not fork_available(), reason="scoring stays on the loop without fork")
async def test_an_interrupted_run_ends_a_scoring_process_that_is_stuck() -> None:
    plan = plan_from_dict(
        {"target": {"kind": "fake"}, "scorers": [{"kind": "test_stuck"}], "samples": 2}
    )
    cases = [Case(id=f"c{i}", input=f"question {i}") for i in range(3)]
    runner = Runner(plan)
    task = asyncio.ensure_future(runner.run_async(cases, target=FakeTarget(lambda r: "answer")))
    await asyncio.wait_for(_child_started(), GENEROUS_S)
    task.cancel()  # what Ctrl-C does to the run (golive._interrupt cancels this task)
    result = await asyncio.wait_for(task, GENEROUS_S)
    assert result.status == "interrupted"
    assert not [s for c in result.cases for s in c.samples]  # nothing finished scoring
