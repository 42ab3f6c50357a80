"""The JUnit reporter: ``junit.xml`` so CI systems list every case and gate as a test.

One testsuite per capability (a testcase per case, classname = capability) and one
``golive.gates`` suite (a testcase per gate; an inconclusive gate is ``<skipped>``). Variants
made by diversity go to one suite per mutator: ``robustness.<mutator>`` for meaning-preserving
ones, ``adversarial.<mutator>`` for attacks (whose failure means the attack got through). A
failed case carries a ``<failure>`` whose message lists its failure modes and whose text holds
excerpts of the failing samples.
Model output may contain characters XML 1.0 cannot carry even escaped (``\\x00``…): they
are dropped; ElementTree escapes the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import Field

from golive.diversity.analysis import attack_succeeded
from golive.diversity.expand import lineage
from golive.registry import ComponentArgs, reporter
from golive.reports._cases import case_view
from golive.reports._format import fmt_ci, fmt_num
from golive.reports._text import excerpt, xml_safe
from golive.reports.base import ReportContext, write_atomic
from golive.schemas import CaseResult, RunResult

__all__ = ["JunitArgs", "JunitReporter", "build_junit", "render_junit", "suite_name"]

GATES_SUITE = "golive.gates"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_safe(text)
    return child


def _properties(suite: ET.Element, result: RunResult) -> None:
    props = _el(suite, "properties")
    for name, value in (
        ("golive.verdict", result.verdict.label),
        ("golive.run_id", result.run_id),
        ("golive.status", result.status),
        *((f"golive.target.{k}", v) for k, v in result.target.items()),
    ):
        _el(props, "property", name=name, value=str(value))


def _seconds(case: CaseResult) -> float:
    return sum((s.observation.e2e_ms or 0.0) for s in case.samples) / 1000


def _failure_text(case: CaseResult, excerpt_chars: int) -> str:
    lines = []
    for s in case.samples:
        if s.passed:
            continue
        modes = ", ".join(f.mode.value for f in s.findings)
        obs = s.observation
        body = (
            f"error: {obs.error.message}"
            if obs.error is not None
            else excerpt(obs.output, excerpt_chars) or "(empty output)"
        )
        details = "; ".join(f.detail for f in s.findings if f.detail)
        lines.append(f"sample {obs.sample + 1} [{modes}] {details}\n    {body}")
    for f in case.case_findings:
        lines.append(f"across samples [{f.mode.value}] {f.detail}")
    return "\n".join(lines)


def _case(
    suite: ET.Element, case: CaseResult, excerpt_chars: int, classname: str
) -> tuple[int, int]:
    """Add one testcase; return (failures, skipped) it contributed."""
    view = case_view(case)
    testcase = _el(
        suite,
        "testcase",
        classname=classname,
        name=case.case.id,
        time=f"{_seconds(case):.3f}",
    )
    if not case.samples:
        _el(testcase, "skipped", message="not run: the run ended before this case")
        return 0, 1
    if case.passed:
        return 0, 0
    n = len(case.samples)
    message = f"{', '.join(view.modes)} ({view.failed_samples}/{n} samples failed)"
    info = view.variant
    if info is not None and info.expectation == "must_resist" and any(attack_succeeded(case)):
        message = f"attack got through: {message}"
    _el(
        testcase,
        "failure",
        _failure_text(case, excerpt_chars),
        message=message,
        type="silent" if view.silent else "visible",
    )
    return 1, 0


def _suite(
    root: ET.Element, name: str, result: RunResult, tests: int, timestamp: str
) -> ET.Element:
    suite = _el(root, "testsuite", name=name, tests=str(tests), timestamp=timestamp)
    _properties(suite, result)
    return suite


def _count(suite: ET.Element, failures: int, skipped: int, seconds: float) -> None:
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", f"{seconds:.3f}")


def suite_name(case: CaseResult) -> str:
    """The capability of a canonical case; ``robustness.<mutator>`` or
    ``adversarial.<mutator>`` for a variant."""
    info = lineage(case.case)
    if info is None:
        return case.case.capability
    family = "adversarial" if info.expectation == "must_resist" else "robustness"
    return f"{family}.{info.mutator}"


def _by_suite(cases: Iterable[CaseResult]) -> dict[str, list[CaseResult]]:
    canonical: dict[str, list[CaseResult]] = {}
    variants: dict[str, list[CaseResult]] = {}
    for case in cases:
        groups = canonical if lineage(case.case) is None else variants
        groups.setdefault(suite_name(case), []).append(case)
    # The user's own cases first, then the variants, each group in name order.
    return {**dict(sorted(canonical.items())), **dict(sorted(variants.items()))}


def build_junit(result: RunResult, *, excerpt_chars: int = 500) -> ET.Element:
    """The ``<testsuites>`` element for a run."""
    root = ET.Element("testsuites", {"name": xml_safe(f"golive {result.run_id}")})
    timestamp = result.started_at.isoformat()
    gates = result.verdict.gates
    suite = _suite(root, GATES_SUITE, result, len(gates), timestamp)
    for gate in gates:
        testcase = _el(suite, "testcase", classname=GATES_SUITE, name=gate.name, time="0")
        if gate.inconclusive:
            # Neither a pass nor a failure: JUnit's <skipped> is the state CI test tabs show
            # as "not decided" (a <failure> would turn the tab red where the exit code is 6,
            # an <error> means the test could not run). The message says how many samples.
            _el(testcase, "skipped", message=gate.reason or "inconclusive")
        elif not gate.passed:
            message = (
                f"{gate.metric} = {fmt_num(gate.value)} (95% CI {fmt_ci(gate.ci)}), "
                f"needs {gate.op} {fmt_num(gate.threshold)}"
            )
            _el(testcase, "failure", gate.reason or message, message=message, type="gate")
    gate_failures = sum(g.status == "fail" for g in gates)
    gate_skipped = sum(g.inconclusive for g in gates)
    _count(suite, gate_failures, gate_skipped, 0.0)
    total_failures, total_skipped = gate_failures, gate_skipped
    for name, cases in _by_suite(result.cases).items():
        suite = _suite(root, name, result, len(cases), timestamp)
        failures = skipped = 0
        for case in cases:
            f, s = _case(suite, case, excerpt_chars, name)
            failures, skipped = failures + f, skipped + s
        _count(suite, failures, skipped, sum(_seconds(c) for c in cases))
        total_failures, total_skipped = total_failures + failures, total_skipped + skipped
    root.set("tests", str(len(gates) + len(result.cases)))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    root.set("time", f"{(result.finished_at - result.started_at).total_seconds():.3f}")
    return root


def render_junit(result: RunResult, *, excerpt_chars: int = 500) -> bytes:
    """The JUnit XML document, UTF-8 with an XML declaration."""
    root = build_junit(result, excerpt_chars=excerpt_chars)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


class JunitArgs(ComponentArgs):
    kind: Literal["junit"] = "junit"
    filename: str = Field(
        default="junit.xml", pattern=r"^[\w.-]+$", description="File name in the report folder."
    )
    excerpt_chars: int = Field(
        default=500, ge=20, description="Characters of each failing output quoted in a failure."
    )


@reporter("junit", args=JunitArgs)
class JunitReporter:
    """JUnit XML (junit.xml): one testcase per case and per gate, for CI test tabs."""

    name = "junit"

    def __init__(self, args: JunitArgs | None = None) -> None:
        self.args = args or JunitArgs()

    def write(self, result: RunResult, context: ReportContext) -> Path:
        context.out_dir.mkdir(parents=True, exist_ok=True)
        path = context.out_dir / self.args.filename
        write_atomic(path, render_junit(result, excerpt_chars=self.args.excerpt_chars))
        return path
