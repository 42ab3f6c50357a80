"""Gates: expressions such as ``quality.pass_rate.ci_low >= 0.8`` turned into a verdict.

A gate names a metric (a load level's with ``@c=50`` or ``@r=10``: ``load.ttft_p95_ms@c=50``),
optionally one of its fields (``value``, ``ci_low``, ``ci_high``, ``n``), a comparison and a
threshold. A metric no run could produce (``quality.pas_rate``) is a config error when the
gate is read, with a "did you mean"; a valid metric absent from the run (its family did not
run) fails with a reason: silently passing a gate that measured nothing would hide a broken
pipeline.

Each gate ends ``pass``, ``fail`` or ``inconclusive``:

- **pass**: the compared quantity meets the threshold.
- **fail**: it does not, and either the gate is on the point (``value``, ``n``), the op is
  ``==``/``!=``, or the point estimate itself misses the threshold: the observed value
  is on the failing side, so more samples of the same behaviour would only confirm it.
- **inconclusive**: the gate is on an interval bound (``ci_low``/``ci_high`` with ``>=``,
  ``>``, ``<=`` or ``<``), that bound misses the threshold but the point estimate meets it.
  The 95% interval then straddles the threshold: the data are compatible with passing and
  with failing. ``samples_needed`` is the metric's n at which, with the observed value held,
  the bound would clear the threshold (for a Wilson rate exactly, ``stats.wilson_samples_
  needed``; for other intervals by the 1/sqrt(n) shrinking of the half-width), or None past
  ``SAMPLES_CAP`` (or when the observed value sits exactly on the threshold).

The verdict is ``no-go`` if any gate failed, else ``inconclusive`` if any gate is, else ``go``.

A partial run (``interrupted``, or ``incomplete``: the store lost some of its results) never
claims ``go``: its data did not cover what the gates were meant to judge. ``partial`` keeps
``no-go`` when a gate failed on what was observed, and makes anything else ``inconclusive``,
with the reason.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from golive._validation import suggest
from golive.errors import ConfigError
from golive.schemas import GateResult, Metric, Verdict
from golive.schemas._metric import GateStatus
from golive.stats import samples_to_bound_quantile, wilson_interval, wilson_samples_needed

__all__ = [
    "FIELDS",
    "SAMPLES_CAP",
    "Decision",
    "Gate",
    "decide",
    "evaluate_gates",
    "metric_kind",
    "parse_gate",
    "partial",
]

FIELDS = ("value", "ci_low", "ci_high", "n")
SAMPLES_CAP = 100_000  # past this, "samples needed" is shown as "more than 100,000"
MetricKind = Literal["rate", "estimate"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_ORDERING = (">=", ">", "<=", "<")
_GATE = re.compile(
    r"^\s*(?P<path>[A-Za-z_][\w.\-]*(?:@[A-Za-z]+=\d+(?:\.\d+)?(?:\.[a-z_]+)?)?)"
    r"\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<num>-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)\s*(?P<pct>%?)\s*$"
)

_LEVEL = re.compile(r"@([A-Za-z]+)=(\d+(?:\.\d+)?)(?=\.[a-z_]+$|$)")


@dataclass(frozen=True)
class Gate:
    expression: str
    metric: str
    field: str
    op: str
    threshold: float

    @property
    def quantity(self) -> str:
        """What is compared: the metric, or one of its fields (``quality.pass_rate.ci_low``)."""
        return self.metric if self.field == "value" else f"{self.metric}.{self.field}"


def parse_gate(expression: str, *, known_metrics_only: bool = True) -> Gate:
    """Read a gate; a metric name no run could produce is a ConfigError with a suggestion
    (``known_metrics_only=False`` skips that check, for gates golive itself writes)."""
    match = _GATE.match(expression)
    if not match:
        raise ConfigError(
            f"cannot read gate {expression!r}; "
            "write `METRIC[.value|.ci_low|.ci_high|.n] OP NUMBER`, "
            "e.g. `quality.pass_rate.ci_low >= 0.8`.",
            field="gates",
        )
    # ``@c=50`` / ``@r=2.50``: a load level; its number is spelt as the metric names spell it.
    path = _LEVEL.sub(lambda m: f"@{m[1]}={float(m[2]):g}", match["path"])
    metric, _, last = path.rpartition(".")
    field = last if metric and last in FIELDS else "value"
    metric = metric if metric and last in FIELDS else path
    threshold = float(match["num"]) / (100 if match["pct"] else 1)
    if known_metrics_only:
        from golive._metric_names import is_known_metric, unknown_metric_message

        if not is_known_metric(metric):
            raise ConfigError(
                f"gate {expression.strip()!r}: {unknown_metric_message(metric)}", field="gates"
            )
    return Gate(expression.strip(), metric, field, match["op"], threshold)


@dataclass(frozen=True, slots=True)
class Decision:
    status: GateStatus
    samples_needed: int | None = None  # inconclusive only; None: past SAMPLES_CAP or unknown


def decide(
    op: str,
    threshold: float,
    value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    n: int | None,
    kind: MetricKind = "estimate",
    *,
    field: str = "value",
) -> Decision:
    """Judge one gate on one metric (see the module docstring for the three outcomes).

    ``field`` is what the gate compares (``value``, ``ci_low``, ``ci_high``, ``n``); a bound
    of None is unbounded (an interval that this n cannot close), which never meets a
    threshold. ``kind="rate"`` marks a Wilson interval on a proportion: samples needed are
    then exact; for any other interval they come from the half-width shrinking as 1/sqrt(n).
    """
    compared = {"value": value, "ci_low": ci_low, "ci_high": ci_high}.get(
        field, None if n is None else float(n)
    )
    test = _OPS[op]
    if compared is not None and test(compared, threshold):
        return Decision("pass")
    on_bound = field in ("ci_low", "ci_high") and op in _ORDERING
    if not on_bound or value is None or not test(value, threshold):
        return Decision("fail")
    bound = ci_low if field == "ci_low" else ci_high
    return Decision("inconclusive", _samples_needed(op, threshold, value, bound, n, kind))


def _samples_needed(
    op: str, threshold: float, value: float, bound: float | None, n: int | None, kind: str
) -> int | None:
    if kind == "rate" and 0.0 <= value <= 1.0:
        raw = wilson_samples_needed(value, threshold)
    elif bound is None or math.isinf(bound) or n is None or n <= 0 or value == threshold:
        raw = None
    else:  # a half-width h at n shrinks to h*sqrt(n/m) at m: it reaches the gap when m = …
        raw = n * ((value - bound) / (value - threshold)) ** 2
    if raw is None or raw > SAMPLES_CAP:
        return None
    # A strict op needs the bound past the threshold, not on it.
    needed = math.floor(raw) + 1 if op in (">", "<") else math.ceil(raw - 1e-9)
    return max(needed, (n or 0) + 1)


def metric_kind(metric: Metric) -> MetricKind:
    """``rate`` when the metric's interval is the Wilson interval of its value and n."""
    if metric.ci is None or None in metric.ci or not metric.n or not 0.0 <= metric.value <= 1.0:
        return "estimate"
    successes = round(metric.value * metric.n)
    if abs(successes - metric.value * metric.n) > 1e-6:
        return "estimate"
    low, high = wilson_interval(successes, metric.n)
    same = math.isclose(low, metric.ci[0], abs_tol=1e-9) and math.isclose(
        high, metric.ci[1], abs_tol=1e-9
    )
    return "rate" if same else "estimate"


