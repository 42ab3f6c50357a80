"""Latency metrics of one level, exactly as DESIGN.md defines them.

- TTFT = c_1 − t_send; ``ttft_from_schedule`` = c_1 − t_sched (queue-inclusive).
- E2E = c_K − t_send (and from t_sched). TPOT = (E2E − TTFT)/(N − 1) for N > 1.
- ITL = every gap c_j − c_{j−1}, pooled over requests. ``send_delay`` = t_send − t_sched
  (open loop: dispatch lateness plus the wait for a ``max_concurrency`` slot).
- rps = completed requests / measured seconds; output_tps = ΣN / measured seconds, where the
  measured seconds are the level's duration minus its warm-up; warm-up requests are excluded.
- goodput_rps = requests that met every SLO per measured second; errors count as misses.
  A percentile SLO is read per request: a request meets ``ttft_ms.p95 <= 500`` when its own
  TTFT is at most 500 ms (for ``itl_ms`` its own gaps at that percentile are compared).
  SLO keys that name no per-request latency (e.g. ``error_rate``) do not affect goodput.

Percentiles are exact (sorted) up to ``EXACT_LIMIT`` values, from a ``Sketch`` (1% relative
error, clamped to the true min and max) beyond it. Each carries its 95% distribution-free
interval (``stats.percentile_ci``: order statistics, -inf/+inf on a side the sample is too
small to bound) and ``n``.

Population (``POPULATION``): every latency but ``send_delay_ms`` covers the level's
successful requests that returned content (``"ok"``; TPOT those of them with N > 1, ITL their
gaps); ``send_delay_ms`` covers every measured request (``"all"``).
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Mapping

from golive.load.sketch import Sketch
from golive.metrics import latency_metrics, unbounded_ci
from golive.schemas import LevelResult, Metric, RequestRecord
from golive.stats import quantile_ci_ranks, summarize_latencies, wilson_interval

__all__ = [
    "EXACT_LIMIT",
    "LATENCIES",
    "LATENCY_FIELDS",
    "POPULATION",
    "STATS",
    "level_metrics",
    "request_latency",
]

EXACT_LIMIT = 1_000_000
STATS = ("p50", "p90", "p95", "p99", "max", "mean")
LATENCIES = (
    "ttft_ms",
    "ttft_from_schedule_ms",
    "e2e_ms",
    "e2e_from_schedule_ms",
    "tpot_ms",
    "itl_ms",
    "send_delay_ms",
)
_MS = 1e-6
# Which requests each latency covers (see the module docstring).
POPULATION: dict[str, str] = {name: "ok" for name in LATENCIES} | {"send_delay_ms": "all"}
# The summary's per-level latency keys (JSON key -> level metric family): what the summary's
# load section writes and what the store reads back from it.
LATENCY_FIELDS: dict[str, str] = {
    "ttft_ms": "ttft_ms",
    "ttft_from_schedule_ms": "ttft_from_schedule_ms",
    "tpot_ms": "tpot_ms",
    "itl_ms": "itl_ms",
    "e2e_ms": "e2e_ms",
    "e2e_from_schedule_ms": "e2e_from_schedule_ms",
}


def request_latency(r: RequestRecord, name: str, stat: str = "max") -> float | None:
    """One request's value of latency ``name`` in ms (None when it has none)."""
    c = r.chunk_times_ns
    if name == "send_delay_ms":
        return (r.t_send_ns - r.t_sched_ns) * _MS
    if not c or r.error is not None:
        return None
    if name == "ttft_ms":
        return (c[0] - r.t_send_ns) * _MS
    if name == "ttft_from_schedule_ms":
        return (c[0] - r.t_sched_ns) * _MS
    if name == "e2e_ms":
        return (c[-1] - r.t_send_ns) * _MS
    if name == "e2e_from_schedule_ms":
        return (c[-1] - r.t_sched_ns) * _MS
    if name == "tpot_ms":
        n = r.output_tokens
        return (c[-1] - c[0]) * _MS / (n - 1) if n is not None and n > 1 else None
    if name == "itl_ms":
        gaps = [(b - a) * _MS for a, b in itertools.pairwise(c)]
        return summarize_latencies(gaps)[stat] if gaps else None
    raise KeyError(f"unknown latency {name!r}; known: {', '.join(LATENCIES)}")


