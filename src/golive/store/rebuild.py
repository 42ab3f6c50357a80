"""Rebuild a run's ``RunResult`` from the store, so stored runs render with the HTML reporter.

Everything that decides a figure comes back exactly: every observation (inputs, outputs,
timings, scores, findings, whether it was replayed from the cache), the cross-sample case
checks, each case as it ran (reference, tags, assertions, a variant's lineage with its
mutation parameters and seed: ``case_results.case_json``), the runner's metrics and the gates
(from the stored ``summary.json``), and a load test (``rebuild_load``).

Two kinds of case have no stored case and are approximated: those of runs recorded before
store migration 0004, and those a killed run left unfinished. Their input comes from the
first observation, a variant's lineage from its id (``<case>~<mutator>~<k>``), the mutator's
family and expectation and the canaries of successful attacks from the stored summary (else
the registry); ``MISSING`` lists what stays blank for them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select

from golive.schemas import (
    Case,
    CaseResult,
    GateResult,
    Message,
    Metric,
    RunResult,
    Verdict,
)
from golive.store.codec import findings_from_json, scores_from_json
from golive.store.engine import Store
from golive.store.models import CaseResultRecord
from golive.store.queries import ObservationRow, RunRow, _using, get_run, load_observations

if TYPE_CHECKING:
    from golive.schemas import LoadResult

__all__ = ["MISSING", "Rebuilt", "rebuild_result", "rebuild_run", "result_from_rows"]

# What an approximated case (see the module docstring) lacks.
MISSING = "case references, tags, and each variant's mutation parameters and seed"
_SEP = "~"


@dataclass(frozen=True)
class Rebuilt:
    """A rebuilt run, and the ids of its cases that had no stored case (approximated)."""

    result: RunResult
    approximated: tuple[str, ...]


def rebuild_result(store: Store | str | None, ref: str = "latest") -> RunResult:
    """The ``RunResult`` of the stored run ``ref`` (id, id prefix or ``"latest"``).

    Raises:
        ConfigError: no run matches ``ref`` (from ``get_run``).
    """
    return rebuild_run(store, ref).result


def rebuild_run(store: Store | str | None, ref: str = "latest") -> Rebuilt:
    """``rebuild_result`` plus which cases were approximated.

    Raises:
        ConfigError: no run matches ``ref`` (from ``get_run``).
    """
    from golive.store.rebuild_load import read_load

    with _using(store) as opened:
        run = get_run(opened, ref)
        observations = load_observations(opened, run.id)
        case_rows = _case_rows(opened, run.id)
        load = read_load(opened, run.id, (run.summary or {}).get("load"))
    approximated: list[str] = []
    result = result_from_rows(run, observations, case_rows, load=load, approximated=approximated)
    return Rebuilt(result, tuple(approximated))


def result_from_rows(
    run: RunRow,
    observations: list[ObservationRow],
    case_rows: list[dict[str, Any]],
    *,
    load: LoadResult | None = None,
    approximated: list[str] | None = None,
) -> RunResult:
    """The ``RunResult`` from rows already read (see ``rebuild_result``); the ids of cases
    without a stored case are appended to ``approximated`` when given."""
    summary = run.summary or {}
    system_prompt = _system_prompt(run.config)
    lineage = _Lineage(summary)
    by_case: dict[str, list[ObservationRow]] = defaultdict(list)
    for row in observations:
        by_case[row.case_id].append(row)
    finished = {row["case_id"]: row for row in case_rows}
    # Case results in the order they finished, then cases an interrupted run left unfinished.
    order = [row["case_id"] for row in case_rows]
    order += [case_id for case_id in by_case if case_id not in finished]
    cases = []
    for case_id in order:
        rows = sorted(by_case.get(case_id, []), key=lambda r: r.sample)
        info = finished.get(case_id, {})
        capability = info.get("capability") or (rows[0].capability if rows else None)
        case = _stored_case(case_id, info.get("case_json"))
        if case is None:
            case = _case(case_id, capability, rows, system_prompt, lineage)
            if approximated is not None:
                approximated.append(case_id)
        cases.append(
            CaseResult(
                case=case,
                samples=tuple(r.to_scored() for r in rows),
                case_scores=scores_from_json(info.get("case_scores_json") or []),
                case_findings=findings_from_json(info.get("case_findings_json") or []),
            )
        )
    finished_at = run.finished_at or run.heartbeat_at
    return RunResult(
        run_id=run.id,
        status=run.status,
        started_at=run.started_at,
        finished_at=max(finished_at, run.started_at),
        target={str(k): str(v) for k, v in run.target.items()},
        config=run.config,
        cases=tuple(cases),
        metrics=_metrics(summary),
        verdict=_verdict(run.verdict, summary),
        load=load,
        comparison=comparison
        if isinstance(comparison := summary.get("comparison"), dict)
        else None,
    )


def _case_rows(store: Store, run_id: str) -> list[dict[str, Any]]:
    table = CaseResultRecord.__table__
    stmt = select(table).where(table.c.run_id == run_id).order_by(table.c.id)
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(stmt)]


def _system_prompt(config: dict[str, Any]) -> str | None:
    request = config.get("request")
    prompt = request.get("system_prompt") if isinstance(request, dict) else None
    return prompt if isinstance(prompt, str) and prompt else None


def _stored_case(case_id: str, data: Any) -> Case | None:
    """The case as stored (``_rows.case_json``); None before migration 0004 or if unreadable."""
    if not isinstance(data, dict):
        return None
    try:
        case = Case.model_validate(data)
    except ValidationError:
        return None  # written by another golive version: approximate rather than fail
    return case if case.id == case_id else None


def _case(
    case_id: str,
    capability: str | None,
    rows: list[ObservationRow],
    system_prompt: str | None,
    lineage: _Lineage,
) -> Case:
    messages = list(rows[0].to_observation().request.messages) if rows else []
    # The runner prepends the configured system prompt: the case itself did not have it.
    first = messages[0] if messages else None
    if system_prompt and first and first.role == "system" and first.content == system_prompt:
        messages = messages[1:]
    text: str | list[Message]
    if len(messages) == 1 and messages[0].role == "user":
        text = messages[0].content
    else:
        text = messages or [Message(role="user", content="")]
    metadata: dict[str, Any] = {}
    variant = lineage.of(case_id)
    if variant is not None:
        metadata["variant"] = variant
    if case_id in lineage.canaries:
        metadata["canary"] = lineage.canaries[case_id]
    return Case.model_construct(
        id=case_id,
        input=text,
        reference=None,
        assertions=[],
        tags=[],
        capability=capability or "general",
        metadata=metadata,
    )


class _Lineage:
    """Variant lineage from an id, with family and expectation from the stored summary."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.kinds: dict[str, tuple[str, str]] = {}
        mutators = (summary.get("robustness") or {}).get("mutators") or {}
        for name, info in mutators.items():
            if isinstance(info, dict):
                family = str(info.get("family") or "")
                self.kinds[name] = (family, str(info.get("expectation") or "invariant"))
        attacks = (summary.get("adversarial") or {}).get("by_attack") or {}
        for name in attacks:
            self.kinds.setdefault(name, ("adversarial", "must_resist"))
        # The summary lists the attacks that got through with their canaries.
        successful = (summary.get("adversarial") or {}).get("successful") or []
        self.canaries = {
            str(a["case_id"]): str(a["canary"])
            for a in successful
            if isinstance(a, dict) and a.get("case_id") and a.get("canary")
        }

    def of(self, case_id: str) -> dict[str, Any] | None:
        parts = case_id.rsplit(_SEP, 2)
        if len(parts) != 3 or not parts[0] or not parts[2].isdigit():
            return None
        of, mutator, index = parts
        kind = self.kinds.get(mutator) or _registered(mutator)
        if kind is None:
            return None
        family, expectation = kind
        return {
            "of": of,
            "mutator": mutator,
            "family": family,
            "expectation": expectation,
            "index": int(index),
            "seed": 0,  # not stored
            "params": {},  # not stored
        }


