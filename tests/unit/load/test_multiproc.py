"""Splitting a level over client processes and merging their parts: the split is a partition
of the original users or arrivals, the merge keeps every record and judges validity."""

from __future__ import annotations

import pytest

from golive.load.engine import LevelPlan
from golive.load.multiproc import merge_results, split_level, spread_spec
from golive.registry import registry
from golive.schemas import ClientHealth, LevelResult, RequestRecord, ResponseSample


def closed(c: int, **kw: int) -> LevelPlan:
    return LevelPlan(index=3, profile="closed", duration_s=2.0, concurrency=c, **kw)  # type: ignore[arg-type]


def opened(arrivals: list[float], **kw: object) -> LevelPlan:
    return LevelPlan(
        index=1,
        profile="poisson",
        duration_s=1.0,
        rate=len(arrivals),
        arrivals_s=tuple(arrivals),
        **kw,  # type: ignore[arg-type]
    )


def test_users_are_divided_and_sum_to_the_level() -> None:
    assert [p.concurrency for p in split_level(closed(256), 4)] == [64, 64, 64, 64]
    assert [p.concurrency for p in split_level(closed(10), 4)] == [3, 3, 2, 2]
    assert [p.concurrency for p in split_level(closed(2), 4)] == [1, 1]  # no idle workers
    caps = [p.max_requests for p in split_level(closed(8, max_requests=5), 2)]
    assert caps == [3, 2]


def test_arrivals_are_dealt_round_robin_a_partition_in_order() -> None:
    arrivals = [0.0, 0.1, 0.1, 0.25, 0.3, 0.7, 0.9, 1.0, 1.2]  # the last two are past the end
    parts = split_level(opened(arrivals, prompt_indices=tuple(range(10, 19))), 3)
    assert len(parts) == 3
    union = sorted(
        (a, p)
        for part in parts
        for a, p in zip(part.arrivals_s or (), part.prompt_indices or (), strict=True)
    )
    assert union == list(zip(arrivals[:7], range(10, 17), strict=True))  # what one process sends
    for k, part in enumerate(parts):
        assert part.arrivals_s == tuple(arrivals[:7][k::3])  # arrival i -> worker i % 3
        assert list(part.arrivals_s or ()) == sorted(part.arrivals_s or ())
        assert part.max_requests is None and part.duration_s == 1.0


def test_open_loop_keeps_prompts_max_requests_and_splits_max_concurrency() -> None:
    parts = split_level(opened([i * 0.1 for i in range(9)], max_requests=5, max_concurrency=3), 2)
    assert [p.arrivals_s for p in parts] == [(0.0, 0.2, 0.4), (0.1, 0.30000000000000004)]
    assert [p.prompt_indices for p in parts] == [(0, 2, 4), (1, 3)]  # arrival i keeps prompt i
    assert [p.max_concurrency for p in parts] == [2, 2]  # ceil(3 / 2) each


def test_split_needs_a_process() -> None:
    with pytest.raises(ValueError, match="processes"):
        split_level(closed(4), 0)


def record(t_sched: int) -> RequestRecord:
    return RequestRecord(
        level=0,
        t_sched_ns=t_sched,
        t_send_ns=t_sched,
        chunk_times_ns=(t_sched + 5,),
        t_end_ns=t_sched + 9,
        output_tokens=1,
        token_source="usage",
    )


def part(times: list[int], *, cpu: float, valid: bool = True, why: str = "") -> LevelResult:
    return LevelResult(
        index=0,
        concurrency=None,
        rate=1.0,
        profile="poisson",
        duration_s=1.0,
        records=tuple(record(t) for t in times),
        health=ClientHealth(1.0, 2.0, cpu, valid, why),
        samples=tuple(ResponseSample(0, "x", "stop", t_sched_ns=t) for t in times),
    )


def test_merge_sorts_records_sums_cpu_and_is_valid_when_all_are() -> None:
    plan = opened([0.0, 0.5])
    merged = merge_results(plan, [part([1, 5], cpu=40.0), part([3, 4], cpu=30.0)], [])
    assert [r.t_sched_ns for r in merged.records] == [1, 3, 4, 5]
    assert merged.health.valid and merged.health.cpu_pct == 70.0
    assert merged.health.worker_cpu_pct == (40.0, 30.0)
    assert merged.index == plan.index and merged.rate == plan.rate
    assert [s.t_sched_ns for s in merged.samples] == [3, 5]  # as many as one worker keeps


def test_merge_names_the_worker_that_was_invalid_or_missing() -> None:
    plan = closed(4)
    bad = part([2], cpu=99.0, valid=False, why="client CPU 99%")
    merged = merge_results(plan, [part([1], cpu=10.0), bad, None], ["worker 2 exited with code 3"])
    assert not merged.health.valid and len(merged.records) == 2
    assert "worker 1: client CPU 99%" in merged.health.reason
    assert "worker 2 exited" in merged.health.reason
    assert merged.concurrency == 4


def test_the_demo_is_reached_at_its_url_other_targets_by_their_args() -> None:
    args = registry.parse(
        "target", {"kind": "openai", "url": "http://h/v1", "model": "m"}, field="t"
    )
    spec = spread_spec(args, object())
    assert registry.parse("target", spec, field="t") == args

    class Started:
        base_url = "http://127.0.0.1:5/v1"
        model = "demo-model"

    demo = registry.parse("target", {"kind": "demo"}, field="t")
    assert spread_spec(demo, Started()) == {
        "kind": "openai",
        "url": "http://127.0.0.1:5/v1",
        "model": "demo-model",
    }
