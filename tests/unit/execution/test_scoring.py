"""Scorers are warm before the first request, score in a child process off the measuring
loop, and a child that dies hands scoring back to the loop without losing a sample."""

from __future__ import annotations

import os
from typing import Any, Literal

import pytest

from fakes import FakeTarget
from golive.config import plan_from_dict
from golive.execution.scoring import fork_available
from golive.registry import scorer
from golive.runner import Runner
from golive.schemas import Case, FailureMode, Observation, Request, Score
from golive.scoring.base import ScorerArgs, Warmable

PARENT = os.getpid()
WARMED: list[str] = []


class ProbeArgs(ScorerArgs):
    kind: Literal["test_probe"] = "test_probe"
    die_in_child: bool = False


class _Probe:
    """Records the process it scores in; can die there (a segfaulting native scorer)."""

    name = "test_probe"
    scope: Literal["sample"] = "sample"

    def __init__(self, args: ProbeArgs) -> None:
        self.args = args

    def warm(self) -> None:
        WARMED.append("probe")

    async def score(self, observation: Observation, case: Case) -> Score:
        if self.args.die_in_child and os.getpid() != PARENT:
            os._exit(3)
        return Score(self.name, float(os.getpid()), True, "", FailureMode.WRONG_ANSWER)


@scorer("test_probe", args=ProbeArgs)
def probe(args: ProbeArgs) -> _Probe:
    """Scores with the id of the process it runs in."""
    return _Probe(args)


def plan(**scorer: Any) -> Any:
    return plan_from_dict(
        {
            "target": {"kind": "fake"},
            "scorers": [{"kind": "test_probe", **scorer}, {"kind": "consistency"}],
            "samples": 3,
            "concurrency": 2,
        }
    )


CASES = [Case(id=f"c{i}", input=f"How do I reset my password, ticket {i}?") for i in range(4)]


async def test_every_scorer_is_warm_before_the_first_request() -> None:
    WARMED.clear()
    seen: list[list[str]] = []

    def reply(request: Request) -> str:
        seen.append(list(WARMED))
        return "Open Settings, then Security."

    await Runner(plan()).run_async(CASES, target=FakeTarget(reply))
    assert isinstance(probe(ProbeArgs()), Warmable)
    assert seen and all(s == ["probe"] for s in seen)  # warmed once, before any request


@pytest.mark.skipif(not fork_available(), reason="scoring stays on the loop without fork")
async def test_scorers_run_in_another_process() -> None:
    runner = Runner(plan())
    result = await runner.run_async(CASES, target=FakeTarget(lambda r: "Open Settings."))
    pids = {s.scores[0].value for c in result.cases for s in c.samples}
    assert len(pids) == 1 and PARENT not in pids
    assert {c.case_scores[0].name for c in result.cases} == {"consistency"}
    assert runner.scorer_seconds.keys() == {"test_probe", "consistency"}


async def test_a_dead_scoring_process_hands_scoring_back_to_the_loop() -> None:
    result = await Runner(plan(die_in_child=True)).run_async(
        CASES, target=FakeTarget(lambda r: "Open Settings.")
    )
    assert result.status == "finished"
    samples = [s for c in result.cases for s in c.samples]
    assert len(samples) == 12
    assert all(s.scores[0].value == PARENT for s in samples)
    assert all(c.case_scores for c in result.cases)


async def test_loop_scoring_is_still_there_on_request() -> None:
    result = await Runner(plan(), scoring="loop").run_async(
        CASES, target=FakeTarget(lambda r: "Open Settings.")
    )
    assert all(s.scores[0].value == PARENT for c in result.cases for s in c.samples)


def test_the_language_scorer_loads_its_detector_when_warmed() -> None:
    from golive.detectors import language as detection
    from golive.registry import registry
    from golive.scoring import language

    built = registry.build("scorer", language.LanguageArgs(languages=["en", "sv"]))
    key = frozenset(["en", "sv"])
    detection._detectors.pop(key, None)
    built.warm()
    assert key in detection._detectors


@pytest.mark.skipif(not fork_available(), reason="scoring stays on the loop without fork")
async def test_ctrl_c_in_the_terminal_leaves_scoring_to_the_parent() -> None:
    """Ctrl-C reaches the whole process group; the scoring process must outlive it so that
    the interrupted run still scores what it fetched."""
    import signal

    from golive.execution.scoring import CaseScorers, Scoring

    case = CASES[0]
    scoring = Scoring({case.id: CaseScorers(case, [probe(ProbeArgs())], [])}, mode="process")
    # The interpreter's own handler (KeyboardInterrupt), as the child would inherit it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        await scoring.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        await scoring.ready()
        request = Request(messages=case.messages())
        observation = Observation(case.id, 0, request, "Open Settings.", 0, 0)
        (first,) = await scoring.score(case.id, observation)
        assert first.value != PARENT
        os.kill(int(first.value or 0), signal.SIGINT)
        (again,) = await scoring.score(case.id, observation)
        assert again.value == first.value and scoring.mode == "process"
    finally:
        await scoring.close()
