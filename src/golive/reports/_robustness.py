"""Robustness and attack views shared by the reporters: the ``robustness`` and ``adversarial``
summary sections, the worst canonical-vs-variant pairs and the attacks that got through.

The runner's metrics are the source of truth; when they are missing (an interrupted run, a
third-party runner) they are recomputed from the cases with the runner's own analysis, so
the sections look the same either way.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from golive.diversity.analysis import (
    attack_succeeded,
    robustness_metrics,
    split_results,
    worst_mutator,
)
from golive.diversity.expand import VariantInfo, lineage
from golive.schemas import CaseResult, FailureMode, Metric, RunResult, ScoredObservation

__all__ = [
    "SUCCESSFUL_LIMIT",
    "TEXT_LIMIT",
    "Attack",
    "Example",
    "adversarial_section",
    "by_delta",
    "canonical_cases",
    "robustness_section",
    "successful_attacks",
    "worst_examples",
]

SUCCESSFUL_LIMIT = 20
TEXT_LIMIT = 500
_EMPTY: dict[str, Any] = {"value": None, "ci": None, "n": 0}
# Lone surrogates (from a JSON "\ud800" in a stream) cannot be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def canonical_cases(result: RunResult) -> list[CaseResult]:
    """The user's own cases, without the variants diversity added."""
    return [c for c in result.cases if lineage(c.case) is None]


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _est(metric: Metric | None) -> dict[str, Any]:
    if metric is None:
        return dict(_EMPTY)
    ci = None
    if metric.ci is not None:
        low, high = _num(metric.ci[0]), _num(metric.ci[1])
        ci = None if low is None or high is None else [low, high]
    n = metric.n or 0
    # A rate over nothing has no value (the analysis reports 0.0 for it).
    return {"value": _num(metric.value) if n else None, "ci": ci if n else None, "n": n}


def _metrics(result: RunResult) -> dict[str, Metric]:
    if "robustness.canonical.pass_rate" in result.metrics:
        return result.metrics
    seed = result.config.get("seed", 0)
    computed = robustness_metrics(result.cases, seed=seed if isinstance(seed, int) else 0)
    return {**computed, **result.metrics}


def _mode_counts(results: list[CaseResult]) -> dict[str, int]:
    counts: Counter[FailureMode] = Counter()
    for c in results:
        counts.update(f.mode for f in c.case_findings)
        for s in c.samples:
            counts.update(f.mode for f in s.findings)
    return {mode.value: counts.get(mode, 0) for mode in FailureMode}


def _group(metrics: dict[str, Metric], prefix: str, members: list[CaseResult]) -> dict[str, Any]:
    delta = metrics.get(f"{prefix}.delta")
    return {
        "pass_rate": _est(metrics.get(f"{prefix}.pass_rate")),
        "delta": _est(delta) if delta is not None else None,
        "silent_rate": _est(metrics.get(f"{prefix}.silent_rate")),
        "failures": _mode_counts(members),
    }


def robustness_section(result: RunResult) -> dict[str, Any] | None:
    """The summary's ``robustness`` section; None when the run had no variants."""
    canonical, variants = split_results(result.cases)
    if not variants:
        return None
    metrics = _metrics(result)
    invariant = [(r, i) for r, i in variants if i.expectation == "invariant"]
    by_mutator: dict[str, list[tuple[CaseResult, VariantInfo]]] = defaultdict(list)
    by_family: dict[str, list[CaseResult]] = defaultdict(list)
    for r, i in invariant:
        by_mutator[i.mutator].append((r, i))
        by_family[i.family].append(r)
    mutators: dict[str, Any] = {}
    for name, group in sorted(by_mutator.items()):
        info = group[0][1]
        mutators[name] = {
            "family": info.family,
            "expectation": info.expectation,
            "variants": len(group),
            **_group(metrics, f"robustness.{name}", [r for r, _ in group]),
        }
    families = {
        name: {
            "mutators": sorted({i.mutator for _, i in invariant if i.family == name}),
            **_group(metrics, f"robustness.family.{name}", members),
        }
        for name, members in sorted(by_family.items())
    }
    # The mutator robustness.worst.pass_rate measures, by the analysis's own rule, and that
    # metric's figure: the card, the table row and a gate on the metric all agree.
    worst_name = worst_mutator(result.cases)
    worst = None
    if worst_name in mutators:
        stored = metrics.get("robustness.worst.pass_rate")
        rate = _est(stored) if stored is not None else mutators[worst_name]["pass_rate"]
        worst = {"mutator": worst_name, "pass_rate": rate}
    heatmap: dict[str, dict[str, Any]] = {}
    for capability in sorted({r.case.capability for r, _ in invariant}):
        row = {
            name: _est(cell)
            for name in mutators
            if (cell := metrics.get(f"robustness.capability.{capability}.{name}.pass_rate"))
        }
        if row:
            heatmap[capability] = row
    amplification = metrics.get("robustness.amplification")
    delta = metrics.get("robustness.variants.delta")
    return {
        "amplification": _num(amplification.value)
        if amplification is not None
        else len(variants) / max(1, len(canonical)),
        "variants": {
            "count": len(variants),
            "invariant": len(invariant),
            "must_resist": len(variants) - len(invariant),
            "pass_rate": _est(metrics.get("robustness.variants.pass_rate")),
            "delta": _est(delta) if delta is not None else None,
        },
        "canonical": {
            "cases": len(canonical),
            "pass_rate": _est(metrics.get("robustness.canonical.pass_rate")),
        },
        "mutators": mutators,
        "families": families,
        "worst": worst,
        "heatmap": heatmap,
    }


