"""The ``load`` section of the JSON summary (schema 1.2; 1.4 adds each latency's ``ci``, ``n``
and ``population``): one entry per level, then the capacity at the SLO, the cliff, the cold
start and the abandonment estimate."""

from __future__ import annotations

import math
from typing import Any

from golive.load.analysis import slo_unsettled, slo_violations
from golive.load.metrics import LATENCY_FIELDS, POPULATION, level_metrics
from golive.load.quality import quality_json
from golive.metrics import latency_json
from golive.schemas import LevelResult, LoadResult

__all__ = ["LATENCY_FIELDS", "level_summary", "load_section"]


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def level_summary(level: LevelResult, slo: dict[str, float]) -> dict[str, Any]:
    """One level as the JSON contract has it."""
    metrics = level.metrics or level_metrics(level, slo)

    def value(name: str) -> float | None:
        m = metrics.get(name)
        return None if m is None else _num(m.value)

    errors = {
        name.removeprefix("errors."): int(m.value)
        for name, m in sorted(metrics.items())
        if name.startswith("errors.")
    }
    out: dict[str, Any] = {"key": level.key, "profile": level.profile}
    if level.concurrency is not None:
        out["concurrency"] = level.concurrency
    else:
        out["rate"] = _num(level.rate)
    for key, family in LATENCY_FIELDS.items():
        # p50…mean, `ci` per percentile (null on a side n cannot bound), `n`, `population`.
        out[key] = latency_json(metrics, family, POPULATION[family])
    measured = sum(1 for r in level.records if not r.warmup)  # streamed: see load.spill
    out.update(
        {
            "requests": measured,
            "warmup_requests": len(level.records) - measured,
            "errors": errors,
            "error_rate": value("error_rate") or 0.0,
            "rps": value("rps") or 0.0,
            "output_tps": value("output_tps") or 0.0,
            "goodput_rps": value("goodput_rps") or 0.0,
            "duration_s": level.duration_s,
            "warmup_s": level.warmup_s,
            "client_lag_ms_p99": _num(level.health.lag_ms_p99),
            "client_lag_ms_max": _num(level.health.lag_ms_max),
            "client_cpu_pct": _num(level.health.cpu_pct),
            # Kernel-stamped reads: stamp-to-handling delay (null where the loop stamped).
            "client_read_delay_ms_p99": _num(level.health.read_delay_ms_p99),
            "client_read_delay_ms_max": _num(level.health.read_delay_ms_max),
            "client_send_delay_ms_p99": _num(level.health.send_delay_ms_p99),
            "valid": level.health.valid,
            "slo_violations": slo_violations(level, slo) if slo else [],
            # 1.4: percentile SLOs met by the point estimate but not by its 95% interval.
            "slo_unsettled": slo_unsettled(level, slo) if slo else [],
        }
    )
    if level.quality is not None:
        out["quality"] = quality_json(level.quality)
    if not level.health.valid:
        out["invalid_reason"] = level.health.reason or "the client was the bottleneck"
    return out


def load_section(
    load: LoadResult, *, status: str = "finished", notes: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The ``load`` key of ``summary.json``."""
    tokenizers = sorted({lv.tokenizer for lv in load.levels if lv.tokenizer})
    return {
        "status": status,
        "levels": [level_summary(level, load.slo) for level in load.levels],
        "slo": {k: _num(v) for k, v in load.slo.items()},
        "capacity_at_slo": _num(load.capacity_at_slo),
        "cliff": _num(load.cliff),
        "cold_start_ms": _num(load.cold_start_ms),
        "abandonment": {k: _num(v) for k, v in load.abandonment.items()},
        "token_source": load.token_source,
        "tokenizer": tokenizers[0] if load.token_source == "tokenizer" and tokenizers else None,
        "notes": list(notes),
    }
