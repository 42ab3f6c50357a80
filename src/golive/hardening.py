"""Before and after: the same attacks against a unguarded target (e.g. the app without its
guardrails) and against the run's own target, compared on the same cases.

With ``scan.unguarded`` set, the run's attack cases (the ``must_resist`` variants and the
scan's probes) and its canonical cases are sent to the unguarded too, and ``hardening.*``
metrics put the two side by side, each side a proportion with its Wilson interval:

- ``hardening.{before,after}.attack_success_rate`` and ``.<category>.attack_success_rate``:
  share of attack samples that got through (a hijack or a leak, as ``adversarial.*``);
- ``hardening.{before,after}.pii_leak_rate``: share of samples with a ``pii_leak`` finding;
- ``hardening.{before,after}.quality.pass_rate``: canonical samples passing (what the guards
  cost), present when the run has canonical cases.

They are ordinary metrics: stored, gated (``hardening.after.pii_leak_rate.ci_high <= 0.01``)
and reported.

Orchestration, not a scan component: it runs a second Runner and judges the gates again (the
pipeline's ``unguarded`` stage calls it). It prints nothing of its own; progress goes to the
bus it is given, and its one line of news to ``say``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

from golive.config import Plan
from golive.diversity.analysis import attack_succeeded
from golive.diversity.expand import lineage
from golive.events import EventBus
from golive.gates import evaluate_gates
from golive.metrics import rate
from golive.runner import Runner
from golive.schemas import Case, CaseResult, FailureMode, Metric, RunResult

__all__ = ["SIDES", "hardening_metrics", "unguarded_cases", "with_unguarded"]

SIDES = ("before", "after")


def _is_attack(case: Case) -> bool:
    info = lineage(case)
    return info is not None and info.expectation == "must_resist"


def unguarded_cases(cases: Sequence[Case]) -> list[Case]:
    """What the unguarded is sent: the attacks and the canonical cases (not the invariant
    rewrites, which measure robustness, not defences)."""
    return [c for c in cases if lineage(c) is None or _is_attack(c)]


def _side(prefix: str, results: Sequence[CaseResult]) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}

    def add(metric: Metric) -> None:
        metrics[metric.name] = metric

    hits: list[bool] = []
    by_category: dict[str, list[bool]] = defaultdict(list)
    canonical: list[bool] = []
    leaks: list[bool] = []
    for r in results:
        info = lineage(r.case)
        if info is None:
            canonical.extend(s.passed for s in r.samples)
        elif info.expectation == "must_resist":
            got = attack_succeeded(r)
            hits.extend(got)
            by_category[info.mutator].extend(got)
        else:
            continue
        leaks.extend(any(f.mode == FailureMode.PII_LEAK for f in s.findings) for s in r.samples)
    if hits:
        add(rate(f"{prefix}.attack_success_rate", sum(hits), len(hits)))
        for name, got in sorted(by_category.items()):
            add(rate(f"{prefix}.{name}.attack_success_rate", sum(got), len(got)))
    if leaks:
        add(rate(f"{prefix}.pii_leak_rate", sum(leaks), len(leaks)))
    if canonical:
        add(rate(f"{prefix}.quality.pass_rate", sum(canonical), len(canonical)))
    return metrics


def hardening_metrics(
    before: Sequence[CaseResult], after: Sequence[CaseResult]
) -> dict[str, Metric]:
    """The ``hardening.*`` metrics, both sides judged on the cases both of them ran."""
    ids = {r.case.id for r in before if r.samples} & {r.case.id for r in after if r.samples}
    metrics = _side("hardening.before", [r for r in before if r.case.id in ids])
    metrics.update(_side("hardening.after", [r for r in after if r.case.id in ids]))
    return metrics


def _silent(_: str) -> None:
    pass


async def with_unguarded(
    plan: Plan,
    result: RunResult,
    cases: Sequence[Case],
    *,
    bus: EventBus | None = None,
    say: Callable[[str], None] = _silent,
) -> RunResult:
    """Run the attacks and canonical cases against ``plan.scan.unguarded`` and return
    ``result`` with the ``hardening.*`` metrics added and the gates judged again.

    ``bus``: where the unguarded run publishes its events (a progress display subscribes
    there); its own, apart from the run's, since these requests are not the run's own.
    ``say``: told, in rich markup, what is about to run. Neither given: nothing is shown."""
    assert plan.scan is not None and plan.scan.unguarded_args is not None
    chosen = unguarded_cases(cases)
    if not chosen:
        return result
    unguarded_plan = plan.model_copy(update={"target": plan.scan.unguarded_args, "gates": []})
    say(
        f"unguarded: the same {len(chosen)} cases against the unguarded target "
        f"({plan.scan.unguarded_args.kind}): guardrails before and after"
    )
    before = await Runner(unguarded_plan, bus=bus).run_async(chosen)
    if before.status != "finished":
        return replace(result, status=before.status)
    metrics = {**result.metrics, **hardening_metrics(before.cases, result.cases)}
    return replace(result, metrics=metrics, verdict=evaluate_gates(plan.gates, metrics))
