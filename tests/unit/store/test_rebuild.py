"""A run rebuilt from the store gives the same summary as the run itself, so the dashboard's
run page shows what the HTML report showed. The run is a real pipeline run (python target,
diversity with an invariant mutator and an attack) recorded by the real recorder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from golive.config import plan_from_dict
from golive.errors import ConfigError
from golive.pipeline import execute_async
from golive.reports.html import render_html
from golive.reports.summary import build_summary
from golive.schemas import RunResult
from golive.store import get_run
from golive.store.rebuild import rebuild_result

HOSTILE = "<script>window.__pwned = 1</script>"


def _suite(folder: Path) -> Path:
    lines = [
        {"id": "refund", "input": "How long do refunds take?", "reference": "x",
         "assertions": [{"kind": "contains", "value": "REFUNDS"}], "capability": "billing"},
        {"id": "login", "input": "I cannot log in", "capability": "account",
         "assertions": [{"kind": "contains", "value": "nothing"}]},
        {"id": "chat", "capability": "account",
         "input": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                   {"role": "user", "content": f"say {HOSTILE}"}]},
    ]  # fmt: skip
    path = folder / "cases.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


async def _run(tmp_path: Path, store_url: str) -> RunResult:
    plan = plan_from_dict(
        {
            "target": {"kind": "python", "callable": "servers.callables:shout"},
            "suite": str(_suite(tmp_path)),
            "samples": 2,
            "request": {"system_prompt": "You are terse."},
            "diversity": {"mutators": ["typos", "instruction_override"]},
            "reporters": [],
            "store": store_url,
            "out": str(tmp_path / "out"),
        }
    )
    outcome = await execute_async(plan, console=Console(file=None, quiet=True))
    return outcome.result


async def test_rebuilt_run_has_the_same_summary_and_report(tmp_path: Path, store_url: str) -> None:
    original = await _run(tmp_path, store_url)
    rebuilt = rebuild_result(store_url, original.run_id)

    assert len(rebuilt.cases) == len(original.cases) > 3
    expected, got = build_summary(original), build_summary(rebuilt)
    assert got == expected
    assert "robustness" in got and "adversarial" in got
    # Cases come back with their input (the configured system prompt is the runner's) and
    # their variant lineage.
    by_id = {c.case.id: c for c in rebuilt.cases}
    assert by_id["refund"].case.input == "How long do refunds take?"
    chat = by_id["chat"].case.input
    assert isinstance(chat, list) and [m.role for m in chat] == ["user", "assistant", "user"]
    variant = by_id["refund~instruction_override~0"].case.metadata["variant"]
    assert variant["of"] == "refund" and variant["expectation"] == "must_resist"
    assert by_id["refund"].passed == {c.case.id: c for c in original.cases}["refund"].passed
    # Every case comes back exactly as it ran (store migration 0004): references, tags,
    # assertions, and each variant's mutation parameters and seed.
    assert [c.case for c in rebuilt.cases] == [c.case for c in original.cases]
    typo = by_id["refund~typos~0"].case
    assert typo.reference == "x" and "mutator:typos" in typo.tags
    assert typo.metadata["variant"]["params"] and typo.metadata["variant"]["seed"] != 0

    html = render_html(rebuilt)
    assert HOSTILE not in html and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert f">{original.verdict.label.upper()}<" in html


def test_unknown_run_says_how_to_list_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'golive.db'}"
    with pytest.raises(ConfigError, match="golive runs"):
        rebuild_result(url, "nope")
    with pytest.raises(ConfigError, match="holds no runs"):
        get_run(url, "latest")
