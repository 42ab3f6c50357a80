"""Every metric name a run can produce, known before it runs: what a gate may name.

Names are templates over closed sets (failure modes, latency statistics, mutator families,
load level keys) and over open ones, which match any name segment: what the user's data or
plugins define (a case's capability, a scorer's name, a mutator or attack category: a
plugin's mutator is as valid as a built-in one). A gate whose metric matches no template is
a typo, reported with a suggestion before anything runs; one that matches but was not
measured in a run (no ``diversity:`` section, a load level that did not run, a misspelt
mutator) fails at judgement, naming the closest metric the run did measure.

Families, as their modules produce them: ``quality.*``, ``failures.*``, ``latency.*``
(``golive.metrics``), ``robustness.*`` and ``adversarial.*`` (``golive.diversity.analysis``),
``hardening.*`` (``golive.hardening``), ``load.*`` (``golive.load.session``) and
``comparison.regressions`` (``run --baseline``). A test keeps this list in step with them.
"""

from __future__ import annotations

import functools
import re

from golive._validation import suggest

__all__ = ["is_known_metric", "unknown_metric_message"]

_SEGMENT = r"[^.@\s]+"  # a capability or scorer name: the user's data names it
_LEVEL = r"@(?:c=\d+|r=\d+(?:\.\d+)?)"
_STATS = ("p50", "p90", "p95", "p99", "max", "mean")
_LEVEL_VALUES = ("goodput_rps", "goodput_ratio", "rps", "output_tps", "error_rate", "requests")
_LEVEL_HEALTH = ("slo_met", "valid", "client_lag_ms_p99", "client_cpu_pct", "abandonment")
_LEVEL_QUALITY = ("quality_pass_rate", "quality_truncated_share")


def _alt(names: tuple[str, ...] | list[str]) -> str:
    return "(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")"


@functools.cache
def _closed_sets() -> dict[str, tuple[str, ...]]:
    from golive.diversity.base import FAMILIES
    from golive.load.spec import SHORT_LATENCIES
    from golive.schemas import FailureMode

    return {
        "mode": tuple(m.value for m in FailureMode),
        "stat": _STATS,
        "family": FAMILIES,
        "short": tuple(SHORT_LATENCIES),
    }


@functools.cache
def _sets() -> dict[str, tuple[str, ...]]:
    """The closed sets plus today's registered mutators and scan categories (suggestions
    only: the registry loads every plugin)."""
    from golive.registry import registry
    from golive.scan.spec import CATEGORIES

    mutators = tuple(registry.names("mutator"))
    return {
        **_closed_sets(),
        "mutator": mutators,
        "attack": tuple(sorted({*mutators, *CATEGORIES})),
    }


