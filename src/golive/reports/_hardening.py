"""Before and after guardrails: the summary's ``hardening`` section and its terminal table,
built from the ``hardening.*`` metrics that ``scan.unguarded`` adds (golive.hardening).

"Before" is the unguarded target (e.g. the app without golive.guard), "after" the run's own
target, both judged on the same attack and canonical cases.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from golive.reports._format import fmt_ci, fmt_pct
from golive.reports._text import clean
from golive.schemas import Metric, RunResult

__all__ = ["hardening_rows", "hardening_section", "hardening_table"]

_PREFIX = "hardening."
_SUFFIX = ".attack_success_rate"
_SIDES = ("before", "after")


def _est(metric: Metric | None) -> dict[str, Any]:
    if metric is None or not metric.n:
        return {"value": None, "ci": None, "n": 0}
    ci = None
    if metric.ci is not None and all(math.isfinite(x) for x in metric.ci):
        ci = [float(metric.ci[0]), float(metric.ci[1])]
    value = float(metric.value) if math.isfinite(metric.value) else None
    return {"value": value, "ci": ci, "n": metric.n}


def _pair(metrics: dict[str, Metric], name: str) -> dict[str, Any]:
    return {side: _est(metrics.get(f"{_PREFIX}{side}.{name}")) for side in _SIDES}


def _unguarded(config: dict[str, Any]) -> dict[str, str]:
    scan = config.get("scan")
    spec = scan.get("unguarded") if isinstance(scan, dict) else None
    if not isinstance(spec, dict):
        return {}
    # What identifies the unguarded; the config snapshot is already free of secrets.
    keys = ("kind", "url", "model", "hardened")
    return {
        k: v if isinstance(v, str) else json.dumps(v)  # true, not Python's True
        for k in keys
        if (v := spec.get(k)) is not None
    }


def hardening_section(result: RunResult) -> dict[str, Any] | None:
    """The summary's ``hardening`` section; None when the run had no unguarded."""
    metrics = result.metrics
    if not any(name.startswith(_PREFIX + "before.") for name in metrics):
        return None
    head = f"{_PREFIX}before."
    categories = sorted(
        name[len(head) : -len(_SUFFIX)]
        for name in metrics
        if name.startswith(head) and name.endswith(_SUFFIX) and name != head + _SUFFIX[1:]
    )
    leak_rate = _pair(metrics, "pii_leak_rate")
    section: dict[str, Any] = {
        "unguarded": _unguarded(result.config),
        "attack_success_rate": _pair(metrics, _SUFFIX[1:]),
        "by_attack": {c: _pair(metrics, c + _SUFFIX) for c in categories},
        "pii_leaks": {
            side: round(est["value"] * est["n"]) if est["value"] is not None else 0
            for side, est in leak_rate.items()
        },
        "pii_leak_rate": leak_rate,
    }
    if any(f"{_PREFIX}{side}.quality.pass_rate" in metrics for side in _SIDES):
        section["quality_pass_rate"] = _pair(metrics, "quality.pass_rate")
    return section


def hardening_rows(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The before/after rows in display order: the totals (``total``), then each attack
    category, the most successful before first. ``lower_is_better`` is false for quality."""
    leaks = section["pii_leaks"]
    rows: list[dict[str, Any]] = [
        {"label": "attack success, all", "pair": section["attack_success_rate"], "total": True,
         "lower_is_better": True},
        {"label": f"PII leaks ({leaks['before']} → {leaks['after']} samples)",
         "pair": section["pii_leak_rate"], "total": True, "lower_is_better": True},
    ]  # fmt: skip
    quality = section.get("quality_pass_rate")
    if quality is not None:
        rows.append(
            {"label": "quality pass rate", "pair": quality, "total": True, "lower_is_better": False}
        )
    ranked = sorted(
        section["by_attack"].items(), key=lambda x: (-(x[1]["before"]["value"] or 0.0), x[0])
    )
    rows += [
        {"label": name, "pair": pair, "total": False, "lower_is_better": True}
        for name, pair in ranked
    ]
    for row in rows:
        row["n"] = max(row["pair"]["before"]["n"], row["pair"]["after"]["n"])
    return rows


def _cell(est: dict[str, Any], *, bad_when_high: bool) -> Text:
    if est["value"] is None:
        return Text("—")
    text = f"{fmt_pct(est['value'])} {fmt_ci(est['ci'], percent=True)}"
    style = "bold red" if bad_when_high and est["value"] > 0 else ""
    return Text(text, style=style)


def hardening_table(section: dict[str, Any]) -> Table:
    """Before (unguarded) and after (this target), one row per measure and attack kind."""
    unguarded = ", ".join(f"{k}={v}" for k, v in section["unguarded"].items()) or "unguarded"
    table = Table(
        title=Text(f"Guardrails: before ({clean(unguarded)}) → after (this target)"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("measure", overflow="fold", max_width=32)
    table.add_column("before [95% CI]", justify="right")
    table.add_column("after [95% CI]", justify="right")
    table.add_column("n", justify="right")
    rows = hardening_rows(section)
    for i, row in enumerate(rows):
        last_total = row["total"] and (i + 1 == len(rows) or not rows[i + 1]["total"])
        bad = row["lower_is_better"]
        table.add_row(
            Text(clean(row["label"]), style="bold" if row["total"] else ""),
            _cell(row["pair"]["before"], bad_when_high=bad),
            _cell(row["pair"]["after"], bad_when_high=bad),
            str(row["n"]),
            end_section=last_total,
        )
    return table
