"""``execute_async`` as a list of stages on one event bus: ``RunFinished`` is published once,
last, with the final result (every stage's metrics and gates); the load levels go over the
same bus; a stage is added without touching the others; an instance of a target runs as is;
without a console nothing is printed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from fakes import FakeTarget
from golive.config import Plan, plan_from_dict
from golive.errors import ConfigError
from golive.events import (
    CaseFinished,
    Event,
    LevelFinished,
    LevelStarted,
    RunFinished,
    RunStarted,
)
from golive.pipeline import STAGES, RunSoFar, execute_async
from golive.schemas import Metric
from golive.store import get_run

TARGET = {"kind": "python", "callable": "servers.callables:shout"}


def _plan(tmp_path: Path, **extra: object) -> Plan:
    suite = tmp_path / "cases.jsonl"
    suite.write_text(
        "\n".join(json.dumps({"id": i, "input": f"question {i}"}) for i in ("a", "b")) + "\n"
    )
    return plan_from_dict(
        {
            "target": TARGET,
            "suite": str(suite),
            "samples": 2,
            "scorers": [],
            "gates": ["quality.pass_rate >= 0"],
            "reporters": [],
            "store": f"sqlite:///{tmp_path / 'g.db'}",
            "out": str(tmp_path / "out"),
            **extra,
        }
    )


async def test_run_finished_is_published_once_last_with_every_stage_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await execute_async(_plan(tmp_path))  # the baseline to compare with
    plan = _plan(
        tmp_path,
        load={"concurrency": [1], "duration": 0.2, "warmup": 0, "requests": 3},
        scan={"categories": ["pii_planted"], "per_category": 1, "unguarded": TARGET},
    )
    events: list[Event] = []
    outcome = await execute_async(plan, baseline="latest", subscribers=[events.append])

    finished = [e for e in events if isinstance(e, RunFinished)]
    assert len(finished) == 1  # was 4: the runner, then after unguarded, load and baseline
    assert events[-1] is finished[0]
    result = finished[0].result
    assert result == outcome.result
    # The one RunFinished holds what every stage added.
    assert "load.error_rate@c=1" in result.metrics
    assert any(m.startswith("hardening.") for m in result.metrics)
    assert result.comparison is not None
    assert "no regression against the baseline" in [g.name for g in result.verdict.gates]
    # The load levels came over the same bus, after the requests and before the end.
    kinds = [type(e) for e in events]
    assert kinds[0] is RunStarted
    assert kinds.index(LevelStarted) > max(i for i, k in enumerate(kinds) if k is CaseFinished)
    assert kinds.count(LevelFinished) == len(result.load.levels) == 1  # type: ignore[union-attr]
    # The store holds the final state, the same verdict.
    stored = get_run(plan.store, result.run_id)
    assert (stored.status, stored.verdict) == ("finished", result.verdict.label)
    assert capsys.readouterr().out == ""  # no console: nothing printed


async def test_a_stage_is_added_without_editing_the_others(tmp_path: Path) -> None:
    seen: list[int] = []

    async def extra(run: RunSoFar) -> None:
        result = run.finished()
        seen.append(len(result.cases))
        metrics = {**result.metrics, "extra.count": Metric("extra.count", 1.0, None, 1)}
        run.result = replace(result, metrics=metrics)

    events: list[Event] = []
    outcome = await execute_async(
        _plan(tmp_path), record=False, stages=(*STAGES, extra), subscribers=[events.append]
    )
    assert seen == [2]
    assert outcome.result.metrics["extra.count"].value == 1.0
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert [f.result for f in finished] == [outcome.result]


async def test_a_target_instance_is_run_as_given(tmp_path: Path) -> None:
    target = FakeTarget(lambda request: "from the instance")
    outcome = await execute_async(_plan(tmp_path), record=False, target=target)
    assert target.started and target.closed
    assert len(target.calls) == 4  # 2 cases x 2 samples, none to the plan's python target
    outputs = {s.observation.output for c in outcome.result.cases for s in c.samples}
    assert outputs == {"from the instance"}
    assert outcome.result.target == {"kind": "fake"}


async def test_a_load_stage_refuses_a_target_instance_before_any_request(tmp_path: Path) -> None:
    target = FakeTarget(lambda request: "x")
    plan = _plan(tmp_path, load={"concurrency": [1], "duration": 0.2, "warmup": 0})
    with pytest.raises(ConfigError, match=r"load\.target"):
        await execute_async(plan, record=False, target=target)
    assert target.calls == [] and not target.started


async def test_stages_without_the_requests_stage_are_a_mistake(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    with pytest.raises(ValueError, match="requests stage"):
        await execute_async(plan, stages=STAGES[:2])
    with pytest.raises(ConfigError, match="holds no runs"):  # the store was closed, empty
        get_run(plan.store)
