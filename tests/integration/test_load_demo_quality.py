"""Load tests against the demo run its server in another process, and score replies under load."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from golive.cli._load_run import load_run_result
from golive.demo import demo_suite_path
from golive.events import Event, EventBus, LevelStarted
from golive.load.engine import LevelPlan, run_level
from golive.load.quality import QualityScoring
from golive.load.session import load_metrics, load_prompts, run_load
from golive.load.spec import LoadSpec
from golive.registry import registry
from golive.reports.summary import build_summary, load_schema
from golive.schemas import FailureMode
from golive.suite import load_suite

pytestmark = pytest.mark.integration


def _mock_server_children() -> list[int]:
    """Processes whose parent is this one, running ``golive mock-server``."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == me and b"mock-server" in cmdline:
            found.append(int(entry.name))
    return found


async def test_load_on_the_demo_measures_a_server_in_another_process_with_quality() -> None:
    cases = load_suite(demo_suite_path()).cases
    spec = LoadSpec.model_validate(
        {
            "concurrency": [1, 4],
            "duration": 2,
            "max_tokens": 64,
            "slo": {"ttft_p95": "2s"},
            "cold_start": {"ready_timeout_s": 30},
            # Not a test of client health (test_load_health is): a busy CI machine meets these.
            "client": {"max_lag_ms": 1000, "max_cpu_pct": 1000},
        }
    )
    args = registry.parse(
        "target", {"kind": "demo", "settings": {"cold_start_s": 0.3}}, field="target"
    )
    servers: list[list[int]] = []
    bus = EventBus()

    def started(event: Event) -> None:
        if isinstance(event, LevelStarted):
            servers.append(_mock_server_children())

    bus.subscribe(started)
    outcome = await run_load(
        spec,
        args,
        prompts=load_prompts(spec, suite_messages=[c.messages() for c in cases]),
        bus=bus,
        quality=QualityScoring(cases),
    )
    assert outcome.status == "finished"
    # The server ran in a child process during every level, and none outlived the test.
    assert len(servers) == 2 and all(len(pids) == 1 for pids in servers)
    assert os.getpid() not in servers[0]
    assert _mock_server_children() == []
    load = outcome.load
    assert [lv.concurrency for lv in load.levels] == [1, 4]
    assert all(lv.health.valid for lv in load.levels), [lv.health for lv in load.levels]
    # Cold start: launch of the child → first token, past the configured 0.3 s model load.
    assert load.cold_start_ms is not None and load.cold_start_ms >= 300.0
    for level in load.levels:
        assert 0 < len(level.samples) <= 20
        q = level.quality
        assert q is not None and q.n == len(level.samples) and 0 <= q.passed <= q.n
        assert q.baseline_pass_rate is None  # no quality run in `golive load`
    metrics = load_metrics(load)
    rate = metrics["load.quality_pass_rate@c=4"]
    assert rate.ci is not None and rate.ci[0] <= rate.value <= rate.ci[1]
    assert rate.n == load.levels[1].quality.n  # type: ignore[union-attr]
    assert "load.quality_truncated_share@c=1" in metrics
    result = load_run_result(
        outcome, spec, [], run_id="r", started_at=datetime.now(UTC), target={"kind": "demo"}
    )
    summary = build_summary(result)
    jsonschema.Draft202012Validator(load_schema()).validate(summary)
    entry = summary["load"]["levels"][1]["quality"]
    assert entry["pass_rate"]["n"] == rate.n and entry["pass_rate"]["value"] == rate.value
    assert set(entry["failures"]) <= {m.value for m in FailureMode}
    assert all(isinstance(v, int) and v >= 1 for v in entry["failures"].values())


async def test_samples_are_measured_replies_spread_over_the_level() -> None:
    spec = LoadSpec.model_validate({"concurrency": [2], "max_tokens": 8})
    args = registry.parse("target", {"kind": "demo", "settings": {"fast": True}}, field="t")
    target = registry.build("target", args)
    await target.start()
    try:
        plan = LevelPlan(index=0, profile="closed", duration_s=1.0, concurrency=2, warmup_s=0.3)
        level = await run_level(target, plan, load_prompts(spec), sample_replies=5)
    finally:
        await target.close()
    measured = sorted(r.t_sched_ns for r in level.records if not r.warmup)
    assert len(measured) > 5 and len(level.samples) == 5
    times = [s.t_sched_ns for s in level.samples]
    assert times == sorted(times) and len(set(times)) == 5
    assert times[0] >= measured[0] and times[0] < measured[len(measured) // 2] < times[-1]
    # max_tokens 8 cuts the demo's answers: the reply says so.
    assert all(s.finish_reason == "length" and s.output for s in level.samples)
