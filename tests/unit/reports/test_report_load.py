"""The load section of the HTML report: SVG charts on synthetic latency curves with a clear
cliff, and the page for load-only and mixed runs."""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from golive.load.abandonment import DEFAULT_CURVE
from golive.reports._load_charts import (
    MAX_POINTS,
    Mark,
    Point,
    Series,
    cdf_chart,
    downsample,
    latency_chart,
    make_scale,
    timeseries_chart,
)
from golive.reports._load_view import describe_curve, load_view
from golive.reports.html import render_html
from golive.schemas import (
    Case,
    CaseResult,
    ClientHealth,
    FailureMode,
    LevelResult,
    LoadResult,
    Observation,
    Request,
    RequestRecord,
    RunResult,
    ScoredObservation,
    Verdict,
)

MS = 1_000_000
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>window.__pwned=1</script>"><img src=x onerror=alert(1)>'


def make_level(
    index: int,
    users: int,
    ttft_ms: float,
    *,
    n: int = 300,
    valid: bool = True,
    errors: int = 0,
    rate: bool = False,
    reason: str = "",
) -> LevelResult:
    """``n`` requests over 2 s; TTFT spread ±50% around ``ttft_ms``, 8 chunks 10 ms apart;
    the second half waits in the client queue for ttft/2 (so queue-inclusive > from send)."""
    rng = random.Random(index)
    records = []
    for i in range(n):
        sched = int(i * 2_000 / n * MS)
        send = sched + (int(ttft_ms / 2 * MS) if i >= n // 2 else 0)
        first = send + int(ttft_ms * rng.uniform(0.5, 1.5) * MS)
        chunks = tuple(first + k * 10 * MS for k in range(8))
        failed = i % max(1, n // errors) == 0 if errors else False
        records.append(
            RequestRecord(
                level=index,
                t_sched_ns=sched,
                t_send_ns=send,
                chunk_times_ns=() if failed else chunks,
                t_end_ns=chunks[-1],
                output_tokens=8,
                token_source="usage",
                error=FailureMode.TIMEOUT if failed else None,
                warmup=i < 10,
            )
        )
    return LevelResult(
        index=index,
        concurrency=None if rate else users,
        rate=float(users) if rate else None,
        profile="poisson" if rate else "closed",
        duration_s=2.0,
        records=tuple(records),
        health=ClientHealth(3.0, 5.0, 40.0, valid, reason),
        warmup_s=0.1,
    )


def make_load(*, rate: bool = False, reason: str = "event-loop lag p99 80 ms") -> LoadResult:
    """1…64 users: flat near 80 ms up to 16, a cliff at 32, 64 invalid (client-bound)."""
    curve = [(1, 80.0), (2, 82.0), (4, 85.0), (8, 90.0), (16, 120.0), (32, 900.0), (64, 2500.0)]
    levels = tuple(
        make_level(
            i,
            users,
            ttft,
            rate=rate,
            valid=users < 64,
            reason="" if users < 64 else reason,
            errors=30 if users == 64 else 0,
        )
        for i, (users, ttft) in enumerate(curve)
    )
    return LoadResult(
        levels=levels,
        slo={"ttft_ms.p95": 500.0},
        capacity_at_slo=16.0,
        cliff=32.0,
        cold_start_ms=4200.0,
        token_source="usage",
    )


def run_result(load: LoadResult | None, *, cases: tuple[CaseResult, ...] = ()) -> RunResult:
    start = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    result = RunResult(
        run_id="load-test",
        status="finished",
        started_at=start,
        finished_at=start + timedelta(seconds=30),
        target={"kind": "openai"},
        config={},
        cases=cases,
        metrics={},
        verdict=Verdict(True, ()),
    )
    if load is None:
        return result
    # Works before and after RunResult gains its `load` field.
    if "load" in {f.name for f in dataclasses.fields(RunResult)}:
        return dataclasses.replace(result, load=load)
    object.__setattr__(result, "load", load)
    return result


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_scale_is_log_only_when_values_span_decades() -> None:
    assert not make_scale([80, 120, 900], 0, 100).log
    log = make_scale([80, 2500, 9000], 0, 100)
    assert log.log and log.lo == 10 and log.hi == 10_000
    assert log(10) == 0 and log(10_000) == 100 and 0 < log(100) < log(1000) < 100


def test_downsample_caps_points_and_keeps_the_ends() -> None:
    pts = [Point(float(i), float(i)) for i in range(5_000)]
    out = downsample(pts)
    assert len(out) == MAX_POINTS and out[0] == pts[0] and out[-1] == pts[-1]
    assert downsample(pts[:10]) == tuple(pts[:10])


def test_latency_chart_marks_slo_cliff_capacity_and_invalid_levels() -> None:
    series = [
        Series(
            "p95",
            (
                Point(1, 80),
                Point(16, 120),
                Point(32, 900),
                Point(64, 2500, valid=False, note="c=64 invalid: lag"),
            ),
            "s-p95",
        )
    ]
    svg = latency_chart(
        "t",
        "TTFT vs load",
        series,
        x_label="concurrency",
        log_x=True,
        slo=[Mark(500, "SLO ttft_ms.p95 ≤ 500 ms", "slo")],
        loads=[Mark(32, "cliff 32", "cliff"), Mark(16, "capacity 16", "capacity")],
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "TTFT vs load"  # type: ignore[union-attr]
    lines = {c for e in root.iter(f"{SVG}line") for c in e.get("class", "").split()}
    assert {"slo", "cliff", "capacity", "axis", "grid"} <= lines
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert "cliff 32" in texts and "capacity 16" in texts and "concurrency" in texts
    assert "SLO ttft_ms.p95 ≤ 500 ms" in texts
    # Log x: 1, 16, 64 spread out, and the line skips the invalid level.
    points = root.find(f"{SVG}polyline").get("points").split()  # type: ignore[union-attr]
    assert len(points) == 3
    invalid = [c for c in root.iter(f"{SVG}circle") if "invalid" in c.get("class", "")]
    assert len(invalid) == 1 and invalid[0].find(f"{SVG}title").text == "c=64 invalid: lag"  # type: ignore[union-attr]
    assert "style=" not in svg and "<script" not in svg


def test_chart_text_is_escaped_and_classes_sanitised() -> None:
    series = [Series(HOSTILE, (Point(1, 1, note=HOSTILE), Point(2, 2)), 'x" onload="y')]
    svg = latency_chart(HOSTILE, HOSTILE, series, x_label=HOSTILE)
    root = parse(svg)  # still well-formed XML
    assert "<script" not in svg and "<img" not in svg and 'onload="' not in svg
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]


def test_cdf_and_timeseries_downsample_long_inputs() -> None:
    pts = tuple(Point(float(i), (i + 1) / 10_000) for i in range(10_000))
    svg = cdf_chart("c", "cdf", [Series("c=1", pts, "lv0")], slo=[Mark(500, "SLO", "slo")])
    poly = parse(svg).find(f"{SVG}polyline")
    assert poly is not None and len(poly.get("points", "").split()) == MAX_POINTS
    counts = tuple(Point(i / 10, i % 7) for i in range(1_000))
    ts = timeseries_chart(
        "s",
        "ts",
        [Series("in flight", counts, "s-flight")],
        bars=Series("errors", counts, "s-errors"),
    )
    root = parse(ts)
    assert len(root.find(f"{SVG}polyline").get("points", "").split()) <= MAX_POINTS  # type: ignore[union-attr]
    assert 0 < len(list(root.iter(f"{SVG}rect"))) <= MAX_POINTS
    assert root.find(f"{SVG}polygon") is not None  # the shaded in-flight area


def test_view_reads_levels_marks_and_time_series() -> None:
    view = load_view(run_result(make_load()))
    assert view is not None and not view.open_loop
    assert [r.label for r in view.levels][:2] == ["c=1", "c=2"]
    assert view.capacity == "16" and view.cliff == "32" and view.cold_start_ms == 4200.0
    low, cliff, top = view.levels[0], view.levels[5], view.levels[6]
    assert low.slo_missed == () and cliff.slo_missed and not top.valid
    assert top.errors == {"timeout": 29} and top.reason.startswith("event-loop lag")
    assert low.m("ttft_from_schedule_ms.p95") >= low.m("ttft_ms.p95")  # type: ignore[operator]
    assert 0 <= low.abandoned < top.abandoned <= 1  # type: ignore[operator]
    assert view.abandoned_at_capacity == view.levels[4].abandoned
    assert len(view.latency) == 2 and view.cdf is not None
    # Time series at capacity (16), the cliff (32) and the highest load (64).
    assert len(view.timeseries) == 3
    ts = parse(str(view.timeseries[2].svg))
    assert "c=64 (invalid)" in ts.find(f"{SVG}title").text  # type: ignore[union-attr, operator]
    queued = [r for r in view.timeseries[2].table.rows if int(r[2]) > 0]
    assert queued, "the second half of the requests waited in the client"
    assert len(view.timeseries[0].table.rows) <= MAX_POINTS + 1


def test_open_loop_shows_ttft_from_schedule_and_send() -> None:
    view = load_view(run_result(make_load(rate=True)))
    assert view is not None and view.open_loop and view.levels[0].label == "1 rps"
    names = view.latency[0].table.headers
    assert "p95 from schedule (ms)" in names and "p95 from send (ms)" in names


def test_no_load_means_no_view() -> None:
    assert load_view(run_result(None)) is None
    assert load_view(object()) is None


def test_curve_is_described_in_words() -> None:
    text = describe_curve(DEFAULT_CURVE)
    assert "0% up to 1 s" in text and "53% at 3 s" in text and "+7 points" in text


def test_load_only_report_renders_the_load_section_only() -> None:
    html = render_html(run_result(make_load(reason=HOSTILE)))
    assert 'id="load"' in html and 'href="#load"' in html
    assert 'id="quality"' not in html and 'id="cases"' not in html
    for chart in ("load-ttft", "load-e2e", "load-cdf", "load-ts-6"):
        assert f'id="{chart}"' in html
    assert html.count('<details class="data">') >= 6
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    assert re.search(r"<(?:svg|circle|line|rect|text|polyline)[^>]* style=", html) is None
    assert "Queue-inclusive TTFT" in html and "53% at 3 s" in html
    assert len(html) < 400_000


def test_mixed_report_has_quality_and_load(cases: tuple[CaseResult, ...]) -> None:
    html = render_html(run_result(make_load(), cases=cases))
    assert 'id="quality"' in html and 'id="cases"' in html and 'id="load"' in html
    assert html.index('id="latency"') < html.index('id="load"') < html.index('id="cases"')


def test_report_without_load_is_unchanged(cases: tuple[CaseResult, ...]) -> None:
    html = render_html(run_result(None, cases=cases))
    assert 'id="load"' not in html and 'id="quality"' in html


@pytest.fixture
def cases() -> tuple[CaseResult, ...]:
    case = Case(id="refund", input="How long can I return items?", capability="refunds")
    obs = Observation(
        case_id=case.id,
        sample=0,
        request=Request(messages=case.messages()),
        output="30 days.",
        t_sched_ns=0,
        t_send_ns=0,
        chunk_times_ns=(200 * MS, 400 * MS),
        t_end_ns=400 * MS,
        finish_reason="stop",
    )
    return (CaseResult(case, (ScoredObservation(obs, (), ()),)),)


def test_levels_without_successes_or_records_still_render() -> None:
    failing = make_level(0, 4, 100.0, n=20, errors=20)
    empty = dataclasses.replace(make_level(1, 8, 100.0, n=1), records=())
    load = LoadResult(levels=(failing, empty), slo={"ttft_ms.p95": 500.0})
    view = load_view(run_result(load))
    assert view is not None and view.cdf is None and view.latency == ()
    assert view.levels[0].errors == {"timeout": 10} and view.levels[0].slo_missed
    assert view.capacity is None and view.cliff is None
    html = render_html(run_result(load))
    assert 'id="load-levels"' in html and "none" in html


def _level_row(html: str, label: str) -> str:
    table = html[html.index('id="load-levels"') :]
    start = table.index(f'<td class="mono">{label}</td>')
    return table[start : table.index("</tr>", start)]


def test_level_percentiles_carry_their_interval_and_small_levels_say_so() -> None:
    small = make_level(0, 1, 80.0, n=30)  # 20 measured requests: p95, p99 not bounded above
    load = dataclasses.replace(make_load(), levels=(small, *make_load().levels[1:]))
    html = render_html(run_result(load))
    row = _level_row(html, "c=1")
    assert "≥ " in row and 'title="95% CI [' in row and "∞)" in row
    big = _level_row(html, "c=2")  # 290 requests: p95 bounded, p99 not
    assert re.search(r'title="95% CI \[[\d.,]+, [\d.,]+\] ms">[\d.,]+</td>', big)
    # p95 SLO met by the point estimate, not by the interval: shown as unsettled, not MET.
    assert "UNSETTLED" in row and "MET" not in row
    assert 'class="note unsettled-level"' in html and "95% CI [" in html
    assert "successful requests" in html


def test_chart_points_and_data_tables_say_when_a_percentile_is_unbounded() -> None:
    small = make_level(0, 1, 80.0, n=30)  # 20 measured requests
    load = dataclasses.replace(make_load(), levels=(small, *make_load().levels[1:]))
    view = load_view(run_result(load))
    assert view is not None
    ttft = view.latency[0]
    p99_at_c1 = ttft.table.rows[0][ttft.table.headers.index("p99 (ms)")]
    assert p99_at_c1.startswith("≥ ")
    p99_at_c2 = ttft.table.rows[1][ttft.table.headers.index("p99 (ms)")]
    assert p99_at_c2.startswith("≥ ")  # 290 requests still bound no p99 (needs 368)
    p95_at_c2 = ttft.table.rows[1][ttft.table.headers.index("p95 (ms)")]
    assert not p95_at_c2.startswith("≥")  # but they bound p95
    svg = str(ttft.svg)
    assert 'class="pt s-p99 unbounded"' in svg and "too few requests to bound it" in svg
