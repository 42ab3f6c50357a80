"""A run with a load test against the demo server, recorded to the store, rebuilt: the rebuilt
report's load section is the original report's, and the dashboard's run page shows it."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from rich.console import Console

from golive.config import plan_from_dict
from golive.pipeline import execute
from golive.reports.html import render_html
from golive.schemas import RunResult
from golive.serve import create_app
from golive.store import get_run, open_store
from golive.store.load_records import record_load
from golive.store.rebuild import rebuild_result

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Recorded:
    url: str
    result: RunResult
    report: str  # the original index.html


def _load_section(page: str) -> str:
    """The report's load section. Its time series are summarised to their charts' titles:
    the store keeps times to the microsecond, and a request within a microsecond of a bucket
    edge may fall into the next bucket once rebuilt."""
    found = re.search(r'<section id="load">.*?</section>', page, re.S)
    assert found is not None, "no load section"
    section = found.group(0)
    over_time = re.search(r"<h3>Over time</h3>.*?(?=<h3>Levels</h3>)", section, re.S)
    if over_time is None:
        return section
    titles = re.findall(r"<title id=\"[^\"]*-t\">([^<]*)</title>", over_time.group(0))
    assert titles, "no time series chart"
    return section.replace(over_time.group(0), f"[time series: {titles}]")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    folder = tmp_path_factory.mktemp("load-run")
    suite = folder / "cases.jsonl"
    cases = [
        {"id": "refund", "input": "How long do refunds take?", "reference": "30 days"},
        {"id": "hours", "input": "When are you open?"},
    ]
    suite.write_text("\n".join(json.dumps(c) for c in cases) + "\n")
    url = f"sqlite:///{folder / 'golive.db'}"
    plan = plan_from_dict(
        {
            "target": {"kind": "demo"},
            "suite": str(suite),
            "samples": 1,
            "load": {
                "concurrency": [1, 2],
                "duration": 0.6,
                "max_tokens": 16,
                "slo": {"ttft_p95": "2s"},
            },
            "reporters": ["html"],
            "store": url,
            "out": str(folder / "out"),
        }
    )
    outcome = execute(plan, console=Console(file=None, quiet=True))
    assert outcome.result.load is not None and len(outcome.result.load.levels) == 2
    return Recorded(url, outcome.result, (folder / "out" / "index.html").read_text())


def test_the_rebuilt_report_draws_the_same_load_section(recorded: Recorded) -> None:
    rebuilt = rebuild_result(recorded.url, recorded.result.run_id)
    original = recorded.result.load
    assert rebuilt.load is not None and original is not None
    section = _load_section(recorded.report)
    assert _load_section(render_html(rebuilt)) == section
    # The same figures, not only the same page: one row per level, every request's TTFT
    # (from send and from schedule) to the nanosecond, capacity, cliff and abandonment.
    assert section.count('<tr class="') == 2
    assert (rebuilt.load.capacity_at_slo, rebuilt.load.cliff) == (
        original.capacity_at_slo,
        original.cliff,
    )
    assert rebuilt.load.abandonment == original.abandonment
    assert rebuilt.load.token_source == original.token_source
    for old, new in zip(original.levels, rebuilt.load.levels, strict=True):
        assert new.concurrency == old.concurrency and new.health.valid == old.health.valid
        assert [r.ttft_ns for r in new.records] == [r.ttft_ns for r in old.records]
        assert [r.ttft_from_schedule_ns for r in new.records] == [
            r.ttft_from_schedule_ns for r in old.records
        ]
        for name in ("ttft_ms.p95", "itl_ms.p99", "tpot_ms.p50", "rps", "goodput_rps"):
            assert new.metrics[name].value == pytest.approx(old.metrics[name].value, abs=1e-9)
        assert new.quality == old.quality


def test_the_load_rebuilds_from_every_backend(recorded: Recorded, store_url: str) -> None:
    load = recorded.result.load
    assert load is not None
    stored = get_run(recorded.url, recorded.result.run_id)
    # The same requests and summary as the pipeline stored them, as a `golive load` run.
    with open_store(store_url) as store:
        record_load(
            store,
            "load-copy",
            load,
            run_values={"verdict": stored.verdict, "summary_json": stored.summary},
        )
    rebuilt = rebuild_result(store_url, "load-copy")
    assert rebuilt.cases == ()
    assert _load_section(render_html(rebuilt)) == _load_section(recorded.report)


@pytest.fixture
async def client(recorded: Recorded) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    store = open_store(recorded.url)
    async with TestClient(TestServer(create_app(store))) as test_client:
        yield test_client
    store.dispose()


async def test_the_dashboard_run_page_shows_the_load_section(
    client: TestClient[web.Request, web.Application], recorded: Recorded
) -> None:
    response = await client.get(f"/runs/{recorded.result.run_id}")
    assert response.status == 200
    page = await response.text()
    assert _load_section(page) == _load_section(recorded.report)
    assert "rebuilt from the store." in page  # every case was stored: nothing approximated