@functools.cache
def _templates() -> tuple[tuple[str, str], ...]:
    """(regex, spelling shown in suggestions) for every metric name."""
    s = _closed_sets()
    mode, stat, fam, short = (_alt(s["mode"]), _alt(s["stat"]), _alt(s["family"]), _alt(s["short"]))
    mut = attack = _SEGMENT
    rows: list[tuple[str, str]] = [
        (r"quality\.pass_rate", "quality.pass_rate"),
        (r"quality\.case_pass_rate", "quality.case_pass_rate"),
        (r"quality\.consistency", "quality.consistency"),
        (
            rf"quality\.capability\.{_SEGMENT}\.pass_rate",
            "quality.capability.<capability>.pass_rate",
        ),
        (rf"quality\.scorer\.{_SEGMENT}\.pass_rate", "quality.scorer.<scorer>.pass_rate"),
        (r"failures\.visible_rate", "failures.visible_rate"),
        (r"failures\.silent_rate", "failures.silent_rate"),
        (rf"failures\.mode\.{mode}\.(?:count|rate)", "failures.mode.<mode>.rate"),
        (rf"latency\.(?:ttft_ms|e2e_ms)\.{stat}", "latency.ttft_ms.p95"),
        (r"robustness\.canonical\.pass_rate", "robustness.canonical.pass_rate"),
        (r"robustness\.amplification", "robustness.amplification"),
        (r"robustness\.worst\.pass_rate", "robustness.worst.pass_rate"),
        (r"robustness\.variants\.(?:pass_rate|delta)", "robustness.variants.delta"),
        (rf"robustness\.{mut}\.(?:pass_rate|silent_rate|delta)", "robustness.<mutator>.delta"),
        (
            rf"robustness\.family\.{fam}\.(?:pass_rate|silent_rate|delta)",
            "robustness.family.<family>.delta",
        ),
        (
            rf"robustness\.capability\.{_SEGMENT}\.{mut}\.pass_rate",
            "robustness.capability.<capability>.<mutator>.pass_rate",
        ),
        (r"adversarial\.attack_success_rate", "adversarial.attack_success_rate"),
        (
            rf"adversarial\.{attack}\.attack_success_rate",
            "adversarial.<attack>.attack_success_rate",
        ),
        (
            rf"hardening\.(?:before|after)\.(?:{attack}\.)?attack_success_rate",
            "hardening.after.attack_success_rate",
        ),
        (r"hardening\.(?:before|after)\.pii_leak_rate", "hardening.after.pii_leak_rate"),
        (r"hardening\.(?:before|after)\.quality\.pass_rate", "hardening.after.quality.pass_rate"),
        (rf"load\.{short}_{stat}_ms{_LEVEL}", "load.ttft_p95_ms@c=N"),
        (rf"load\.{_alt(_LEVEL_VALUES)}{_LEVEL}", "load.goodput_rps@c=N"),
        (rf"load\.{_alt(_LEVEL_HEALTH)}{_LEVEL}", "load.slo_met@c=N"),
        (rf"load\.{_alt(_LEVEL_QUALITY)}{_LEVEL}", "load.quality_pass_rate@c=N"),
        (r"load\.abandonment\.at_capacity", "load.abandonment.at_capacity"),
        (r"load\.(?:capacity_at_slo|cliff|cold_start_ms)", "load.capacity_at_slo"),
        (r"comparison\.regressions", "comparison.regressions"),
    ]
    return tuple(rows)


@functools.cache
def _pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{regex})" for regex, _ in _templates()))


def is_known_metric(name: str) -> bool:
    """Whether some run could produce a metric of this name."""
    return _pattern().fullmatch(name) is not None


@functools.cache
def _spellings() -> tuple[str, ...]:
    """Concrete names to suggest from: every closed template written out, load levels as
    ``@c=N``."""
    s = _sets()
    names = [shown for _, shown in _templates() if "<" not in shown and "@" not in shown]
    names += [f"failures.mode.{m}.{k}" for m in s["mode"] for k in ("count", "rate")]
    names += [f"latency.{lat}.{st}" for lat in ("ttft_ms", "e2e_ms") for st in _STATS]
    for m in s["mutator"]:
        names += [f"robustness.{m}.{k}" for k in ("pass_rate", "silent_rate", "delta")]
    for f in s["family"]:
        names += [f"robustness.family.{f}.{k}" for k in ("pass_rate", "silent_rate", "delta")]
    names += [f"adversarial.{a}.attack_success_rate" for a in s["attack"]]
    names += [
        f"hardening.{side}.{k}"
        for side in ("before", "after")
        for k in ("attack_success_rate", "pii_leak_rate", "quality.pass_rate")
    ]
    names += ["quality.capability.<capability>.pass_rate", "quality.scorer.<scorer>.pass_rate"]
    return tuple(dict.fromkeys(names))


def _level_spellings(level: str) -> list[str]:
    s = _closed_sets()
    names = [f"load.{sh}_{st}_ms{level}" for sh in s["short"] for st in _STATS]
    names += [f"load.{n}{level}" for n in (*_LEVEL_VALUES, *_LEVEL_HEALTH, *_LEVEL_QUALITY)]
    return names


def unknown_metric_message(name: str) -> str:
    """``no metric named X. Did you mean Y?`` with the families to look in."""
    at = name.find("@")
    if at >= 0:
        level = re.match(_LEVEL, name[at:])
        candidates = _level_spellings(level.group(0) if level else "@c=8")
    else:
        candidates = list(_spellings())
    hint = suggest(name, candidates)
    return (
        f"no metric is named {name!r}.{hint} Metric names start with quality., failures., "
        "latency., robustness., adversarial., hardening. or load. "
        '(README, "Gates and the verdict").'
    )
