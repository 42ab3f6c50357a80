"""The HTML report fits a 1024 px window (and a 1400 px one): every section and card keeps its
content inside its box, or scrolls it inside the box; the page itself never scrolls sideways.
Measured in headless Chromium on a report with every wide part: long gate expressions and
reasons, 20 mutators with failure chips, a heatmap of 6 capabilities by 20 mutators."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser import chromium
from rich.console import Console
from selenium.webdriver.chrome.webdriver import WebDriver

from golive.diversity.analysis import robustness_metrics
from golive.diversity.base import Expectation, Mutation
from golive.diversity.expand import make_variant
from golive.metrics import compute_metrics
from golive.reports.base import ReportContext
from golive.reports.html import HtmlReporter
from golive.schemas import (
    Case,
    CaseResult,
    FailureMode,
    Finding,
    GateResult,
    Observation,
    Request,
    RunResult,
    Score,
    ScoredObservation,
    Verdict,
)

pytestmark = pytest.mark.e2e

MUTATORS = [
    ("unicode_normalization", "noise"), ("delimiter_confusion", "format"),
    ("multilingual_injection", "language"), ("keyboard_typos", "noise"),
    ("strip_accents", "noise"), ("long_context", "format"), ("code_mixing", "language"),
    ("slang", "register"), ("angry", "register"), ("fragment", "format"),
    ("leetspeak", "noise"), ("all_caps", "noise"), ("no_punctuation", "noise"),
    ("formal", "register"), ("translate_es", "language"), ("translate_de", "language"),
    ("markdown_wrap", "format"), ("json_wrap", "format"), ("emoji", "noise"),
    ("polite_preamble", "register"),
]  # fmt: skip
CAPABILITIES = ["billing", "account-security", "out-of-scope", "shipping", "refunds", "orders"]
MODES = [FailureMode.WRONG_ANSWER, FailureMode.LANGUAGE_MISMATCH, FailureMode.UNSAFE_COMPLIANCE]

# What a page measures: boxes whose content sticks out without scrolling inside them.
OVERFLOW_JS = """
function scrolls(el) {
  const x = getComputedStyle(el).overflowX;
  return x === 'auto' || x === 'scroll' || x === 'hidden';
}
const bad = [];
for (const box of document.querySelectorAll('section, .card')) {
  const edge = box.getBoundingClientRect();
  if (edge.width === 0) continue;
  for (const el of box.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    let p = el.parentElement, inside = false;
    while (p && p !== box) { if (scrolls(p)) { inside = true; break; } p = p.parentElement; }
    if (!inside && (r.right > edge.right + 0.5 || r.left < edge.left - 0.5)) {
      bad.push((box.id || box.className) + ' > ' + el.tagName + '.' + el.className);
    }
  }
}
return {bad: bad.slice(0, 20), page: document.documentElement.scrollWidth,
        window: document.documentElement.clientWidth};
"""


@dataclass
class _Mutator:
    name: str
    family: str
    expectation: Expectation = "invariant"
    description: str = "layout test mutator"
    example: str = "a → b"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        return None


def _sample(case: Case, i: int, mode: FailureMode | None) -> ScoredObservation:
    t0 = 5_000_000_000 + i * 2_000_000_000
    obs = Observation(
        case_id=case.id,
        sample=i,
        request=Request(messages=case.messages()),
        output="An answer.",
        t_sched_ns=t0,
        t_send_ns=t0,
        chunk_times_ns=(t0 + 250_000_000 + i * 9_000_000, t0 + 900_000_000),
        t_end_ns=t0 + 900_000_000,
        finish_reason="stop",
    )
    if mode is None:
        return ScoredObservation(obs, (Score("semantic", 0.9, True, "similar"),), ())
    return ScoredObservation(
        obs, (Score("semantic", 0.1, False, "different", mode),), (Finding(mode, "silent", "x"),)
    )


def _gate(expression: str, value: float, ci: tuple[float, float]) -> GateResult:
    metric, op, threshold = expression.split()
    return GateResult(expression, metric, op, float(threshold), value, ci, False)


def _wide_result() -> RunResult:
    rng = random.Random(7)
    results: list[CaseResult] = []
    for cap in CAPABILITIES:
        case = Case(
            id=f"{cap}-question", input=f"A {cap} question?", reference="Yes.", capability=cap
        )
        results.append(CaseResult(case, tuple(_sample(case, i, None) for i in range(3))))
        for k, (name, family) in enumerate(MUTATORS):
            variant = make_variant(case, _Mutator(name, family), Mutation(f"{cap} {name}"), k, 1)
            modes = [rng.choice([None, *MODES]) for _ in range(3)]
            results.append(
                CaseResult(variant, tuple(_sample(variant, i, m) for i, m in enumerate(modes)))
            )
    metrics = compute_metrics([r for r in results if "~" not in r.case.id])
    metrics.update(robustness_metrics(results, seed=0))
    gates = (
        _gate("quality.pass_rate.ci_low >= 0.8", 0.6, (0.6, 0.99)),
        _gate("quality.capability.account-security.pass_rate.ci_low >= 0.95", 0.3, (0.3, 1.0)),
        _gate("failures.silent_rate.ci_high <= 0.1", 0.35, (0.0, 0.35)),
    )
    start = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    return RunResult(
        run_id="20250314-090000-layout",
        status="finished",
        started_at=start,
        finished_at=start + timedelta(seconds=30),
        target={"kind": "openai", "url": "http://127.0.0.1:8000/v1", "model": "layout-model"},
        config={"samples": 3},
        cases=tuple(results),
        metrics=metrics,
        verdict=Verdict(False, gates),
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layout") / "report"
    HtmlReporter().write(_wide_result(), ReportContext(out, Console(file=None, quiet=True)))
    return out / "index.html"


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chromium(tmp_path_factory.mktemp("chromium")) as browser:
        yield browser


@pytest.mark.parametrize("width", [1024, 1400])
def test_every_section_keeps_its_content_inside(
    driver: WebDriver, report: Path, width: int
) -> None:
    driver.set_window_size(width, 1400)
    driver.get(report.as_uri())
    found = driver.execute_script(OVERFLOW_JS)
    assert found["bad"] == []
    assert found["page"] <= found["window"]  # no sideways scrolling of the page
    # The wide parts are there, and the heatmap scrolls inside its own box if it must.
    heatmap = driver.execute_script(
        "const s = document.querySelector('#heatmap').parentElement;"
        "return [s.className, getComputedStyle(s).overflowX];"
    )
    assert heatmap == ["scroll", "auto"]
    rows = driver.execute_script("return document.querySelectorAll('#mutators tbody tr').length")
    assert rows == len(MUTATORS)
