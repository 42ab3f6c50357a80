"""Rebuild a run's ``LoadResult`` from the store: raw requests from ``load_requests``, each
level's figures, health and quality, and the capacity, cliff, cold start and abandonment from
the stored summary's ``load`` section, so the HTML report draws the same load section again.

Exact: every figure of the summary (the level table, SLO marks, capacity, cliff, abandonment)
and each request's TTFT (from send and from schedule) and E2E, so the TTFT distributions and
the time series match the original report. Not stored, so not rebuilt: the chunks between
the first and the last (a rebuilt request carries those two only; ITL and TPOT come from the
summary), the replies kept for quality under load (their scores are kept), each worker
process's CPU, and the load test's notes. Times are to the microsecond.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from golive.schemas import Metric
from golive.store.codec import read_mode
from golive.store.engine import Store

if TYPE_CHECKING:
    from golive.schemas import (
        LevelQuality,
        LevelResult,
        LoadResult,
        RequestRecord,
        TokenSource,
    )

__all__ = ["load_from_rows", "read_load"]

# The summary's level keys that are level metrics under the same name.
_RATES = ("error_rate", "rps", "output_tps", "goodput_rps")


def read_load(store: Store, run_id: str, section: Any) -> LoadResult | None:
    """The load test of ``run_id``: its stored requests plus ``section`` (the stored summary's
    ``load``); None when the run has no load section."""
    if not isinstance(section, dict) or not isinstance(section.get("levels"), list):
        return None
    from golive.store.load_records import read_load_requests

    return load_from_rows(read_load_requests(store, run_id), section)


def load_from_rows(rows: Sequence[Mapping[str, Any]], section: Mapping[str, Any]) -> LoadResult:
    """The ``LoadResult`` from ``load_requests`` rows and a summary ``load`` section."""
    from golive.schemas import LoadResult

    by_level: dict[int, list[RequestRecord]] = defaultdict(list)
    for row in rows:
        by_level[int(row["level"])].append(_record(row))
    levels = tuple(
        _level(i, item, tuple(by_level.get(i, ())), section)
        for i, item in enumerate(section.get("levels") or [])
        if isinstance(item, dict)
    )
    return LoadResult(
        levels=levels,
        slo=_numbers(section.get("slo")),
        capacity_at_slo=_opt(section.get("capacity_at_slo")),
        cliff=_opt(section.get("cliff")),
        cold_start_ms=_opt(section.get("cold_start_ms")),
        abandonment=_numbers(section.get("abandonment")),
        token_source=_token_source(rows, section.get("token_source")),
    )


def _token_source(rows: Sequence[Mapping[str, Any]], stored: Any) -> TokenSource:
    """The load engine's rule over the stored requests (the store's copy of the summary has
    no ``token_source``: its name reads as a secret's to the store's redaction)."""
    sources = {row["token_source"] for row in rows if not row["warmup"]}
    if "usage" in sources:
        return "usage"
    if "tokenizer" in sources:
        return "tokenizer"
    if not rows and stored in ("usage", "tokenizer"):
        return "usage" if stored == "usage" else "tokenizer"
    return "none"


def _record(row: Mapping[str, Any]) -> RequestRecord:
    from golive.schemas import RequestRecord

    send = int(row["t_send_us"]) * 1000
    sched = int(row["t_sched_us"]) * 1000
    chunks: tuple[int, ...] = ()
    ttft, queued, e2e = row["ttft_ms"], row["ttft_from_schedule_ms"], row["e2e_ms"]
    if int(row["chunks"]) > 0 and ttft is not None:
        # The latencies are stored exactly (ns / 1e6): place the first chunk from them, and
        # the schedule from the queue-inclusive TTFT, so both TTFTs read back unrounded.
        first = send + round(float(ttft) * 1e6)
        chunks = (first,)
        if queued is not None:
            sched = first - round(float(queued) * 1e6)
        if e2e is not None and int(row["chunks"]) > 1:
            chunks = (first, send + round(float(e2e) * 1e6))
    mode = row["error_mode"]
    return RequestRecord(
        level=int(row["level"]),
        t_sched_ns=sched,
        t_send_ns=send,
        chunk_times_ns=chunks,
        t_end_ns=max(int(row["t_end_us"]) * 1000, *chunks, send),
        output_tokens=row["output_tokens"],
        token_source=row["token_source"]
        if row["token_source"] in ("usage", "tokenizer")
        else "none",
        error=read_mode(mode)[0],  # the summary's errors keep an unknown mode's name
        warmup=bool(row["warmup"]),
        prompt_index=int(row["prompt_index"]),
    )


def _level(
    index: int,
    item: Mapping[str, Any],
    records: tuple[RequestRecord, ...],
    section: Mapping[str, Any],
) -> LevelResult:
    from golive.schemas import ClientHealth, LevelResult

    valid = item.get("valid") is not False
    health = ClientHealth(
        lag_ms_p99=_num(item.get("client_lag_ms_p99"), math.nan),
        lag_ms_max=_num(item.get("client_lag_ms_max"), math.nan),
        cpu_pct=_num(item.get("client_cpu_pct"), math.nan),
        read_delay_ms_p99=_opt(item.get("client_read_delay_ms_p99")),
        read_delay_ms_max=_opt(item.get("client_read_delay_ms_max")),
        send_delay_ms_p99=_opt(item.get("client_send_delay_ms_p99")),
        valid=valid,
        reason="" if valid else str(item.get("invalid_reason") or ""),
    )
    concurrency = item.get("concurrency")
    level = LevelResult(
        index=index,
        concurrency=int(concurrency) if isinstance(concurrency, int) else None,
        rate=_opt(item.get("rate")) if concurrency is None else None,
        profile=str(item.get("profile") or ""),
        duration_s=_num(item.get("duration_s"), 0.0),
        records=records,
        health=health,
        warmup_s=_num(item.get("warmup_s"), 0.0),
        tokenizer=str(section.get("tokenizer") or ""),
        quality=_quality(item.get("quality")),
    )
    return _with_metrics(level, item, _numbers(section.get("slo")))


def _interval(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    low, high = value
    return (-math.inf if low is None else float(low), math.inf if high is None else float(high))


def _with_metrics(
    level: LevelResult, item: Mapping[str, Any], slo: dict[str, float]
) -> LevelResult:
    """``level`` with its metrics: the summary's figures, exactly; those the summary does not
    carry (send delay, goodput ratio) computed from the rebuilt requests."""
    from dataclasses import replace

    from golive.load.metrics import STATS, level_metrics
    from golive.reports.load_summary import LATENCY_FIELDS

    metrics = level_metrics(level, slo)
    n = int(item.get("requests") or 0)
    for key, family in LATENCY_FIELDS.items():
        stats = item.get(key)
        for stat in STATS:
            name = f"{family}.{stat}"
            value = stats.get(stat) if isinstance(stats, dict) else None
            if isinstance(value, int | float):
                # 1.4: the percentile's interval (a null side unbounded) and the family's n.
                count = stats.get("n") if isinstance(stats, dict) else None
                ci = (
                    _interval((stats.get("ci") or {}).get(stat))
                    if isinstance(stats, dict)
                    else None
                )
                metrics[name] = Metric(
                    name, float(value), ci, count if isinstance(count, int) else n
                )
            else:  # the original level had no such value (e.g. no gaps for ITL)
                metrics.pop(name, None)
    metrics["requests"] = Metric("requests", float(n), n=n)
    for name in _RATES:
        old = metrics.get(name)
        value = _num(item.get(name), 0.0)
        metrics[name] = Metric(name, value, old.ci if old else None, n)
    for name in [k for k in metrics if k.startswith("errors.")]:
        del metrics[name]
    errors = item.get("errors")
    for mode, count in errors.items() if isinstance(errors, dict) else ():
        metrics[f"errors.{mode}"] = Metric(f"errors.{mode}", float(count), n=n)
    return replace(level, metrics=metrics)


def _quality(data: Any) -> LevelQuality | None:
    from golive.schemas import LevelQuality

    if not isinstance(data, dict):
        return None
    rate = data.get("pass_rate")
    if not isinstance(rate, dict) or not isinstance(rate.get("n"), int) or rate["n"] <= 0:
        return None
    n = int(rate["n"])
    failures = data.get("failures")
    return LevelQuality(
        n=n,
        passed=round(_num(rate.get("value"), 0.0) * n),
        truncated=round(_num(data.get("truncated_share"), 0.0) * n),
        failures={str(k): int(v) for k, v in failures.items()}
        if isinstance(failures, dict)
        else {},
        baseline_pass_rate=_opt(data.get("baseline_pass_rate")),
    )


def _opt(value: Any) -> float | None:
    """A JSON number as a float; None for null (the summary's spelling of NaN) and the rest."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _num(value: Any, default: float) -> float:
    number = _opt(value)
    return default if number is None else number


def _numbers(data: Any) -> dict[str, float]:
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, raw in data.items() if (v := _opt(raw)) is not None}
