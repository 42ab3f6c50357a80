"""Compare two runs case by case: the paired tests behind ``golive compare`` and the gate.

See ``golive.compare`` for the statistics and why they were chosen.
"""

from __future__ import annotations

import math
import statistics
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from golive import stats
from golive.compare._model import CaseChange, Comparison, DetectableEffect, MetricChange
from golive.diversity.expand import is_variant_id
from golive.store.engine import Store, open_store
from golive.store.queries import ObservationRow, Outcome, RunRow, find_run, iter_outcomes

__all__ = [
    "CASE_ALPHA_SHARE",
    "LATENCY_MIN_ABS_MS",
    "LATENCY_MIN_REL",
    "PASS_RATE_ALPHA_SHARE",
    "RunDigest",
    "compare_digests",
    "compare_runs",
    "compare_stored",
    "digest",
    "digest_stored",
    "resolve_run",
]

# The gate's false-alarm budget alpha is split between its two families of tests, so that
# by the union bound noise fails the gate with probability at most alpha.
PASS_RATE_ALPHA_SHARE = 0.8
CASE_ALPHA_SHARE = 0.2
# A latency change is a regression only when significant AND this large: machine noise moves
# latency between runs by more than the sampling noise the bootstrap sees.
LATENCY_MIN_REL = 0.20
LATENCY_MIN_ABS_MS = 20.0
_LATENCY = (("ttft_ms", 50), ("ttft_ms", 95), ("e2e_ms", 50), ("e2e_ms", 95))
_POWER = 0.8


@dataclass(frozen=True, slots=True)
class _Tally:
    passed: int
    n: int
    capability: str | None


@dataclass(frozen=True)
class RunDigest:
    """All a comparison reads of one run: each case's tally (passed of n samples) and the
    population of the run's ``latency.*`` metrics, in recording order. A few hundred bytes
    per case and 8 per latency value, where the observations themselves are kilobytes."""

    tallies: dict[str, _Tally]
    latency: dict[str, list[float]]  # field (ttft_ms, e2e_ms) -> values


def digest(outcomes: Iterable[Outcome | ObservationRow]) -> RunDigest:
    """One pass over a run's observations (any order; ``iter_outcomes`` streams them)."""
    passed: dict[str, int] = {}
    n: dict[str, int] = {}
    capability: dict[str, str | None] = {}
    fields = {f for f, _ in _LATENCY}
    ids: dict[str, array[int]] = {f: array("q") for f in fields}
    values: dict[str, array[float]] = {f: array("d") for f in fields}
    for o in outcomes:
        case_id = o.case_id
        passed[case_id] = passed.get(case_id, 0) + int(o.passed)
        n[case_id] = n.get(case_id, 0) + 1
        capability.setdefault(case_id, o.capability)
        streamed = o.streamed if isinstance(o, Outcome) else bool(o.chunk_times_us)
        # The population of the run's own ``latency.*`` metrics: the suite's cases
        # (variants are not in them), successful replies with content, and no cached
        # sample (its times are those of the call it replays).
        if o.error_mode is not None or o.cached or not streamed or is_variant_id(case_id):
            continue
        for field in fields:
            value = getattr(o, field)
            if value is not None:
                ids[field].append(o.id)
                values[field].append(float(value))
    tallies = {k: _Tally(passed[k], n[k], capability[k]) for k in n}
    return RunDigest(tallies, {f: _in_order(ids[f], values[f]) for f in fields})


def _in_order(ids: array[int], values: array[float]) -> list[float]:
    """``values`` in recording (id) order: the bootstrap draws by position, so the order
    must not depend on whether the rows came streamed by case or as recorded."""
    import numpy as np

    order = np.argsort(np.frombuffer(ids, dtype=np.int64), kind="stable")
    ordered: list[float] = np.frombuffer(values, dtype=np.float64)[order].tolist()
    return ordered


def digest_stored(store: Store, run_id: str) -> RunDigest:
    """``digest`` of a stored run, streamed from the store."""
    return digest(iter_outcomes(store, run_id))


def resolve_run(store: Store | str | None, ref: str) -> RunRow:
    """The run a reference names: a run id or unique prefix, ``latest`` (the newest finished
    eval run) or ``branch:NAME`` (the newest finished eval run on git branch NAME).

    Raises:
        ConfigError: nothing matches, or a prefix is ambiguous.
    """
    return find_run(store, ref.strip())


