"""index.html: escaping, CSP, self-containment, and the content each section must show."""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from rich.console import Console

from golive.registry import registry
from golive.reports.base import ReportContext
from golive.reports.html import HtmlArgs, HtmlReporter, render_html
from golive.schemas import CaseResult, FailureMode, RunResult, Verdict

Factory = Callable[..., RunResult]
RAW_SCRIPT = "<script>window.__pwned = 1</script>"


class _Tags(HTMLParser):
    """Counts tags and keeps the text of <script>/<style> elements, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self.attrs: list[tuple[str, str, str | None]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts[tag] += 1
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag in self.raw:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self.ends[tag] += 1
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in].append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def _sha(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_model_output_is_escaped(run_result: RunResult) -> None:
    page = render_html(run_result)
    assert RAW_SCRIPT not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;/details&gt;" in page
    assert "<script>alert(1)</script>" not in page  # from the case input
    assert "inject-&lt;b&gt;admin&lt;/b&gt;" in page  # from the case id
    assert "<b>admin</b>" not in page
    assert "\x00" not in page and "\x1b" not in page


def test_structure_survives_hostile_output(run_result: RunResult) -> None:
    tags = _parse(render_html(run_result))
    assert tags.starts["script"] == tags.ends["script"] == 1  # only golive's own script
    assert tags.starts["details"] == tags.ends["details"] == len(run_result.cases) + 1
    assert tags.starts["b"] == 0 and tags.starts["img"] == 0
    assert not [a for a in tags.attrs if a[1].startswith("on")]  # no inline event handlers
    assert not [a for a in tags.attrs if a[1] == "style"]  # CSP forbids style attributes


def test_csp_allows_exactly_the_inline_style_and_script(run_result: RunResult) -> None:
    page = render_html(run_result)
    tags = _parse(page)
    metas = [v for tag, k, v in tags.attrs if tag == "meta" and k == "content"]
    csp = next(v for v in metas if v and v.startswith("default-src"))
    assert page.index("Content-Security-Policy") < page.index("<style>")  # before anything loads
    policy = {part.split()[0]: part.split()[1:] for part in csp.split("; ")}
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == [f"'sha256-{_sha(''.join(tags.raw['script']))}'"]
    assert policy["style-src"] == [f"'sha256-{_sha(''.join(tags.raw['style']))}'"]
    assert "'unsafe-inline'" not in csp


def test_page_is_self_contained(run_result: RunResult) -> None:
    tags = _parse(render_html(run_result))
    urls = [v for tag, k, v in tags.attrs if k in ("src", "href") and v]
    assert urls and all(u.startswith(("#", "data:")) for u in urls)
    style = "".join(tags.raw["style"])
    assert "url(" not in style and "@import" not in style
    assert tags.starts["link"] == 1  # the data: favicon, which stops a /favicon.ico request


def test_sections_show_the_run(run_result: RunResult) -> None:
    page = render_html(run_result)
    assert '<div id="verdict" class="verdict">NO-GO</div>' in page
    assert "2 of 3 gates failed" in page
    assert "quality.pass_rate.ci_low &gt;= 0.8" in page
    for mode in FailureMode:
        assert f">{mode.value}<" in page
    assert "52.4%" in page and "[32.4%, 71.7%]" in page
    assert 'capability <span class="mono">security</span>' in page
    assert "c₁ − t<sub>send</sub>" in page  # the TTFT definition
    assert "1,900" in page  # TTFT max
    assert "similarity 0.31 &lt; 0.75 to the reference" in page  # a score reason
    assert "Vocês entregam em Lisboa?" in page  # chat input, UTF-8 intact
    assert "no reply after 30.0 s" in page  # the transport error
    assert "Failed (6)" in page and "Silent (4)" in page
    assert page.index("inject-&lt;b&gt;admin") < page.index(">refund-window<")  # worst first


def test_go_verdict(run_result: RunResult) -> None:
    page = render_html(replace(run_result, verdict=Verdict(True, ())))
    assert '<div id="verdict" class="verdict">GO</div>' in page
    assert 'class="banner go"' in page


def test_interrupted_run_is_flagged(result_factory: Factory) -> None:
    base = result_factory()
    cases = [*base.cases[:2], *(CaseResult(c.case, ()) for c in base.cases[2:])]
    page = render_html(result_factory(cases=cases, status="interrupted"))
    assert "Run interrupted: these results are partial (2 of 7 cases have samples)" in page
    assert page.count("NOT RUN") == 5


def test_long_outputs_are_cut(result_factory: Factory, run_result: RunResult) -> None:
    first = run_result.cases[0]
    sample = first.samples[0]
    long = replace(sample, observation=replace(sample.observation, output="A" * 5000 + "TAIL"))
    cases = [replace(first, samples=(long, *first.samples[1:])), *run_result.cases[1:]]
    page = render_html(result_factory(cases=cases), max_output_chars=1000)
    assert "A" * 1000 in page and "A" * 1001 not in page and "TAIL" not in page
    assert "4004 more characters not shown" in page.replace("… ", "")


def test_secret_free_config_is_shown_escaped(result_factory: Factory) -> None:
    page = render_html(result_factory(config={"note": "</pre><script>x()</script>"}))
    assert "&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;" in page


def test_reporter_writes_index_html(run_result: RunResult, tmp_path: Path) -> None:
    reporter = registry.build("reporter", HtmlArgs())
    assert isinstance(reporter, HtmlReporter)
    out = tmp_path / "new" / "dir"
    path = reporter.write(run_result, ReportContext(out, Console(quiet=True)))
    assert path == out / "index.html"
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert RAW_SCRIPT not in page


def test_latency_table_shows_intervals_and_no_unbounded_number(run_result: RunResult) -> None:
    page = render_html(run_result)
    section = page[
        page.index('id="latency-table"') : page.index("</table>", page.index('id="latency-table"'))
    ]
    assert section.count('class="ci-row"') == 2  # one interval row under TTFT and under E2E
    assert "[200, 240]" in section  # TTFT p50's interval, bounded at n=20
    assert "≥ 300" in section and "1,596" not in section  # p99: not bounded above at n=20
    assert "[300, ∞)" in section
    assert 'id="latency-unbounded"' in page
    assert "the same 20 successful requests" in page
    # The card says it too: TTFT p95 is not a number at n=20.
    assert '<div class="value">≥ 300 ms</div>' in page
