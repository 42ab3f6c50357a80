"""A level spread over two client processes against real servers on loopback: both workers'
records come back on one clock, and a worker that dies or hangs is reported, never waited on."""

from __future__ import annotations

import os
import sys
import time

from golive.load.engine import LevelPlan
from golive.load.multiproc import WorkerOptions, run_level_spread, shared_clock
from golive.load.session import run_load
from golive.load.spec import LoadSpec
from golive.registry import registry
from golive.schemas import Message, Request
from servers.misbehaving import running_server

_GOOD = "good;ttft=0.01;n=4;itl=0.002"
# These tests are not about client health (test_load_health is): limits a busy CI machine meets.
TOLERANT = WorkerOptions(max_lag_ms=1000.0, max_cpu_pct=1000.0)


def ask(text: str) -> Request:
    return Request(messages=(Message(role="user", content=text),), max_tokens=8)


# Python-target callables, imported by name in the worker processes.
def answer_or_die(text: str) -> str:
    if text == "die":
        os._exit(3)  # the worker process dies mid-level
    return "fine"


async def answer_or_stall(text: str) -> str:
    if text == "stall":
        time.sleep(60)  # noqa: ASYNC251 - blocks the worker's event loop: it can neither finish nor answer
    return "fine"


def python_target(name: str) -> dict[str, object]:
    return {"kind": "python", "callable": f"{__name__}:{name}"}


def alternating(n: int, step_s: float, duration_s: float, **kw: float) -> LevelPlan:
    """Prompt 0 on even arrivals, prompt 1 on odd ones: dealt round-robin over two workers,
    worker 0 gets every prompt 0 and worker 1 every prompt 1."""
    return LevelPlan(
        index=0,
        profile="constant",
        duration_s=duration_s,
        rate=1 / step_s,
        arrivals_s=tuple(i * step_s for i in range(n)),
        prompt_indices=tuple(i % 2 for i in range(n)),
        **kw,  # type: ignore[arg-type]
    )


def test_perf_counter_is_one_machine_wide_clock_on_linux() -> None:
    if sys.platform == "linux":
        assert shared_clock()


async def test_closed_loop_over_two_processes_through_run_load() -> None:
    async with running_server() as s:
        args = registry.parse("target", {"kind": "openai", "url": s.url, "model": _GOOD}, field="t")
        spec = LoadSpec.model_validate(
            {
                "concurrency": [2],
                "duration": 0.6,
                "processes": 2,
                "max_tokens": 8,
                "client": {"max_lag_ms": TOLERANT.max_lag_ms, "max_cpu_pct": 1000},
            }
        )
        outcome = await run_load(spec, args, prompts=[ask("hi")])
    (level,) = outcome.load.levels
    assert outcome.status == "finished" and level.concurrency == 2
    assert level.health.valid and len(level.health.worker_cpu_pct) == 2
    assert len(level.records) >= 4 and all(r.error is None for r in level.records)
    # One user per worker, each waiting for its reply: two requests in flight at once can
    # only be the two workers' (both sent records).
    events = sorted(
        [(r.t_send_ns, 1) for r in level.records] + [(r.t_end_ns, -1) for r in level.records]
    )
    in_flight = peak = 0
    for _, step in events:
        in_flight += step
        peak = max(peak, in_flight)
    assert peak == 2
    assert level.metrics["requests"].value == len([r for r in level.records if not r.warmup])


async def test_open_loop_over_two_processes_keeps_the_schedule_on_one_clock() -> None:
    plan = alternating(40, 0.02, 1.0)
    async with running_server() as s:
        spec = {"kind": "openai", "url": s.url, "model": _GOOD}
        level = await run_level_spread(spec, plan, [ask("a"), ask("b")], 2, options=TOLERANT)
    assert level.health.valid, level.health.reason
    assert len(level.records) == 40 and all(r.error is None for r in level.records)
    t0 = level.records[0].t_sched_ns  # arrival 0 is due at the common origin
    for i, r in enumerate(level.records):
        # Both workers' due times lie exactly on the one schedule: same origin, same clock.
        assert abs(r.t_sched_ns - t0 - int(plan.arrivals_s[i] * 1e9)) <= 1  # type: ignore[index]
        assert r.prompt_index == i % 2  # arrival i went to worker i % 2 with its own prompt
        assert r.t_sched_ns <= r.t_send_ns < r.t_end_ns


async def test_a_worker_that_dies_is_reported_and_the_other_kept() -> None:
    plan = alternating(20, 0.02, 0.5, grace_s=0.5)
    started = time.monotonic()
    level = await run_level_spread(
        python_target("answer_or_die"), plan, [ask("ok"), ask("die")], 2, margin_s=30.0
    )
    assert time.monotonic() - started < 30.0  # noticed at its death, not at the deadline
    assert not level.health.valid
    assert "worker 1 exited with code 3" in level.health.reason
    assert len(level.records) == 10 and {r.prompt_index for r in level.records} == {0}
    assert all(r.error is None for r in level.records)


async def test_a_worker_that_hangs_is_killed_after_duration_grace_and_margin() -> None:
    plan = alternating(10, 0.02, 0.4, grace_s=0.2)
    level = await run_level_spread(
        python_target("answer_or_stall"), plan, [ask("ok"), ask("stall")], 2, margin_s=1.0
    )
    assert not level.health.valid
    assert "worker 1 did not answer in time and was killed" in level.health.reason
    assert len(level.records) == 5 and {r.prompt_index for r in level.records} == {0}