def compare_stored(
    store: Store | str | None,
    base_ref: str,
    head_ref: str,
    *,
    alpha: float = 0.05,
    seed: int = 0,
    gate_latency: bool = False,
) -> Comparison:
    """Resolve both references in one store, digest each run in a streaming pass (never
    both runs' observations in memory), compare them."""
    opened = store if isinstance(store, Store) else open_store(store)
    try:
        base = resolve_run(opened, base_ref)
        head = resolve_run(opened, head_ref)
        base_digest = digest_stored(opened, base.id)
        head_digest = digest_stored(opened, head.id)
    finally:
        if opened is not store:
            opened.dispose()
    return compare_digests(
        base, head, base_digest, head_digest, alpha=alpha, seed=seed, gate_latency=gate_latency
    )


def compare_runs(
    base: RunRow,
    head: RunRow,
    base_obs: Sequence[ObservationRow],
    head_obs: Sequence[ObservationRow],
    *,
    alpha: float = 0.05,
    seed: int = 0,
    gate_latency: bool = False,
) -> Comparison:
    """Compare ``head`` against ``base``; ``gate_latency`` lets latency regressions fail
    the gate too (off by default: see ``golive.compare``)."""
    return compare_digests(
        base,
        head,
        digest(base_obs),
        digest(head_obs),
        alpha=alpha,
        seed=seed,
        gate_latency=gate_latency,
    )


def compare_digests(
    base: RunRow,
    head: RunRow,
    base_digest: RunDigest,
    head_digest: RunDigest,
    *,
    alpha: float = 0.05,
    seed: int = 0,
    gate_latency: bool = False,
) -> Comparison:
    """``compare_runs`` from each run's ``digest``."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be within (0, 1), got {alpha}")
    b, h = base_digest.tallies, head_digest.tallies
    matched = sorted(set(b) & set(h))
    cases = _case_changes(b, h, matched, alpha * CASE_ALPHA_SHARE)
    # The pass rate, like the run's own quality.pass_rate, is over the suite's cases; the
    # variants' is shown beside it (every case, variants too, is in the per-case tests).
    variants = [k for k in matched if is_variant_id(k)]
    canonical = [k for k in matched if not is_variant_id(k)] or matched
    metrics = [_pass_rate(b, h, canonical, alpha, seed)]
    if variants and canonical is not matched:
        metrics.append(_pass_rate(b, h, variants, alpha, seed, name="robustness.pass_rate"))
    majority = _majority(b, h, canonical, alpha)
    if majority is not None:
        metrics.append(majority)
    for field, q in _LATENCY:
        change = _latency(
            base,
            head,
            base_digest.latency[field],
            head_digest.latency[field],
            field,
            q,
            alpha,
            seed,
            gate_latency,
        )
        if change is not None:
            metrics.append(change)
    return Comparison(
        base=base,
        head=head,
        alpha=alpha,
        metrics=metrics,
        cases=cases,
        mde=_detectable(b, h, canonical, alpha * PASS_RATE_ALPHA_SHARE),
        warnings=_warnings(base, head, b, h, matched),
    )


def _case_changes(
    b: dict[str, _Tally], h: dict[str, _Tally], matched: list[str], case_alpha: float
) -> list[CaseChange]:
    p_values = [stats.fisher_exact(b[k].passed, b[k].n, h[k].passed, h[k].n) for k in matched]
    q_values = stats.benjamini_hochberg(p_values)
    out: list[CaseChange] = []
    for k, p, q in zip(matched, p_values, q_values, strict=True):
        bt, ht = b[k], h[k]
        delta = ht.passed / ht.n - bt.passed / bt.n
        significant = q <= case_alpha and delta != 0
        status = "unchanged"
        if significant:
            status = "regression" if delta < 0 else "improvement"
        reason = _flaky_reason(bt, ht, delta, significant)
        out.append(
            CaseChange(
                k,
                ht.capability or bt.capability,
                bt.passed,
                bt.n,
                ht.passed,
                ht.n,
                delta,
                p,
                q,
                status,
                reason is not None,
                reason,
            )
        )
    for k in sorted(set(h) - set(b)):
        t = h[k]
        out.append(CaseChange(k, t.capability, 0, 0, t.passed, t.n, None, None, None, "new"))
    for k in sorted(set(b) - set(h)):
        t = b[k]
        out.append(CaseChange(k, t.capability, t.passed, t.n, 0, 0, None, None, None, "removed"))
    return out


def _flaky_reason(b: _Tally, h: _Tally, delta: float, significant: bool) -> str | None:
    flips = [
        f"{name} {t.passed}/{t.n}" for name, t in (("base", b), ("head", h)) if 0 < t.passed < t.n
    ]
    if flips:
        return "outcome flips across samples (" + ", ".join(flips) + " passed)"
    if delta != 0 and not significant:
        return (
            f"outcome changed across runs ({b.passed}/{b.n} to {h.passed}/{h.n}), not significant"
        )
    return None


def _pass_rate(
    b: dict[str, _Tally],
    h: dict[str, _Tally],
    matched: list[str],
    alpha: float,
    seed: int,
    name: str = "quality.pass_rate",
) -> MetricChange:
    """The gate's test (``quality.pass_rate``); under another name, shown and not gated."""
    gating = name == "quality.pass_rate"
    gate_alpha = alpha * PASS_RATE_ALPHA_SHARE
    unit = "share"
    if not matched:
        return MetricChange(
            name, None, None, None, None, None, False, "unchanged", unit, gating, "no case in both"
        )
    base = [b[k].passed / b[k].n for k in matched]
    head = [h[k].passed / h[k].n for k in matched]
    diffs = [y - x for x, y in zip(base, head, strict=True)]
    delta = math.fsum(diffs) / len(diffs)
    scale = math.lcm(*(t[k].n for t in (b, h) for k in matched))
    p_drop = stats.sign_flip_test(diffs, alternative="less", scale=scale, seed=seed)
    p_rise = stats.sign_flip_test(diffs, alternative="greater", scale=scale, seed=seed)
    p = p_drop if delta < 0 else p_rise if delta > 0 else 1.0
    significant = p <= gate_alpha and delta != 0
    status = "unchanged" if not significant else "regression" if delta < 0 else "improvement"
    ci = stats.paired_bootstrap_ci(base, head, seed=seed, level=1 - alpha)
    note = (
        f"mean per-case pass share over {len(matched)} cases in both runs; paired sign-flip "
        f"test, one-sided at {gate_alpha:g}" + ("" if gating else "; not gated")
    )
    return MetricChange(
        name,
        math.fsum(base) / len(base),
        math.fsum(head) / len(head),
        delta,
        ci,
        p,
        significant,
        status,
        unit,
        gating,
        note,
    )


