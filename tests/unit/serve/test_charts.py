"""The metric chart and the metric extraction from stored summaries, without a server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from golive.serve.charts import is_rate, metric_chart
from golive.serve.views import MetricPoint, run_metrics

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _point(i: int, value: float, ci: tuple[float, float] | None, run_id: str = "") -> MetricPoint:
    return MetricPoint(run_id or f"run-{i}", T0 + timedelta(hours=i), "main", None, value, ci, 10)


def test_rates_are_drawn_on_0_to_100_percent_with_a_band_and_escaped_tooltips() -> None:
    hostile = '</title><script>alert(1)</script><g onload="x">'
    points = [_point(0, 0.9, (0.8, 0.95)), _point(1, 0.5, (0.3, 0.7), run_id=hostile)]
    svg = metric_chart('id"><script>', "quality.pass_rate", points)
    assert "<script>" not in svg and 'onload="x"' not in svg
    assert "&lt;/title&gt;&lt;script&gt;" in svg
    assert re.search(r'<svg class="chart metric" id="id-script"', svg)
    assert ">100%<" in svg and ">0%<" in svg
    assert svg.count("<circle") == 2 and svg.count('class="whisker"') == 2
    assert 'class="band"' in svg
    assert "50.0% [30.0%, 70.0%] n=10" in svg


def test_negative_values_widen_the_scale_around_zero() -> None:
    points = [_point(0, -0.2, (-0.3, -0.1)), _point(1, 0.05, (-0.02, 0.1))]
    svg = metric_chart("delta", "robustness.variants.delta", points)
    ys = [float(y) for y in re.findall(r'<circle[^>]* cy="([\d.]+)"', svg)]
    assert len(ys) == 2 and all(14 <= y <= 200 for y in ys)  # inside the plot, not clamped
    assert ys[0] > ys[1]  # lower value drawn lower


def test_is_rate() -> None:
    assert is_rate("quality.pass_rate") and is_rate("adversarial.attack_success_rate")
    assert not is_rate("latency.ttft_ms.p95") and not is_rate("load.goodput_rps@c=8")


def test_run_metrics_reads_metrics_sections_and_load_levels() -> None:
    summary = {
        "metrics": {"quality.pass_rate": {"value": 0.75, "ci": [0.6, 0.86], "n": 40}},
        "failures": {"silent_rate": {"value": 0.1, "ci": [0.04, 0.2], "n": 40}},
        "latency": {"ttft_ms": {"p95": 120.0, "p50": None}},
        "load": {
            "levels": [
                {"key": "c=1", "ttft_ms": {"p95": 50.0}, "goodput_rps": 3.0},
                {"key": "c=8", "ttft_ms": {"p95": 400.0}, "goodput_rps": 9.5},
            ],
            "capacity_at_slo": 8,
            "cold_start_ms": None,
        },
    }
    found = run_metrics(summary)
    assert found["quality.pass_rate"]["ci"] == [0.6, 0.86]
    assert found["failures.silent_rate"]["value"] == 0.1
    assert found["latency.ttft_ms.p95"] == 120.0 and "latency.ttft_ms.p50" not in found
    assert found["load.ttft_ms.p95@c=1"] == 50.0 and found["load.ttft_ms.p95@c=8"] == 400.0
    assert found["load.ttft_ms.p95"] == 400.0  # the heaviest level
    assert found["load.goodput_rps@c=8"] == 9.5 and found["load.capacity_at_slo"] == 8
    assert "load.cold_start_ms" not in found
    assert run_metrics(None) == {}
