"""Every metric a run produces is a name a gate may use: the static catalog that gate
validation checks (``golive._metric_names``) stays in step with the families that make them."""

from __future__ import annotations

from dataclasses import replace

from golive._metric_names import is_known_metric
from golive.hardening import hardening_metrics
from golive.load.metrics import level_metrics
from golive.load.session import load_metrics
from golive.schemas import ClientHealth, LevelResult, LoadResult, RequestRecord, RunResult

MS = 1_000_000


def _level(index: int, concurrency: int | None, rate: float | None) -> LevelResult:
    records = tuple(
        RequestRecord(
            level=index,
            t_sched_ns=i * 100 * MS,
            t_send_ns=i * 100 * MS,
            chunk_times_ns=(i * 100 * MS + 50 * MS, i * 100 * MS + 60 * MS),
            t_end_ns=i * 100 * MS + 61 * MS,
            output_tokens=2,
            token_source="usage",
            error=None,
            warmup=False,
        )
        for i in range(10)
    )
    health = ClientHealth(1.0, 2.0, 40.0, True, "")
    mode = "closed" if concurrency is not None else "open"
    return LevelResult(index, concurrency, rate, mode, 1.0, records, health)


def test_every_metric_of_a_run_is_a_known_name(
    run_result: RunResult, diverse_result: RunResult
) -> None:
    names = {*run_result.metrics, *diverse_result.metrics}
    names |= set(hardening_metrics(diverse_result.cases, diverse_result.cases))
    slo = {"ttft_from_schedule_ms.p95": 500.0}
    levels = (_level(0, 8, None), _level(1, None, 2.5))
    levels = tuple(replace(lv, metrics=level_metrics(lv, slo)) for lv in levels)
    load = LoadResult(
        levels=levels,
        slo=slo,
        capacity_at_slo=8.0,
        cliff=8.0,
        cold_start_ms=1500.0,
        abandonment={"c=8": 0.05, "at_capacity": 0.05},
        token_source="usage",
    )
    names |= set(load_metrics(load))
    assert any(n.startswith("robustness.") for n in names)
    assert any(n.startswith("adversarial.") for n in names)
    assert any(n.startswith("hardening.") for n in names)
    assert any("@r=2.5" in n for n in names) and any("@c=8" in n for n in names)
    assert sorted(n for n in names if not is_known_metric(n)) == []
