"""An inconclusive verdict through the store: the column holds it (PostgreSQL enforces its
width), a rebuild keeps each gate's status and samples needed, and `golive runs`, `golive
compare` and the dashboard show it."""

from __future__ import annotations

import json
from dataclasses import replace

from aiohttp.test_utils import TestClient, TestServer
from typer.testing import CliRunner

from golive.cli import app
from golive.events import RunFinished
from golive.gates import evaluate_gates
from golive.metrics import rate
from golive.reports import build_summary
from golive.serve import create_app
from golive.store import StoreRecorder, get_run, open_store
from golive.store.rebuild import rebuild_run
from store_fixtures import record_run

GATES = ["quality.pass_rate >= 0.5", "failures.silent_rate.ci_high <= 0.1"]


def _record_inconclusive(store_url: str, run_id: str) -> None:
    metrics = {
        "quality.pass_rate": rate("quality.pass_rate", 12, 12),
        "failures.silent_rate": rate("failures.silent_rate", 0, 12),
    }
    verdict = evaluate_gates(GATES, metrics)
    assert verdict.label == "inconclusive"
    with StoreRecorder(store_url, git=False) as recorder:
        done = record_run(recorder, run_id, n_cases=2)
        result = replace(done.result, metrics={**done.result.metrics, **metrics}, verdict=verdict)
        recorder(RunFinished(result))
        recorder.set_summary(build_summary(result))


def test_the_store_keeps_an_inconclusive_verdict_and_its_gates(store_url: str) -> None:
    _record_inconclusive(store_url, "run-open")
    assert get_run(store_url, "run-open").verdict == "inconclusive"
    rebuilt = rebuild_run(store_url, "run-open").result
    assert rebuilt.verdict.label == "inconclusive"
    assert [(g.status, g.samples_needed) for g in rebuilt.verdict.gates] == [
        ("pass", None),
        ("inconclusive", 35),
    ]


def test_runs_and_compare_show_it(store_url: str) -> None:
    with StoreRecorder(store_url, git=False) as recorder:
        record_run(recorder, "run-go", n_cases=2)
    _record_inconclusive(store_url, "run-open")
    runner = CliRunner()
    listed = runner.invoke(app, ["runs", "--store", store_url], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "inconclusive" in listed.output
    rows = json.loads(runner.invoke(app, ["runs", "--store", store_url, "--json"]).output)
    assert {r["id"]: r["verdict"] for r in rows} == {"run-go": "go", "run-open": "inconclusive"}
    compared = runner.invoke(app, ["compare", "run-go", "run-open", "--store", store_url])
    assert compared.exit_code == 0, compared.output


async def test_the_dashboard_shows_it_as_its_own_badge(store_url: str) -> None:
    _record_inconclusive(store_url, "run-open")
    store = open_store(store_url)
    try:
        async with TestClient(TestServer(create_app(store))) as client:
            html = await (await client.get("/")).text()
    finally:
        store.dispose()
    assert '<span class="badge inconclusive">INCONCLUSIVE</span>' in html