def _registered(name: str) -> tuple[str, str] | None:
    from golive.errors import RegistryError
    from golive.registry import registry

    try:
        factory = registry.get("mutator", name).factory
    except RegistryError:
        return None
    family = getattr(factory, "family", None)
    expectation = getattr(factory, "expectation", None)
    if not isinstance(family, str) or not isinstance(expectation, str):
        return None
    return family, expectation


def _float(value: Any) -> float:
    # The summary writes non-finite numbers as null; the reporters turn NaN back into null.
    return float(value) if isinstance(value, int | float) else math.nan


def _ci(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        # A null side is one the sample could not bound (a latency percentile, schema 1.4).
        low = -math.inf if value[0] is None else float(value[0])
        return (low, math.inf if value[1] is None else float(value[1]))
    return None


def _metrics(summary: dict[str, Any]) -> dict[str, Metric]:
    metrics = summary.get("metrics")
    if not isinstance(metrics, dict):
        return {}
    return {
        name: Metric(name, _float(m.get("value")), _ci(m.get("ci")), m.get("n"))
        for name, m in metrics.items()
        if isinstance(m, dict)
    }


def _verdict(verdict: str | None, summary: dict[str, Any]) -> Verdict:
    gates = tuple(
        GateResult(
            name=str(g.get("name", "")),
            metric=str(g.get("metric", "")),
            op=str(g.get("op", "")),
            threshold=_float(g.get("threshold")),
            value=g.get("value"),
            ci=_ci(g.get("ci")),
            passed=bool(g.get("passed")),
            reason=str(g.get("reason") or ""),
            inconclusive=bool(g.get("inconclusive")) and not g.get("passed"),
            samples_needed=g.get("samples_needed"),
        )
        for g in summary.get("gates") or []
        if isinstance(g, dict)
    )
    label = verdict or summary.get("verdict")
    reason = str(summary.get("verdict_reason") or "")
    return Verdict.from_label(label, gates, reason) if label else Verdict.of(gates)