def _judge(gate: Gate, metric: Metric | None, measured: Iterable[str] = ()) -> GateResult:
    if metric is None:
        reason = (
            f"metric {gate.metric!r} was not measured in this run.{suggest(gate.metric, measured)}"
        )
        return GateResult(
            gate.expression, gate.quantity, gate.op, gate.threshold, None, None, False, reason
        )
    value = _read(metric, gate.field)
    decision = decide(
        gate.op,
        gate.threshold,
        metric.value,
        metric.ci_low,
        metric.ci_high,
        metric.n,
        metric_kind(metric),
        field=gate.field,
    )
    if decision.status == "inconclusive" and decision.samples_needed is None:
        decision = replace(decision, samples_needed=_to_bound(gate, metric))
    shown = (
        ("∞" if gate.field in ("ci_low", "ci_high") else "unknown")
        if value is None
        else f"{value:.4g}"
    )
    reason = ""
    if decision.status == "fail":
        reason = f"{gate.quantity} = {shown} fails {gate.op} {gate.threshold:g}"
    elif decision.status == "inconclusive":
        reason = _inconclusive_reason(gate, metric, decision.samples_needed)
    return GateResult(
        gate.expression,
        gate.quantity,
        gate.op,
        gate.threshold,
        value,
        metric.ci,
        decision.status == "pass",
        reason,
        inconclusive=decision.status == "inconclusive",
        samples_needed=decision.samples_needed,
    )