def _majority(
    b: dict[str, _Tally], h: dict[str, _Tally], matched: list[str], alpha: float
) -> MetricChange | None:
    """Share of cases passing most of their samples, with McNemar's exact mid-p test.
    Shown beside the pass rate, not gated: the gate already spends alpha on the pass rate."""
    if not matched:
        return None
    base = [2 * b[k].passed > b[k].n for k in matched]
    head = [2 * h[k].passed > h[k].n for k in matched]
    lost = sum(x and not y for x, y in zip(base, head, strict=True))
    won = sum(y and not x for x, y in zip(base, head, strict=True))
    p = stats.mcnemar_test(lost, won, mid_p=True)
    rb, rh = sum(base) / len(base), sum(head) / len(head)
    significant = p <= alpha and lost != won
    status = "unchanged" if not significant else "regression" if lost > won else "improvement"
    note = f"{lost} cases lost their majority, {won} gained it; McNemar mid-p, not gated"
    return MetricChange(
        "quality.cases_passed", rb, rh, rh - rb, None, p, significant, status, "share", False, note
    )


def _stored_percentile(run: RunRow, field: str, q: int) -> float | None:
    """``latency.<field>.p<q>`` as the run's summary holds it: the figure its report shows."""
    latency = (run.summary or {}).get("latency")
    stat = latency.get(field) if isinstance(latency, dict) else None
    value = stat.get(f"p{q}") if isinstance(stat, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _latency(
    base_run: RunRow,
    head_run: RunRow,
    b: list[float],
    h: list[float],
    field: str,
    q: int,
    alpha: float,
    seed: int,
    gate: bool,
) -> MetricChange | None:
    if len(b) < 2 or len(h) < 2:
        return None
    delta, ci, p = stats.bootstrap_quantile_diff(b, h, q, seed=seed, level=1 - alpha)
    # The figures shown are the runs' stored metrics where they have them (the same numbers
    # as each run's report and dashboard page), else the same computation over the rows.
    base_q = _stored_percentile(base_run, field, q)
    head_q = _stored_percentile(head_run, field, q)
    if base_q is None or head_q is None:
        base_q = stats.percentile(sorted(b), q)
        head_q = stats.percentile(sorted(h), q)
    significant = ci[0] > 0 or ci[1] < 0
    practical = abs(delta) >= max(LATENCY_MIN_ABS_MS, LATENCY_MIN_REL * base_q)
    status = "unchanged"
    if significant and practical:
        status = "regression" if delta > 0 else "improvement"
    note = (
        f"bootstrap {1 - alpha:.0%} interval; a change counts when the interval excludes 0 and "
        f"it is at least {LATENCY_MIN_ABS_MS:g} ms and {LATENCY_MIN_REL:.0%}"
        + ("" if gate else "; not gated")
    )
    return MetricChange(
        f"latency.{field}.p{q}",
        base_q,
        head_q,
        delta,
        ci,
        p,
        significant,
        status,
        "ms",
        gate,
        note,
    )


def _detectable(
    b: dict[str, _Tally], h: dict[str, _Tally], matched: list[str], gate_alpha: float
) -> DetectableEffect:
    m = len(matched)
    counts = [t[k].n for t in (b, h) for k in matched]
    samples = int(statistics.median(counts)) if counts else 0
    noise = _noise_variance(b, h, matched)
    drop = stats.minimum_detectable_drop(m, alpha=gate_alpha, power=_POWER, noise_var=noise)
    points = None if drop is None else drop * 100
    given = " given the sample noise observed" if noise > 0 else ""
    if points is None:
        statement = (
            f"with {m} cases × {samples} samples no drop in the pass rate is reliably "
            "detectable: add cases"
        )
    else:
        statement = (
            f"with {m} cases × {samples} samples a drop of {math.ceil(points)} points in the "
            f"pass rate is detectable at {_POWER:.0%} power{given} "
            f"(one-sided, alpha {gate_alpha:g})"
        )
    return DetectableEffect(m, samples, gate_alpha, _POWER, points, statement)


def _noise_variance(b: dict[str, _Tally], h: dict[str, _Tally], matched: list[str]) -> float:
    """Mean variance of a case's base-to-head pass-share difference when nothing changed.

    Within-run sample variance (unbiased, needs 2+ samples) where every case has it; else
    the mean squared difference, which has that expectation under no change."""
    if not matched:
        return 0.0
    if all(t[k].n >= 2 for t in (b, h) for k in matched):

        def var_of_mean(t: _Tally) -> float:
            p = t.passed / t.n
            return p * (1 - p) / (t.n - 1)

        total = math.fsum(var_of_mean(b[k]) + var_of_mean(h[k]) for k in matched)
    else:
        total = math.fsum((h[k].passed / h[k].n - b[k].passed / b[k].n) ** 2 for k in matched)
    return total / len(matched)


def _warnings(
    base: RunRow, head: RunRow, b: dict[str, _Tally], h: dict[str, _Tally], matched: list[str]
) -> list[str]:
    out: list[str] = []
    if base.id == head.id:
        out.append("base and head are the same run")
    for name, run in (("base", base), ("head", head)):
        if run.status != "finished":
            out.append(f"{name} run {run.id} is {run.status}: its results are partial")
        if run.kind != "eval":
            out.append(f"{name} run {run.id} is a {run.kind} run, not an eval run")
    if not matched:
        out.append("no case is in both runs: nothing was compared")
    elif set(b) != set(h):
        out.append(
            f"the runs' cases differ: {len(matched)} in both are compared, "
            f"{len(set(h) - set(b))} new, {len(set(b) - set(h))} removed"
        )
    elif base.suite_hash and head.suite_hash and base.suite_hash != head.suite_hash:
        out.append("the suites differ (suite hash): same case ids, changed contents")
    if base.config_hash and head.config_hash and base.config_hash != head.config_hash:
        out.append("the configs differ (config hash): a change may come from the config")
    if base.target != head.target:
        out.append(f"the targets differ: base {base.target_label}, head {head.target_label}")
    return out
