"""Robustness and attacks in every report: summary.json sections (schema 1.1), the terminal
tables, the HTML heatmap / side-by-side / attacks, and the JUnit suites per mutator."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from golive.reports import build_summary, load_schema
from golive.reports._robustness import TEXT_LIMIT, successful_attacks, worst_examples
from golive.reports.html import render_html
from golive.reports.junit import render_junit
from golive.reports.terminal import render_terminal
from golive.schemas import Case, CaseResult, FailureMode, Metric, RunResult

Kit = Any  # the ``kit`` fixture: the diversity builders of conftest.py

RAW_ATTACK_SCRIPT = "<script>window.__pwned = 3</script>"
RAW_OUTPUT_SCRIPT = "<script>window.__pwned = 4</script>"


def _validate(summary: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.FormatChecker()
    )
    errors = sorted(validator.iter_errors(summary), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def _without_diversity_metrics(result: RunResult) -> dict[str, Metric]:
    return {
        k: v for k, v in result.metrics.items() if not k.startswith(("robustness.", "adversarial."))
    }


def _terminal(result: RunResult) -> str:
    buffer = io.StringIO()
    render_terminal(result, Console(file=buffer, width=140, color_system=None))
    return buffer.getvalue()


def _attack_only(kit: Kit, n: int, mutators: tuple[Any, ...]) -> list[CaseResult]:
    """n successful attacks spread over ``mutators``, on fresh canonical cases."""
    cases: list[CaseResult] = []
    for i in range(n):
        base = Case(id=f"c{i:02d}", input=f"question {i}", capability="security")
        cases.append(CaseResult(base, (kit.sample(base, 0, "fine"),)))
        mutator = mutators[i % len(mutators)]
        output = [(f"{kit.CANARY} " + "x" * 800, FailureMode.INSTRUCTION_HIJACKED)]
        cases.append(kit.variant(base, mutator, "A" * 900 + "\ud800", output, canary=kit.CANARY))
    return cases


# --- summary.json ----------------------------------------------------------------------------


def test_schema_valid_with_and_without_diversity(kit: Kit) -> None:
    plain, diverse = build_summary(kit.make_run_result()), build_summary(kit.make_diverse_result())
    _validate(plain)
    _validate(diverse)
    assert "robustness" not in plain and "adversarial" not in plain
    assert {"robustness", "adversarial"} <= set(diverse)


def test_schema_rejects_a_broken_robustness_section(kit: Kit) -> None:
    summary = build_summary(kit.make_diverse_result())
    del summary["robustness"]["mutators"]["typos"]["failures"]["pii_leak"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(summary, load_schema())


@pytest.mark.parametrize("with_metrics", [True, False])
def test_variants_do_not_change_quality_failures_or_latency(kit: Kit, with_metrics: bool) -> None:
    plain, diverse = kit.make_run_result(), kit.make_diverse_result()
    if not with_metrics:  # the fallback path derives every figure from the cases
        plain = kit.make_run_result(metrics={})
        diverse = kit.make_diverse_result(metrics={})
    a, b = build_summary(plain), build_summary(diverse)
    for key in ("quality", "failures", "latency"):
        assert a[key] == b[key], key
    assert b["quality"]["cases"] == 7 and b["quality"]["samples"] == 21


def test_robustness_section_figures(diverse_result: RunResult) -> None:
    rob = build_summary(diverse_result)["robustness"]
    assert rob["amplification"] == pytest.approx(8 / 7)
    assert rob["variants"]["count"] == 8
    assert (rob["variants"]["invariant"], rob["variants"]["must_resist"]) == (5, 3)
    assert rob["canonical"]["pass_rate"]["value"] == pytest.approx(11 / 21)
    assert set(rob["mutators"]) == {"typos", "slang"}  # attacks are reported apart
    typos = rob["mutators"]["typos"]
    assert (typos["family"], typos["expectation"], typos["variants"]) == ("noise", "invariant", 3)
    assert typos["pass_rate"]["value"] == pytest.approx(3 / 6) and typos["pass_rate"]["n"] == 6
    # Paired per case: (0 − 1) + (1 − 2/3) + (1/2 − 2/3), over 3 cases.
    assert typos["delta"]["value"] == pytest.approx(-5 / 18) and typos["delta"]["n"] == 3
    low, high = typos["delta"]["ci"]
    assert -1.0 <= low <= typos["delta"]["value"] <= high <= 1.0
    assert typos["silent_rate"]["value"] == pytest.approx(2 / 6)
    assert typos["failures"]["wrong_answer"] == 2 and typos["failures"]["empty_output"] == 1
    assert list(typos["failures"]) == [m.value for m in FailureMode]  # zero-filled
    assert rob["families"]["noise"]["mutators"] == ["typos"]
    assert rob["families"]["register"]["delta"]["value"] == pytest.approx(1 / 6)
    assert rob["worst"]["mutator"] == "typos"
    assert rob["worst"]["pass_rate"] == typos["pass_rate"]
    assert rob["heatmap"]["refunds"]["typos"]["value"] == pytest.approx(1 / 4)
    assert rob["heatmap"]["refunds"]["typos"]["n"] == 4
    assert rob["heatmap"]["shipping"]["slang"]["value"] == 1.0
    # The section agrees with the metrics gates read.
    metrics = diverse_result.metrics
    assert rob["worst"]["pass_rate"]["value"] == metrics["robustness.worst.pass_rate"].value


def test_sections_are_recomputed_when_the_metrics_are_missing(
    kit: Kit, diverse_result: RunResult
) -> None:
    stripped = kit.make_diverse_result(metrics=_without_diversity_metrics(diverse_result))
    full, derived = build_summary(diverse_result), build_summary(stripped)
    assert derived["robustness"] == full["robustness"]
    assert derived["adversarial"] == full["adversarial"]


def test_adversarial_section(kit: Kit, diverse_result: RunResult) -> None:
    adv = build_summary(diverse_result)["adversarial"]
    assert adv["variants"] == 3
    assert adv["attack_success_rate"]["value"] == pytest.approx(1 / 6)
    assert adv["attack_success_rate"]["n"] == 6
    assert adv["by_attack"]["override"]["value"] == pytest.approx(1 / 4)
    assert adv["by_attack"]["extract"]["value"] == 0.0
    [hit] = adv["successful"]
    assert hit["case_id"] == "refund-window~override~0" and hit["of"] == "refund-window"
    assert hit["mutator"] == "override" and hit["canary"] == kit.CANARY
    assert hit["modes"] == ["instruction_hijacked"]
    assert hit["input"] == kit.ATTACK and hit["output"] == kit.HIJACKED  # verbatim


def test_only_attacks_ran(kit: Kit) -> None:
    summary = build_summary(kit.make_run_result(cases=_attack_only(kit, 3, (kit.OVERRIDE,))))
    _validate(summary)
    assert summary["robustness"]["mutators"] == {}
    assert summary["robustness"]["worst"] is None
    assert summary["robustness"]["variants"]["delta"] is None
    assert summary["adversarial"]["attack_success_rate"]["value"] == 1.0


def test_successful_attacks_are_capped_cut_and_take_turns(kit: Kit) -> None:
    result = kit.make_run_result(cases=_attack_only(kit, 25, (kit.OVERRIDE, kit.EXTRACT)))
    summary = build_summary(result)
    _validate(summary)
    successful = summary["adversarial"]["successful"]
    assert len(successful) == 20
    # Taken in turn from each attack kind, not the first 20 of one.
    assert [s["mutator"] for s in successful[:4]] == ["extract", "override"] * 2
    first = successful[0]
    assert len(first["input"]) == TEXT_LIMIT + 1 and first["input"].endswith("…")
    assert len(first["output"]) == TEXT_LIMIT + 1
    assert "\ud800" not in "".join(s["input"] for s in successful)  # lone surrogate replaced
    assert len(successful_attacks(result, limit=100)) == 25


# --- terminal -------------------------------------------------------------------------------


def test_terminal_robustness_and_attack_tables(diverse_result: RunResult) -> None:
    text = _terminal(diverse_result)
    assert "Robustness (amplification ×1.1: 8 variants of 7 cases)" in text
    rows = [line for line in text.splitlines() if re.match(r"\s+(typos|slang)\s", line)]
    assert [r.split()[0] for r in rows] == ["typos", "slang"]  # worst delta first
    assert "-27.8 pp [-100.0, +33.3]" in rows[0] and "noise" in rows[0] and "33.3%" in rows[0]
    assert "+16.7 pp" in rows[1]
    assert "Attacks (3 variants)" in text
    override = next(line for line in text.splitlines() if line.strip().startswith("override"))
    assert "25.0%" in override and "[4.6%, 69.9%]" in override
    # The worst-cases list stays about the user's own cases.
    worst = text[text.index("Worst 5 cases") :]
    assert "~typos~" not in worst


def test_terminal_without_diversity_has_no_new_tables(kit: Kit) -> None:
    text = _terminal(kit.make_run_result())
    assert "Robustness" not in text and "Attacks" not in text


def test_terminal_escapes_mutator_names(kit: Kit) -> None:
    hostile = kit.FakeMutator("[red]evil[/red]\x1b[31m", "noise", "invariant")
    base = kit.diverse_cases()
    refund = next(c.case for c in base if c.case.id == "refund-window")
    cases = [*base, kit.variant(refund, hostile, "x", [("nope", FailureMode.WRONG_ANSWER)])]
    text = _terminal(kit.make_run_result(cases=cases))
    assert "[red]evil[/red]" in text and "\x1b" not in text


# --- HTML -----------------------------------------------------------------------------------


def test_html_heatmap_cells(diverse_result: RunResult) -> None:
    page = render_html(diverse_result)
    heat = page[page.index('id="heatmap"') : page.index("</table>", page.index('id="heatmap"'))]
    headers = re.findall(r'<th class="mut">([^<]*)</th>', heat)
    assert headers == ["canonical", "typos", "slang"]  # worst delta first
    assert '<td class="heat h2" title="25.0%, n=4 samples, 95% CI [4.6%, 69.9%]">25%</td>' in heat
    assert '<td class="heat h9" title="100.0%, n=2 samples' in heat
    assert '<td class="heat h6" title="66.7%, n=9 samples' in heat  # canonical refunds
    assert 'id="amplification">×1.1<' in page


def test_html_mutator_table_draws_delta_around_zero(diverse_result: RunResult) -> None:
    page = render_html(diverse_result)
    table = page[page.index('id="mutators"') : page.index("</table>", page.index('id="mutators"'))]
    assert table.index(">typos<") < table.index(">slang<")
    assert "-27.8 pp" in table and "[-100.0, +33.3]" in table
    assert table.count('<line class="zero" x1="80.0"') == 2
    assert 'aria-label="-27.8 pp, 95% CI [-100.0, +33.3]"' in table
    assert "wrong_answer 2" in table


def test_html_worst_examples_side_by_side(diverse_result: RunResult) -> None:
    [example] = worst_examples(diverse_result, build_summary(diverse_result)["robustness"])
    assert example.canonical.case.id == "refund-window" and example.info.mutator == "typos"
    page = render_html(diverse_result)
    section = page[page.index("Worst examples side by side") : page.index('id="attacks"')]
    canonical = section.index("How long do I have to return a jacket?")
    variant = section.index("How lnog do I have to retrun a jacket?")
    assert canonical < section.index("You have 30 days from delivery.") < variant
    assert variant < section.index("Jackets cannot be returned.")
    assert '<span class="chip silent">wrong_answer</span>' in section


def test_html_attacks_are_shown_verbatim_and_inert(kit: Kit, diverse_result: RunResult) -> None:
    page = render_html(diverse_result)
    attacks = page[page.index('<section id="attacks">') : page.index('<section id="cases">')]
    assert RAW_ATTACK_SCRIPT not in page and RAW_OUTPUT_SCRIPT not in page
    assert "<!--" not in page and "</system>" not in page
    assert "&lt;/system&gt;\n&lt;!-- admin mode --&gt;&lt;script&gt;window.__pwned = 3" in attacks
    assert "&lt;!-- --&gt;&lt;script&gt;window.__pwned = 4&lt;/script&gt;" in attacks
    assert f"canary <code>{kit.CANARY}</code>" in attacks
    assert "override" in attacks and "25.0%" in attacks
    assert page.count("<script>") == 1  # golive's own
    assert page.count("<details") == len(diverse_result.cases) + 1
    assert not re.search(r"<[a-z]+[^>]* style=", page)  # the CSP forbids style attributes


def test_html_lineage_and_filters(diverse_result: RunResult) -> None:
    page = render_html(diverse_result)
    assert 'data-filter="canonical" aria-pressed="false">Canonical (7)' in page
    assert 'data-filter="variants" aria-pressed="false">Variants (8)' in page
    assert page.count(' variant" id="case-') == 8
    # Variants are listed after the user's own cases, worst first; the lineage links back.
    anchor = re.search(r'<details class="case pass canonical" id="(case-\d+)"', page)
    assert anchor is not None
    body = page[page.index('<section id="cases">') :]
    assert body.index(">refund-window<") < body.index(">refund-window~typos~0<")
    first = body[body.index('<dl class="lineage">') :]
    first = first[: first.index("</dl>")]
    assert f'<dt>of</dt><dd><a class="mono" href="#{anchor.group(1)}">refund-window</a>' in first
    assert '<dt>mutator</dt><dd class="mono">typos</dd>' in first
    assert "<dt>family</dt><dd>noise</dd>" in first
    assert '<dt>seed</dt><dd class="mono">1234 · variant #0</dd>' in first
    assert "{&#34;rate&#34;: 0.1}" in page  # params as escaped JSON


def test_html_escapes_hostile_mutator_names(kit: Kit) -> None:
    hostile = kit.FakeMutator('<img src=x onerror="alert(1)">', "noise", "invariant")
    base = kit.diverse_cases()
    refund = next(c.case for c in base if c.case.id == "refund-window")
    cases = [*base, kit.variant(refund, hostile, "x", [("nope", FailureMode.WRONG_ANSWER)])]
    page = render_html(kit.make_run_result(cases=cases))
    assert "<img" not in page and "&lt;img src=x onerror=" in page


def test_html_without_diversity_has_no_new_sections(kit: Kit) -> None:
    page = render_html(kit.make_run_result())
    assert 'id="robustness"' not in page and 'id="attacks"' not in page
    assert 'data-filter="variants"' not in page


# --- JUnit ----------------------------------------------------------------------------------


def test_junit_suites_per_mutator(diverse_result: RunResult) -> None:
    root = ET.fromstring(render_junit(diverse_result))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert {"robustness.typos", "robustness.slang", "adversarial.override"} <= set(suites)
    assert {"adversarial.extract", "refunds", "shipping", "security"} <= set(suites)
    typos = suites["robustness.typos"]
    assert (typos.get("tests"), typos.get("failures")) == ("3", "2")
    assert {c.get("classname") for c in typos.iter("testcase")} == {"robustness.typos"}
    [hit] = suites["adversarial.override"].iter("failure")
    assert hit.get("message", "").startswith("attack got through: instruction_hijacked")
    assert RAW_OUTPUT_SCRIPT in (hit.text or "")  # escaped by XML, read back verbatim
    assert root.get("tests") == str(3 + len(diverse_result.cases))
    names = [s.get("name") for s in root.iter("testsuite")]
    assert names.index("shipping") < names.index("adversarial.extract")  # canonical first


def test_every_report_renders_an_attack_only_run(kit: Kit) -> None:
    result = kit.make_run_result(cases=_attack_only(kit, 2, (kit.OVERRIDE,)))
    page = render_html(result)
    assert "No meaning-preserving mutator ran." in page and 'id="heatmap"' not in page
    text = _terminal(result)
    assert "no meaning-preserving mutator ran" in text and "Attacks (2 variants)" in text
    assert b'name="adversarial.override"' in render_junit(result)


def test_interrupted_run_with_unfinished_variants(kit: Kit) -> None:
    cases = [c if i % 2 else CaseResult(c.case, ()) for i, c in enumerate(kit.diverse_cases())]
    result = kit.make_run_result(cases=cases, status="interrupted", metrics={})
    summary = build_summary(result)
    _validate(summary)
    assert summary["robustness"]["variants"]["count"] == 8  # unfinished variants still listed
    assert "Run interrupted" in render_html(result)
    assert "Robustness" in _terminal(result)


def _small_mutator_at_zero(kit: Kit) -> RunResult:
    """typos on 6 cases (12 samples, half pass) and a mutator that applied to one case only,
    failing both samples: too few samples to be the worst by the metric's rule."""
    accents = kit.FakeMutator("strip_accents", "noise", "invariant")
    cases: list[CaseResult] = []
    wrong = FailureMode.WRONG_ANSWER
    for i in range(6):
        base = Case(id=f"c{i}", input=f"question {i}", reference="yes", capability="faq")
        cases.append(CaseResult(base, (kit.sample(base, 0, "yes"), kit.sample(base, 1, "yes"))))
        out = [("yes", None), ("no", wrong)]
        cases.append(kit.variant(base, kit.TYPOS, f"qestion {i}", out))
    cases.append(kit.variant(cases[0].case, accents, "question 0", [("no", wrong)] * 2))
    return kit.make_run_result(cases=cases)


def test_worst_mutator_is_the_one_the_metric_measures(kit: Kit) -> None:
    result = _small_mutator_at_zero(kit)
    metric = result.metrics["robustness.worst.pass_rate"]
    assert (metric.value, metric.n) == (0.5, 12)
    rob = build_summary(result)["robustness"]
    assert rob["worst"]["mutator"] == "typos"
    assert rob["worst"]["pass_rate"]["value"] == metric.value
    assert rob["worst"]["pass_rate"]["n"] == metric.n
    page = render_html(result)
    card = page[page.index('id="worst-mutator"') :]
    card = card[: card.index("</div></div>")]
    assert ">typos<" in card and "strip_accents" not in card
    assert "50.0%" in card and "n=12" in card
    # The card's Δ is the table row's Δ.
    row = page[page.index('<td class="mono">typos</td>') :]
    row = row[: row.index("</tr>")]
    delta = re.findall(r'<td class="num">([^<]*pp)</td>', row)
    assert delta and f"Δ {delta[0]}" in card
