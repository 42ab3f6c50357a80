"""The comparison with a baseline as Markdown, rendered from ``summary["comparison"]``.

It reads the JSON form of ``golive.compare.Comparison`` (``to_json()``) defensively, any key
may be missing, so a summary written by another golive version still renders. The lists of
regressions, improvements and flaky cases hold case ids; their details are in ``cases``.
Case ids and reasons are escaped like all untrusted text.
"""

from __future__ import annotations

from typing import Any

from golive.reports._format import fmt_num, fmt_unit
from golive.reports._md import md_text, table

__all__ = ["CASE_ROWS", "case_changes", "comparison_markdown", "mde_statement", "run_label"]

CASE_ROWS = 25  # per list: a step summary is read by people, the full list is in the report


def _count(side: Any, key: str) -> int | None:
    value = side.get(key) if isinstance(side, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def case_changes(comparison: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The cases listed under ``key`` (regressions, improvements, flaky), each as a flat dict:
    case_id, capability, base_passed, base_n, head_passed, head_n, delta, q_value,
    flaky_reason (None where unknown)."""
    details = {
        str(c.get("case_id")): c for c in comparison.get("cases") or [] if isinstance(c, dict)
    }
    found = []
    for item in comparison.get(key) or []:
        case = item if isinstance(item, dict) else details.get(str(item), {"case_id": item})
        base, head = case.get("base"), case.get("head")
        found.append(
            {
                "case_id": str(case.get("case_id", "")),
                "capability": case.get("capability"),
                "base_passed": case.get("base_passed", _count(base, "passed")),
                "base_n": case.get("base_n", _count(base, "n")),
                "head_passed": case.get("head_passed", _count(head, "passed")),
                "head_n": case.get("head_n", _count(head, "n")),
                "delta": case.get("delta"),
                "q_value": case.get("q_value"),
                "flaky_reason": case.get("flaky_reason"),
            }
        )
    return found


def run_label(ref: Any) -> str | None:
    """A run reference (``{id, git_branch, git_commit}`` or a bare id) as plain text."""
    if isinstance(ref, str):
        return ref or None
    if not isinstance(ref, dict) or not ref.get("id"):
        return None
    where = [str(ref[k])[:12] for k in ("git_branch", "git_commit") if ref.get(k)]
    return f"{ref['id']}" + (f" ({', '.join(where)})" if where else "")


def mde_statement(comparison: dict[str, Any]) -> str | None:
    mde = comparison.get("mde")
    if isinstance(mde, dict):
        statement = mde.get("statement")
        return str(statement) if statement else None
    return str(mde) if isinstance(mde, str) and mde else None


def _share(passed: Any, n: Any) -> str:
    if isinstance(passed, int) and isinstance(n, int) and n:
        return f"{passed}/{n}"
    return "—"


def _pp(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:+.1f} pp"
    return "—"


def _cases(title: str, changes: list[dict[str, Any]], *, reason: bool) -> list[str]:
    if not changes:
        return []
    header = ["case", "capability", "base passed", "head passed", "change", "q"]
    if reason:
        header.append("why")
    rows = []
    for c in changes[:CASE_ROWS]:
        row = [
            md_text(c["case_id"]),
            md_text(c["capability"] or ""),
            _share(c["base_passed"], c["base_n"]),
            _share(c["head_passed"], c["head_n"]),
            _pp(c["delta"]),
            fmt_num(c["q_value"]),
        ]
        if reason:
            row.append(md_text(c["flaky_reason"] or ""))
        rows.append(row)
    more = len(changes) - CASE_ROWS
    tail = ["", f"…and {more} more."] if more > 0 else []
    return ["", f"#### {title} ({len(changes)})", "", *table(header, rows), *tail]


def _metrics(changes: list[Any]) -> list[str]:
    rows = []
    for m in changes:
        if not isinstance(m, dict):
            continue
        unit = str(m.get("unit", ""))
        ci = m.get("ci")
        ci_text = (
            f"[{fmt_unit(ci[0], unit, signed=True)}, {fmt_unit(ci[1], unit, signed=True)}]"
            if isinstance(ci, list | tuple) and len(ci) == 2
            else "-"
        )
        status = md_text(m.get("status", ""))
        if m.get("status") == "regression" and m.get("gating"):
            status = f"**{status}** (gating)"
        rows.append(
            (
                md_text(m.get("name", "")),
                fmt_unit(m.get("base"), unit),
                fmt_unit(m.get("head"), unit),
                fmt_unit(m.get("delta"), unit, signed=True),
                ci_text,
                fmt_num(m.get("p_value")),
                status,
            )
        )
    if not rows:
        return []
    header = ("metric", "base", "head", "change", "95% CI", "p", "status")
    return ["", "#### Metrics", "", *table(header, rows)]


def comparison_markdown(
    comparison: dict[str, Any], title: str = "Compared with the baseline"
) -> list[str]:
    """Lines of the "Compared with the baseline" section (``golive compare``: its own title)."""
    lines = [f"### {title}"]
    base = run_label(comparison.get("base"))
    if base:
        lines += ["", f"Baseline run: {md_text(base)}."]
    regressed = bool(comparison.get("regressed"))
    lines += [
        "",
        "**❌ Significant regressions found.**" if regressed else "No significant regression.",
    ]
    statement = mde_statement(comparison)
    if statement:
        lines += ["", md_text(statement, 400)]
    lines += _cases("Regressions", case_changes(comparison, "regressions"), reason=False)
    lines += _cases("Improvements", case_changes(comparison, "improvements"), reason=False)
    lines += _cases("Flaky cases", case_changes(comparison, "flaky"), reason=True)
    metrics = comparison.get("metrics")
    if isinstance(metrics, list):
        lines += _metrics(metrics)
    for warning in comparison.get("warnings") or []:
        lines += ["", "> [!WARNING]", f"> {md_text(warning, 400)}"]
    return lines
