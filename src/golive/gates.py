"""Gates: expressions such as ``quality.pass_rate.ci_low >= 0.8`` turned into a verdict.

A gate names a metric (a load level's with ``@c=50`` or ``@r=10``: ``load.ttft_p95_ms@c=50``),
optionally one of its fields (``value``, ``ci_low``, ``ci_high``,
``n``), a comparison and a threshold. A gate whose metric is absent from the run fails with a
reason: silently passing a gate that measured nothing would hide a broken pipeline.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from golive.errors import ConfigError
from golive.schemas import GateResult, Metric, Verdict

__all__ = ["FIELDS", "Gate", "evaluate_gates", "parse_gate"]

FIELDS = ("value", "ci_low", "ci_high", "n")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
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


def parse_gate(expression: str) -> Gate:
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
    return Gate(expression.strip(), metric, field, match["op"], threshold)


def _read(metric: Metric, field: str) -> float | None:
    if field == "n":
        return None if metric.n is None else float(metric.n)
    return float(getattr(metric, field))


def _judge(gate: Gate, metric: Metric | None) -> GateResult:
    if metric is None:
        reason = f"metric {gate.metric!r} was not measured in this run"
        return GateResult(
            gate.expression, gate.quantity, gate.op, gate.threshold, None, None, False, reason
        )
    value = _read(metric, gate.field)
    passed = value is not None and _OPS[gate.op](value, gate.threshold)
    shown = "unknown" if value is None else f"{value:.4g}"
    reason = "" if passed else f"{gate.quantity} = {shown} fails {gate.op} {gate.threshold:g}"
    return GateResult(
        gate.expression, gate.quantity, gate.op, gate.threshold, value, metric.ci, passed, reason
    )


def evaluate_gates(expressions: list[str], metrics: Mapping[str, Metric]) -> Verdict:
    """Judge every gate; the verdict is go only when all of them pass."""
    results = []
    for expression in expressions:
        gate = parse_gate(expression)
        results.append(_judge(gate, metrics.get(gate.metric)))
    return Verdict(go=all(r.passed for r in results), gates=tuple(results))