# The percentile a latency metric names: latency.ttft_ms.p95, load.ttft_p95_ms@c=8.
_PERCENTILE = re.compile(r"(?:^|[._])p(\d{1,2}(?:\.\d+)?)(?=[._@]|$)")


def _to_bound(gate: Gate, metric: Metric) -> int | None:
    """For a percentile whose interval the sample cannot bound on the gated side: the first
    n that bounds it there (p95's upper side: 72), whatever the values turn out to be."""
    bound = metric.ci_low if gate.field == "ci_low" else metric.ci_high
    if gate.field not in ("ci_low", "ci_high") or not (bound is None or math.isinf(bound)):
        return None
    found = _PERCENTILE.search(gate.metric)
    if found is None:
        return None
    side = "upper" if gate.field == "ci_high" else "lower"
    needed = samples_to_bound_quantile(float(found.group(1)) / 100, side)
    return max(needed, (metric.n or 0) + 1)


def _read(metric: Metric, field: str) -> float | None:
    """The compared quantity; None when the metric has no n, or a side its n cannot bound."""
    raw = metric.n if field == "n" else getattr(metric, field)
    return None if raw is None else float(raw)


def _bound(value: float | None) -> str:
    # None or ±inf (as golive.metrics writes a latency percentile's): a side n cannot bound.
    if value is None or math.isinf(value):
        return "-∞" if value is not None and value < 0 else "∞"
    return f"{value:.4g}"


def _inconclusive_reason(gate: Gate, metric: Metric, needed: int | None) -> str:
    low, high = (_bound(b) for b in (metric.ci_low, metric.ci_high))
    n = "?" if metric.n is None else f"{metric.n:,}"
    bound = metric.ci_low if gate.field == "ci_low" else metric.ci_high
    unbounded = bound is None or math.isinf(bound)
    if needed is not None and unbounded:
        want = f"n ≥ {needed:,} before the interval is bounded on that side"
    elif needed is not None:
        want = f"n ≥ {needed:,} with the observed value held"
    elif unbounded:
        want = "more samples before the interval is bounded on that side"
    else:
        want = f"more than {SAMPLES_CAP:,} samples with the observed value held"
    return (
        f"inconclusive: {gate.metric} = {metric.value:.4g} meets {gate.op} "
        f"{gate.threshold:g}, but its 95% CI [{low}, {high}] still includes "
        f"{gate.threshold:g}; n = {n}, needs {want}"
    )


def evaluate_gates(expressions: list[str], metrics: Mapping[str, Metric]) -> Verdict:
    """Judge every gate: no-go if any failed, else inconclusive if any is, else go."""
    results = []
    for expression in expressions:
        gate = parse_gate(expression)
        results.append(_judge(gate, metrics.get(gate.metric), metrics))
    return Verdict.of(results)


_PARTIAL_REASON = {
    "interrupted": "the run was interrupted: its finished samples cannot settle the gates",
    "incomplete": "the run is incomplete: the store lost some of its results",
}


def partial(verdict: Verdict, status: str) -> Verdict:
    """``verdict`` for a run whose status is ``status``: unchanged for a finished run; for a
    partial one (interrupted, incomplete) never ``go``: ``no-go`` if a gate failed on what
    was observed, else ``inconclusive`` with ``reason`` saying why."""
    if status == "finished":
        return verdict
    failed = any(g.status == "fail" for g in verdict.gates)
    why = _PARTIAL_REASON.get(status, f"the run ended {status}: its data cannot settle the gates")
    reason = verdict.reason or why
    return Verdict(go=False, gates=verdict.gates, inconclusive=not failed, reason=reason)
