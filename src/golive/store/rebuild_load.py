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
from golive.store.codec import LEVEL, REQUEST_RECORD, LevelContext, float_or, opt_float
from golive.store.engine import Store

if TYPE_CHECKING:
    from golive.schemas import LevelResult, LoadResult, RequestRecord, TokenSource

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
        by_level[int(row["level"])].append(REQUEST_RECORD.read(row))
    levels = tuple(
        _level(i, item, tuple(by_level.get(i, ())), section)
        for i, item in enumerate(section.get("levels") or [])
        if isinstance(item, dict)
    )
    return LoadResult(
        levels=levels,
        slo=_numbers(section.get("slo")),
        capacity_at_slo=opt_float(section.get("capacity_at_slo")),
        cliff=opt_float(section.get("cliff")),
        cold_start_ms=opt_float(section.get("cold_start_ms")),
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


def _level(
    index: int,
    item: Mapping[str, Any],
    records: tuple[RequestRecord, ...],
    section: Mapping[str, Any],
) -> LevelResult:
    level = LEVEL.read(item, LevelContext(index, records, section))
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

    from golive.load.metrics import LATENCY_FIELDS, STATS, level_metrics

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
        value = float_or(item.get(name), 0.0)
        metrics[name] = Metric(name, value, old.ci if old else None, n)
    for name in [k for k in metrics if k.startswith("errors.")]:
        del metrics[name]
    errors = item.get("errors")
    for mode, count in errors.items() if isinstance(errors, dict) else ():
        metrics[f"errors.{mode}"] = Metric(f"errors.{mode}", float(count), n=n)
    return replace(level, metrics=metrics)


def _numbers(data: Any) -> dict[str, float]:
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, raw in data.items() if (v := opt_float(raw)) is not None}
