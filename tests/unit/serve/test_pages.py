"""The dashboard's pages and JSON API through aiohttp's test client: a real app over a real
store (SQLite and PostgreSQL) filled by the real recorder."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine

from golive.reports.html import content_security_policy
from golive.serve import CSP, create_app
from golive.store import Store, open_store
from serve_stored import HOSTILE, IMG, SAMPLES, SCRIPT, record_history


@pytest.fixture
async def client(store_url: str) -> AsyncIterator[TestClient[object, object]]:
    record_history(store_url)
    store = open_store(store_url)
    async with TestClient(TestServer(create_app(store))) as test_client:
        yield test_client
    store.dispose()


async def _page(client: TestClient[object, object], path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return await response.text()


def _texts(html: str, name: str, attr: str = "class") -> list[str]:
    """The text of the elements whose ``attr`` (a class, or an id) holds ``name``."""
    pattern = rf'{attr}="[^"]*{name}[^"]*">([^<]*)<'
    return [unescape(m) for m in re.findall(pattern, html)]


async def test_runs_list_newest_first_with_links_and_strict_csp(client: TestClient) -> None:
    response = await client.get("/")
    assert response.headers["Content-Security-Policy"] == CSP
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    html = await response.text()
    ids = re.findall(r'<a href="/runs/([^"]+)">', html)
    assert ids == ["run-feature", "run-head", "run-base"]
    assert "NO-GO" in html and "GO" in html
    assert "aaaaaaaa" in html and "a" * 9 not in html  # short commits
    # The branch name is hostile-ish: escaped, never markup.
    assert "feature/&lt;x&gt;" in html and "feature/<x>" not in html
    assert "/compare?base=run-base&amp;head=run-head" in html


async def test_runs_list_filters_by_branch(client: TestClient) -> None:
    html = await _page(client, "/?branch=main")
    assert re.findall(r'<a href="/runs/([^"]+)">', html) == ["run-head", "run-base"]


async def test_metrics_page_draws_each_headline_metric_with_its_interval(
    client: TestClient,
) -> None:
    html = await _page(client, "/metrics")
    assert html.count("<svg") >= 2
    assert 'data-metric="quality.pass_rate"' in html
    assert 'data-metric="failures.silent_rate"' in html
    chart = html.split('data-metric="quality.pass_rate"')[1].split("</svg>")[0]
    assert chart.count("<circle") == 3  # one point per run
    assert 'class="band"' in chart and chart.count('class="whisker"') == 3
    # The chosen metric alone, on one branch.
    html = await _page(client, f"/metrics?name=quality.pass_rate&branch={quote('feature/<x>')}")
    assert html.count("<svg") == 1 and html.count("<circle") == 1


async def test_metrics_api_gives_values_and_intervals(client: TestClient) -> None:
    response = await client.get("/api/metrics?name=quality.pass_rate&branch=main")
    data = await response.json()
    points = data["points"]
    assert [p["run_id"] for p in points] == ["run-base", "run-head"]
    assert points[0]["value"] == 1.0 and points[1]["value"] == pytest.approx(0.5)
    assert points[1]["ci"][0] < 0.5 < points[1]["ci"][1]
    names = (await (await client.get("/api/metrics")).json())["metrics"]
    assert names[0] == "quality.pass_rate" and "latency.ttft_ms.p95" in names


async def test_unknown_metric_is_a_404_page(client: TestClient) -> None:
    html = await _page(client, "/metrics?name=nope.rate", status=404)
    assert "no stored run has the metric" in unescape(html)


async def test_run_page_is_the_report_rebuilt_from_the_store(client: TestClient) -> None:
    response = await client.get("/runs/run-head")
    assert response.status == 200
    # The report's own hash-based policy, not the dashboard's.
    assert response.headers["Content-Security-Policy"].startswith(content_security_policy())
    html = await response.text()
    assert '<div class="verdict" id="verdict">' in html or 'id="verdict"' in html
    assert "run-head" in html and "all runs" in html
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    # A prefix works like `golive runs` ids do.
    assert (await client.get("/runs/run-b")).status == 200


async def test_case_history_shows_each_run_and_escapes_outputs(client: TestClient) -> None:
    html = await _page(client, "/cases/case-000")
    assert re.findall(r'<a href="/runs/([^"]+)">', html)[:3] == [
        "run-feature",
        "run-head",
        "run-base",
    ]
    shares = _texts(html, "share")
    assert shares == ["50.0%", "0.0%", "100.0%"]
    assert f"0/{SAMPLES}" in html and f"{SAMPLES}/{SAMPLES}" in html
    assert SCRIPT not in html and IMG not in html
    outputs = _texts(html, "output")
    assert HOSTILE in outputs
    data = await (await client.get("/api/cases/case-000")).json()
    assert [r["passed"] for r in data["runs"]] == [SAMPLES // 2, 0, SAMPLES]
    assert data["runs"][1]["case_passed"] is False
    # What the case asks and expects, as last run.
    assert _texts(html, "case-input", attr="id") == ["What is the refund window for order 0?"]
    assert _texts(html, "case-reference", attr="id") == ["30 days"]
    assert data["case"]["reference"] == "30 days" and data["case"]["tags"] == ["refunds"]


async def test_compare_view_lists_the_planted_regression(client: TestClient) -> None:
    html = await _page(client, "/compare?base=run-base&head=run-head")
    assert 'id="compare-verdict">REGRESSED<' in html
    regressions = html.split('id="regressions"')[1].split("</section>")[0]
    found = re.findall(r'<a href="/cases/([^"]+)">', regressions)
    assert sorted(found) == ["case-000", "case-001", "case-002"]
    assert "-100.0 pp" in regressions
    assert 'id="mde"' in html and "detectable" in html
    data = await (await client.get("/api/compare?base=run-base&head=run-head")).json()
    assert data["regressed"] is True and sorted(data["regressions"]) == found


async def test_compare_without_refs_offers_a_form(client: TestClient) -> None:
    html = await _page(client, "/compare")
    assert '<form class="filters" method="get" action="/compare">' in html
    assert 'value="run-head"' in html  # the latest run is the default head


@pytest.mark.parametrize(
    "path",
    ["/runs/nope", "/compare?base=nope&head=run-head", "/cases/no-such-case", "/elsewhere"],
)
async def test_bad_refs_are_404_pages_saying_what_to_do(client: TestClient, path: str) -> None:
    html = await _page(client, path, status=404)
    assert "Traceback" not in html
    assert 'href="/"' in html  # a way back


async def test_api_errors_are_json(client: TestClient) -> None:
    response = await client.get("/api/runs/nope")
    assert response.status == 404
    assert "no run 'nope'" in (await response.json())["error"]
    response = await client.get("/api/compare")
    assert response.status == 404 and "base=REF" in (await response.json())["error"]


async def test_api_runs_lists_runs_without_their_summaries(client: TestClient) -> None:
    runs = await (await client.get("/api/runs?branch=main")).json()
    assert [r["id"] for r in runs] == ["run-head", "run-base"]
    assert "summary" not in runs[0] and runs[0]["git_branch"] == "main"
    one = await (await client.get("/api/runs/run-head")).json()
    assert one["summary"]["verdict"] == "no-go"


async def test_assets_are_served_locally(client: TestClient) -> None:
    response = await client.get("/static/dashboard.css")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/css")
    assert (await client.get("/static/report.css")).status == 200
    assert (await client.get("/static/../app.py")).status == 404


async def test_a_broken_store_is_a_503_page_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not a database, " * 100)
    broken = Store(create_engine(f"sqlite:///{bad}"))
    async with TestClient(TestServer(create_app(broken))) as test_client:
        response = await test_client.get("/")
        html = await response.text()
        api = await test_client.get("/api/runs")
        error = (await api.json())["error"]
    broken.dispose()
    assert response.status == 503 and api.status == 503
    assert "did not answer" in html and "Traceback" not in html
    assert "bad.db" in error


async def test_a_latency_percentile_small_runs_cannot_bound_shows_as_such(
    client: TestClient,
) -> None:
    html = await _page(client, "/metrics?name=latency.ttft_ms.p99")
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    # A few samples per run bound no p99 from above: '≥ x' and '[x, ∞)', never a number.
    assert table.count("≥ ") == 3 and table.count("∞)") == 3
    response = await client.get("/api/metrics?name=latency.ttft_ms.p99")
    points = (await response.json())["points"]
    assert all(p["ci"][1] is None and p["ci"][0] is not None for p in points)