class _Pool:
    """One latency's values: exact (a packed array, 8 bytes a value) up to ``EXACT_LIMIT``,
    then a ``Sketch`` holding all of them, so a pass over a long level stays bounded."""

    __slots__ = ("sketch", "values")

    def __init__(self) -> None:
        self.values: array[float] | None = array("d")
        self.sketch: Sketch | None = None

    def extend(self, values: Iterable[float]) -> None:
        if self.values is not None:
            self.values.extend(values)
            if len(self.values) <= EXACT_LIMIT:
                return
            self.sketch = Sketch()
            self.sketch.update(self.values)
            self.values = None
            return
        assert self.sketch is not None
        self.sketch.update(values)

    def add(self, value: float) -> None:
        if self.values is not None and len(self.values) < EXACT_LIMIT:
            self.values.append(value)
        else:
            self.extend((value,))

    def summary(self, name: str) -> dict[str, Metric]:
        if self.values is not None:
            return latency_metrics(name, self.values) if self.values else {}
        assert self.sketch is not None
        return _sketch_summary(name, self.sketch)


def _sketch_summary(name: str, sketch: Sketch) -> dict[str, Metric]:
    n = sketch.count
    out: dict[str, Metric] = {}

    def rank(r: int | None) -> float | None:  # order statistic r (1-based), from the sketch
        return None if r is None else sketch.quantile((r - 1) / (n - 1))

    for stat in STATS:
        ci: tuple[float, float] | None = None
        if stat == "max":
            v = sketch.max
        elif stat == "mean":
            v = sketch.mean
        else:
            q = float(stat[1:]) / 100
            v = sketch.quantile(q)
            low, high = quantile_ci_ranks(n, q)
            ci = unbounded_ci((rank(low), rank(high)))
        out[f"{name}.{stat}"] = Metric(f"{name}.{stat}", v, ci, n)
    return out


def _meets(r: RequestRecord, slo: Mapping[str, float]) -> bool:
    if r.error is not None:
        return False
    for key, limit in slo.items():
        name, _, stat = key.partition(".")
        if name not in LATENCIES:
            continue  # a level-wide SLO, not a per-request one
        value = request_latency(r, name, stat or "max")
        if value is not None and value > limit:
            return False
        if value is None and name in ("ttft_ms", "ttft_from_schedule_ms", "e2e_ms"):
            return False  # no content at all cannot meet a latency SLO
    return True


def level_metrics(level: LevelResult, slo: Mapping[str, float]) -> dict[str, Metric]:
    """Every metric of ``level`` by name (``ttft_ms.p95``, ``errors.timeout``, ``goodput_rps``…).

    One streamed pass over the records (a long level's are on disk, see ``load.spill``):
    memory holds each latency's values packed, not the records.
    """
    seconds = max(level.duration_s - level.warmup_s, 1e-9)
    pools = {name: _Pool() for name in LATENCIES}
    singles = [(name, pools[name]) for name in LATENCIES if name not in ("itl_ms", "send_delay_ms")]
    send_delay, itl = pools["send_delay_ms"], pools["itl_ms"]
    n = 0
    tokens = 0
    good = 0
    errors: dict[str, int] = {}
    for r in level.records:
        if r.warmup:
            continue
        n += 1
        send_delay.add((r.t_send_ns - r.t_sched_ns) * _MS)
        if r.error is not None:
            errors[r.error.value] = errors.get(r.error.value, 0) + 1
            continue
        tokens += r.output_tokens or 0
        if _meets(r, slo):
            good += 1
        c = r.chunk_times_ns
        if not c:
            continue
        for name, pool in singles:
            value = request_latency(r, name)
            if value is not None:
                pool.add(value)
        if len(c) > 1:
            itl.extend([(b - a) * _MS for a, b in itertools.pairwise(c)])
    out: dict[str, Metric] = {}
    for name in LATENCIES:
        out.update(pools[name].summary(name))
    failed = sum(errors.values())
    ok = n - failed
    out["requests"] = Metric("requests", float(n), n=n)
    for mode, count in sorted(errors.items()):
        out[f"errors.{mode}"] = Metric(f"errors.{mode}", float(count), n=n)
    out["error_rate"] = Metric(
        "error_rate", failed / n if n else 0.0, ci=wilson_interval(failed, n), n=n
    )
    out["rps"] = Metric("rps", ok / seconds, n=n)
    out["output_tps"] = Metric("output_tps", tokens / seconds, n=n)
    low, high = wilson_interval(good, n)
    # The interval is on the share of requests that were good, scaled to a rate.
    out["goodput_rps"] = Metric(
        "goodput_rps", good / seconds, ci=(low * n / seconds, high * n / seconds), n=n
    )
    out["goodput_ratio"] = Metric("goodput_ratio", good / n if n else 0.0, ci=(low, high), n=n)
    return out