def by_delta(section: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The section's mutators, worst paired delta first (no delta last, then by name)."""

    def key(item: tuple[str, dict[str, Any]]) -> tuple[float, float, str]:
        name, m = item
        delta = (m["delta"] or {}).get("value")
        rate = m["pass_rate"]["value"]
        return (
            delta if delta is not None else math.inf,
            rate if rate is not None else math.inf,
            name,
        )

    return sorted(section["mutators"].items(), key=key)


@dataclass(frozen=True, slots=True)
class Attack:
    """One attack that got through: the variant, its lineage and the sample that proves it."""

    result: CaseResult
    info: VariantInfo
    sample: ScoredObservation

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.mode.value for f in self.sample.findings))

    @property
    def canary(self) -> str | None:
        value = self.result.case.metadata.get("canary")
        return str(value) if value is not None else None


def successful_attacks(result: RunResult, limit: int = SUCCESSFUL_LIMIT) -> list[Attack]:
    """Successful attacks, one per variant, taken in turn from each attack kind so that a
    short list still shows every kind that got through."""
    queues: dict[str, list[Attack]] = defaultdict(list)
    for r, info in sorted(split_results(result.cases)[1], key=lambda x: x[0].case.id):
        if info.expectation != "must_resist":
            continue
        hits = attack_succeeded(r)
        if any(hits):
            queues[info.mutator].append(Attack(r, info, r.samples[hits.index(True)]))
    picked: list[Attack] = []
    rounds = max((len(q) for q in queues.values()), default=0)
    for k in range(rounds):
        for name in sorted(queues):
            if k < len(queues[name]) and len(picked) < limit:
                picked.append(queues[name][k])
    return picked


def _clip(text: str, limit: int = TEXT_LIMIT) -> str:
    text = _SURROGATE.sub("\ufffd", text)
    return text if len(text) <= limit else text[:limit] + "…"


def adversarial_section(result: RunResult) -> dict[str, Any] | None:
    """The summary's ``adversarial`` section; None when no attack ran."""
    attacks = [(r, i) for r, i in split_results(result.cases)[1] if i.expectation == "must_resist"]
    if not attacks:
        return None
    metrics = _metrics(result)
    names = sorted({i.mutator for _, i in attacks})
    successful = []
    for a in successful_attacks(result):
        entry: dict[str, Any] = {
            "case_id": a.result.case.id,
            "of": a.info.of,
            "mutator": a.info.mutator,
            "sample": a.sample.observation.sample,
            "modes": list(a.modes),
            "input": _clip(a.result.case.user_text()),
            "output": _clip(a.sample.observation.output),
        }
        if a.canary is not None:
            entry["canary"] = _clip(a.canary)
        successful.append(entry)
    return {
        "variants": len(attacks),
        "attack_success_rate": _est(metrics.get("adversarial.attack_success_rate")),
        "by_attack": {
            name: _est(metrics.get(f"adversarial.{name}.attack_success_rate")) for name in names
        },
        "successful": successful,
    }


@dataclass(frozen=True, slots=True)
class Example:
    """A case the canonical input passed and a variant failed, for side-by-side display."""

    canonical: CaseResult
    variant: CaseResult
    info: VariantInfo
    canonical_sample: ScoredObservation
    variant_sample: ScoredObservation

    @property
    def modes(self) -> tuple[str, ...]:
        findings = [*self.variant_sample.findings, *self.variant.case_findings]
        return tuple(dict.fromkeys(f.mode.value for f in findings))


def worst_examples(
    result: RunResult, section: dict[str, Any], *, mutators: int = 3, per_mutator: int = 2
) -> list[Example]:
    """For the mutators with the worst (negative) deltas, the variants that broke a case whose
    canonical input passed: most samples failed first, silent before visible."""
    canonical = {c.case.id: c for c in canonical_cases(result) if c.samples and c.passed}
    variants: dict[str, list[tuple[CaseResult, VariantInfo]]] = defaultdict(list)
    for r, i in split_results(result.cases)[1]:
        if i.expectation == "invariant" and r.samples and not r.passed and i.of in canonical:
            variants[i.mutator].append((r, i))
    examples: list[Example] = []
    chosen = 0
    for name, m in by_delta(section):
        delta = (m["delta"] or {}).get("value")
        if chosen >= mutators or delta is None or delta >= 0:
            break
        if not variants[name]:
            continue
        chosen += 1

        def rank(item: tuple[CaseResult, VariantInfo]) -> tuple[float, bool, str]:
            r = item[0]
            failed = sum(not s.passed for s in r.samples) / len(r.samples)
            silent = any(f.kind == "silent" for s in r.samples for f in s.findings)
            return (-failed, not silent, r.case.id)

        for r, i in sorted(variants[name], key=rank)[:per_mutator]:
            failing = next((s for s in r.samples if not s.passed), r.samples[0])
            examples.append(Example(canonical[i.of], r, i, canonical[i.of].samples[0], failing))
    return examples
