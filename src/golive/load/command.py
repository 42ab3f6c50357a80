"""``golive load`` as a library call: build the target, run the load test with progress, print
the tables, judge the gates, write summary.json (and ``--json``) and the store's raw records."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from golive._loop import run_main
from golive.errors import ConfigError
from golive.gates import evaluate_gates
from golive.load.display import LevelProgress, render_load
from golive.load.quality import QualityScoring, prompt_cases
from golive.load.session import LoadOutcome, load_metrics, load_prompts, run_load, slo_gates
from golive.load.spec import LoadSpec
from golive.registry import ComponentArgs, registry
from golive.schemas import RunResult, Verdict

__all__ = ["load_run_result", "run_load_command", "target_args"]

_DEMO_FAST = {"fast": True}


def target_args(
    kind: str, *, url: str | None, model: str | None, demo_fast: bool = False
) -> ComponentArgs:
    """The target to load: ``demo`` (bundled server) or ``openai`` at ``url``."""
    if kind == "demo":
        return registry.parse(
            "target", {"kind": "demo", "settings": _DEMO_FAST if demo_fast else {}}, field="target"
        )
    if kind != "openai":
        raise ConfigError(
            f"{kind!r} is not supported here; use openai or demo", field="--target-kind"
        )
    if not url or not model:
        raise ConfigError(
            "needs --url and --model (or --demo for the bundled demo server)",
            field="--url" if not url else "--model",
        )
    return registry.parse("target", {"kind": "openai", "url": url, "model": model}, field="target")


def load_run_result(
    outcome: LoadOutcome,
    spec: LoadSpec,
    gates: list[str],
    *,
    run_id: str,
    started_at: datetime,
    target: dict[str, str],
) -> RunResult:
    """A run holding only the load test (no cases): the same summary and reporters as
    ``golive run``."""
    metrics = load_metrics(outcome.load, max_error_rate=spec.max_error_rate)
    verdict: Verdict = evaluate_gates([*slo_gates(outcome.load, spec), *gates], metrics)
    return RunResult(
        run_id=run_id,
        status=outcome.status,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        target=target,
        config={"load": spec.model_dump(mode="json")},
        cases=(),
        metrics=metrics,
        verdict=verdict,
        load=outcome.load,
    )


def _write_json(summary: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def run_load_command(
    spec: LoadSpec,
    *,
    url: str | None,
    model: str | None,
    kind: str = "openai",
    demo_fast: bool = False,
    gates: list[str] | None = None,
    json_path: Path | None = None,
    out: Path = Path("golive-report"),
    store: str | None = None,
    record: bool = True,
    console: Console | None = None,
) -> int:
    """Run it all; returns the exit code (0 go, 1 no-go, 2 interrupted)."""
    from golive.gates import parse_gate
    from golive.reports.summary import build_summary
    from golive.runner import new_run_id

    gates = list(gates or [])
    for expression in gates:
        parse_gate(expression)  # a bad gate is exit 4 before any traffic
    console = console or Console()
    args = target_args(kind, url=url, model=model, demo_fast=demo_fast)
    suite_cases = None
    if kind == "demo" and spec.prompts is None:
        from golive.demo import demo_suite_path
        from golive.suite import load_suite

        suite_cases = load_suite(demo_suite_path()).cases
    prompts = load_prompts(spec, suite_messages=[c.messages() for c in suite_cases or ()])
    cases = prompt_cases(spec, suite_cases)
    quality = QualityScoring(cases) if cases else None
    run_id = new_run_id()
    started = datetime.now(UTC)
    progress = LevelProgress(console)

    async def go() -> LoadOutcome:
        try:
            return await run_load(
                spec, args, prompts=prompts, events=progress.events, quality=quality
            )
        finally:
            progress.stop()

    outcome = run_main(go())
    fingerprint = {
        "kind": kind,
        **({"url": url} if url else {}),
        **({"model": model} if model else {}),
    }
    result = load_run_result(
        outcome, spec, gates, run_id=run_id, started_at=started, target=fingerprint
    )
    render_load(console, outcome.load, status=outcome.status)
    for g in result.verdict.gates:
        mark = "[green]pass[/]" if g.passed else f"[red]FAIL[/] {g.reason}"
        console.print(f"gate {g.name}: {mark}", markup=True, highlight=False)
    summary = build_summary(result)
    summary["load"]["notes"] = list(outcome.notes)
    paths = [_write_json(summary, out / "summary.json")]
    if json_path is not None:
        paths.append(_write_json(summary, json_path))
    if record:
        from golive.store import open_store
        from golive.store.load_records import record_load

        with open_store(store) as opened:
            record_load(
                opened,
                run_id,
                result.load or replace(outcome.load),
                run_values={
                    "status": result.status,
                    "started_at": result.started_at,
                    "finished_at": result.finished_at,
                    "heartbeat_at": result.finished_at,
                    "verdict": result.verdict.label,
                    "config_json": result.config,
                    "target_json": result.target,
                    "summary_json": summary,
                },
            )
    verdict = result.verdict.label
    color = "green" if result.verdict.go else "red"
    console.print(f"[bold {color}]verdict: {verdict.upper()}[/]")
    for path in paths:
        console.print(f"wrote {path}", highlight=False)
    if outcome.status == "interrupted":
        return 2
    return 0 if result.verdict.go else 1
