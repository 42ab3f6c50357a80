"""The response cache never serves a load test: with every quality reply cached, the `load:`
section and `golive load` still send every request to the real server."""

from __future__ import annotations

import io
import json
from pathlib import Path

from e2e_helpers import golive
from rich.console import Console

from golive.config import Plan, plan_from_dict
from golive.pipeline import execute_async
from golive.reports.summary import build_summary
from servers.counting import counting_server


def plan(tmp_path: Path, url: str) -> Plan:
    suite = tmp_path / "cases.jsonl"
    suite.write_text(json.dumps({"id": "a", "input": "hello"}) + "\n")
    return plan_from_dict(
        {
            "target": {"kind": "openai", "url": url, "model": "counting"},
            "suite": str(suite),
            "samples": 2,
            "scorers": [],
            "gates": ["quality.pass_rate >= 0"],
            "reporters": [],
            "store": f"sqlite:///{tmp_path / 'g.db'}",
            "out": str(tmp_path / "rep"),
            "cache": {"dir": str(tmp_path / "cache")},
            "load": {"concurrency": [1], "duration": 0.3, "warmup": 0, "requests": 5},
        }
    )


async def test_the_load_section_bypasses_a_warm_cache(tmp_path: Path) -> None:
    with counting_server({}, default="Hello there.") as server:
        the_plan = plan(tmp_path, server.url)
        console = Console(file=io.StringIO())
        first = await execute_async(the_plan, console=console)
        after_first = server.requests
        assert first.result.load is not None and after_first > 2
        second = await execute_async(the_plan, console=console)
        quality = [s.observation.cached for c in second.result.cases for s in c.samples]
        assert quality == [True, True]  # the quality run was served from the cache…
        load_requests = server.requests - after_first
        assert load_requests >= 1  # …the load test was not
        levels = build_summary(second.result)["load"]["levels"]
        assert load_requests >= sum(lv["requests"] for lv in levels) >= 1


def test_golive_load_sends_every_request_after_a_cached_run(tmp_path: Path) -> None:
    suite = tmp_path / "cases.jsonl"
    suite.write_text(json.dumps({"id": "a", "input": "hello"}) + "\n")
    with counting_server({}, default="Hello there.") as server:
        common = ("--store", "sqlite:///g.db", "--out", "rep")
        warm = golive(
            "run",
            "--target",
            "openai",
            "--url",
            server.url,
            "--model",
            "counting",
            "--suite",
            "cases.jsonl",
            "--samples",
            "1",
            "--cache",
            "--gate",
            "quality.pass_rate >= 0",
            *common,
            cwd=tmp_path,
            timeout=60,
        )
        assert warm.returncode == 0, warm.stdout + warm.stderr
        before = server.requests
        result = golive(
            "load",
            "--url",
            server.url,
            "--model",
            "counting",
            "--concurrency",
            "1",
            "--duration",
            "0.3",
            "--prompts",
            "cases.jsonl",
            "--json",
            "out.json",
            *common,
            cwd=tmp_path,
            timeout=60,
        )
        assert result.returncode in (0, 1), result.stdout + result.stderr
        summary = json.loads((tmp_path / "out.json").read_text())
        levels = summary["load"]["levels"]
        sent = sum(lv["requests"] + lv.get("warmup_requests", 0) for lv in levels)
        # Every request the load test counted reached the server (plus any cut off at the
        # level's end, which the load test does not count).
        assert server.requests - before >= sent >= 1
        assert "cache" not in summary
