"""``golive run --baseline REF``: compare a just-finished run with a stored one and make a
significant regression part of the run's verdict (a gate) and of its summary."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from golive.compare._compute import compare_digests, digest_stored
from golive.compare._model import Comparison
from golive.compare._render import render_comparison
from golive.schemas import GateResult, RunResult, Verdict
from golive.store.queries import RunRow, get_run

if TYPE_CHECKING:
    from rich.console import Console

    from golive.store.recorder import StoreRecorder

__all__ = ["BASELINE_GATE", "baseline_gate", "compare_with_baseline", "with_comparison"]

BASELINE_GATE = "no regression against the baseline"


def baseline_gate(comparison: Comparison) -> GateResult:
    """The gate a comparison adds to the verdict: passed unless ``regressed``."""
    count = len(comparison.regressions) + len(comparison.metric_regressions)
    what = [m.name for m in comparison.metric_regressions]
    if comparison.regressions:
        what.append(f"{len(comparison.regressions)} case(s)")
    reason = (
        f"regressed against run {comparison.base.id}: " + ", ".join(what)
        if comparison.regressed
        else f"no significant regression against run {comparison.base.id}"
    )
    return GateResult(
        name=BASELINE_GATE,
        metric="comparison.regressions",
        op="==",
        threshold=0.0,
        value=float(count),
        ci=None,
        passed=not comparison.regressed,
        reason=reason,
    )


def with_comparison(result: RunResult, comparison: Comparison) -> RunResult:
    """``result`` with the comparison in its summary and its gate in the verdict."""
    gate = baseline_gate(comparison)
    verdict = Verdict.of((*result.verdict.gates, gate))
    return replace(result, verdict=verdict, comparison=comparison.to_json())


def compare_with_baseline(
    recorder: StoreRecorder,
    base: RunRow,
    result: RunResult,
    console: Console,
    *,
    alpha: float = 0.05,
    seed: int = 0,
) -> RunResult:
    """Compare the run ``recorder`` just wrote with ``base``; print it; return the result
    with the comparison applied. The head's observations are read back from the store so
    that both sides go through exactly the same path."""
    recorder.flush()
    head = get_run(recorder.store, result.run_id)
    comparison = compare_digests(
        base,
        head,
        digest_stored(recorder.store, base.id),
        digest_stored(recorder.store, head.id),
        alpha=alpha,
        seed=seed,
    )
    render_comparison(comparison, console)
    return with_comparison(result, comparison)
