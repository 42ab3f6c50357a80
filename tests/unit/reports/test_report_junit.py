"""junit.xml: parses, one testcase per case and gate, failures carry modes and excerpts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from golive.registry import registry
from golive.reports.base import ReportContext
from golive.reports.junit import GATES_SUITE, JunitArgs, render_junit
from golive.schemas import CaseResult, RunResult

Factory = Callable[..., RunResult]


def _root(result: RunResult) -> ET.Element:
    return ET.fromstring(render_junit(result))


def _case(root: ET.Element, name: str) -> ET.Element:
    found = root.find(f".//testcase[@name='{name}']")
    assert found is not None, name
    return found


def test_suites_cases_and_totals(run_result: RunResult) -> None:
    root = _root(run_result)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [GATES_SUITE, "refunds", "security", "shipping"]
    assert [tc.get("name") for tc in suites["refunds"].findall("testcase")] == [
        "refund-window",
        "refund-digital",
        "refund-empty",
    ]
    assert {tc.get("classname") for tc in suites["shipping"].findall("testcase")} == {"shipping"}
    assert root.get("tests") == "10"  # 7 cases + 3 gates
    assert root.get("failures") == "8"  # 6 failed cases + 2 failed gates
    assert suites["refunds"].get("failures") == "2"
    assert suites[GATES_SUITE].get("failures") == "2"
    for suite in suites.values():
        assert int(suite.get("tests") or -1) == len(suite.findall("testcase"))


def test_verdict_properties(run_result: RunResult) -> None:
    root = _root(run_result)
    for suite in root.findall("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["golive.verdict"] == "no-go"
        assert props["golive.run_id"] == run_result.run_id
        assert props["golive.target.model"] == "demo-rag"


def test_failure_message_and_text(run_result: RunResult) -> None:
    root = _root(run_result)
    assert _case(root, "refund-window").find("failure") is None
    failure = _case(root, "refund-digital").find("failure")
    assert failure is not None
    assert failure.get("message") == "wrong_answer (2/3 samples failed)"
    assert failure.get("type") == "silent"
    assert "sample 1 [wrong_answer]" in (failure.text or "")
    assert "All purchases are refundable" in (failure.text or "")
    timeout = _case(root, "shipping-eu").find("failure")
    assert timeout is not None and timeout.get("type") == "visible"
    assert "error: no reply after 30.0 s" in (timeout.text or "")
    across = _case(root, "shipping-cost").find("failure")
    assert across is not None and "across samples [inconsistent]" in (across.text or "")
    gate = _case(root, "quality.pass_rate.ci_low >= 0.8").find("failure")
    assert gate is not None and "needs >= 0.8" in (gate.get("message") or "")
    assert _case(root, "latency.ttft_ms.p95 <= 2500").find("failure") is None


def test_hostile_output_is_escaped_and_illegal_characters_stripped(run_result: RunResult) -> None:
    data = render_junit(run_result)
    assert b"\x00" not in data and b"\x1b" not in data
    assert b"<script>" not in data
    failure = _case(ET.fromstring(data), "inject-<b>admin</b>").find("failure")
    assert failure is not None
    assert "<script>window.__pwned = 1</script></details>" in (failure.text or "")


def test_illegal_characters_in_ids_and_reasons(run_result: RunResult) -> None:
    first = run_result.cases[1]
    bad_case = first.case.model_copy(
        update={"id": "case\x00\x0b-\ud800id", "capability": "c\x01ap"}
    )
    cases = [replace(first, case=bad_case), *run_result.cases[2:]]
    root = ET.fromstring(render_junit(replace(run_result, cases=tuple(cases))))
    names = [tc.get("name") for tc in root.iter("testcase")]
    assert "case-id" in names
    assert "cap" in [s.get("name") for s in root.findall("testsuite")]


def test_interrupted_cases_are_skipped(result_factory: Factory) -> None:
    base = result_factory()
    cases = [*base.cases[:5], *(CaseResult(c.case, ()) for c in base.cases[5:])]
    root = _root(result_factory(cases=cases, status="interrupted"))
    assert root.get("skipped") == "2"
    skipped = _case(root, "lang-pt").find("skipped")
    assert skipped is not None and "not run" in (skipped.get("message") or "")
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["golive.status"] == "interrupted"


def test_excerpts_are_bounded(run_result: RunResult) -> None:
    failure = _case(ET.fromstring(render_junit(run_result, excerpt_chars=30)), "refund-digital")
    text = failure.findtext("failure") or ""
    assert "Yes! All purchases are refund…" in text
    assert "within 30 days" not in text


def test_reporter_writes_junit_xml(run_result: RunResult, tmp_path: Path) -> None:
    reporter = registry.build("reporter", JunitArgs())
    path = reporter.write(run_result, ReportContext(tmp_path / "out", Console(quiet=True)))
    assert path == tmp_path / "out" / "junit.xml"
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert ET.parse(path).getroot().get("tests") == "10"
