"""The ``golive load`` command's glue: build the target, run the load test with progress, print
the tables, judge the gates, write summary.json (and ``--json``) and the store's raw records."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from golive import _interrupt
from golive._loop import run_main
from golive._redact import redact
from golive.errors import ConfigError
from golive.events import EventBus
from golive.gates import evaluate_gates, partial
from golive.load.quality import QualityScoring, prompt_cases
from golive.load.session import LoadOutcome, load_metrics, load_prompts, run_load, slo_gates
from golive.load.spec import LoadSpec
from golive.registry import ComponentArgs, registry
from golive.reports.load_terminal import LevelProgress, render_load
from golive.schemas import RunResult, Verdict

if TYPE_CHECKING:
    from golive.store.load_records import LoadRecordWriter

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
    # An interrupted load test never claims go: its dropped level was never judged.
    verdict: Verdict = partial(
        evaluate_gates([*slo_gates(outcome.load, spec), *gates], metrics), outcome.status
    )
    return RunResult(
        run_id=run_id,
        status=outcome.status,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        target=target,
        # Redacted here, once: summary.json, the reports and the store all read this copy.
        config={"load": redact(spec.model_dump(mode="json"))},
        cases=(),
        metrics=metrics,
        verdict=verdict,
        load=outcome.load,
    )


def _write_json(summary: dict[str, Any], path: Path) -> Path:
    from golive.reports.base import write_atomic

    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)
    return write_atomic(path, text + "\n")


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
    """Run it all; returns the exit code (0 go, 1 no-go, 2 interrupted, 6 inconclusive)."""
    from golive.gates import parse_gate
    from golive.runner import new_run_id
    from golive.targets._http import safe_url

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
    fingerprint = {
        "kind": kind,
        # As the openai target fingerprints itself: no user:password, no query (credentials).
        **({"url": safe_url(url)} if url else {}),
        **({"model": model} if model else {}),
    }

    with contextlib.ExitStack() as stack:
        # The store is opened before any traffic (a bad URL is exit 4 at once) and each level's
        # records are stored as the level ends: a killed golive keeps every finished level.
        writer = _open_writer(
            stack,
            store,
            run_id,
            record=record,
            run_values={
                "started_at": started,
                "heartbeat_at": started,
                "config_json": {"load": redact(spec.model_dump(mode="json"))},
                "target_json": fingerprint,
            },
        )
        bus = EventBus()
        if writer is not None:  # stored before the display says the level is done
            from golive.store.load_records import storing_levels

            bus.subscribe(storing_levels(writer, console))
        bus.subscribe(progress)

        async def go() -> LoadOutcome:
            try:
                return await run_load(spec, args, prompts=prompts, bus=bus, quality=quality)
            finally:
                progress.stop()

        # Ctrl-C, SIGTERM: the level in flight is dropped, the finished ones stored and reported.
        with _interrupt.handling():
            outcome = run_main(go())
            result = load_run_result(
                outcome, spec, gates, run_id=run_id, started_at=started, target=fingerprint
            )
            render_load(console, outcome.load, status=outcome.status)
            for g in result.verdict.gates:
                marks = {
                    "pass": "[green]pass[/]",
                    "inconclusive": f"[yellow]INCONCLUSIVE[/] {g.reason}",
                }
                mark = marks.get(g.status, f"[red]FAIL[/] {g.reason}")
                console.print(f"gate {g.name}: {mark}", markup=True, highlight=False)
            result, paths = _commit(result, outcome, out=out, json_path=json_path, writer=writer)
    verdict = result.verdict.label
    color = {"go": "green", "inconclusive": "yellow"}.get(verdict, "red")
    console.print(f"[bold {color}]verdict: {verdict.upper()}[/]")
    for path in paths:
        console.print(f"wrote {path}", highlight=False)
    if result.status == "interrupted":
        if outcome.status != "interrupted":  # else render_load said so
            console.print("[yellow]interrupted: the finished levels are stored and reported[/]")
        return 2
    return {"go": 0, "inconclusive": 6}.get(verdict, 1)  # as golive run: 6 inconclusive


def _open_writer(
    stack: contextlib.ExitStack,
    store: str | None,
    run_id: str,
    *,
    record: bool,
    run_values: dict[str, Any],
) -> LoadRecordWriter | None:
    """The store's writer for this load test (None: ``--no-record``)."""
    from golive.store import open_store
    from golive.store.load_records import LoadRecordWriter

    if not record:
        return None
    opened = stack.enter_context(open_store(store))
    return LoadRecordWriter(opened, run_id, run_values={"status": "running", **run_values})


def _commit(
    result: RunResult,
    outcome: LoadOutcome,
    *,
    out: Path,
    json_path: Path | None,
    writer: LoadRecordWriter | None,
) -> tuple[RunResult, list[Path]]:
    """Write summary.json (and ``--json``), then the rest of the store's records and the run's
    final values. An interrupt meanwhile marks the run ``interrupted``, and what was already
    written is written again as such."""
    from golive.reports.summary import build_summary
    from golive.store.recorder import mark_interrupted

    paths: list[Path] = []
    recorded = False
    with _interrupt.losing(f"the reports not yet written to {out}"):
        while True:
            result, interrupted = _interrupt.settle(result)
            result = replace(result, verdict=partial(result.verdict, result.status))
            summary = build_summary(result)
            summary["load"]["notes"] = list(outcome.notes)
            paths = []
            for path in (out / "summary.json", json_path):
                if path is not None:
                    paths.append(_write_json(summary, path))
                    _interrupt.pause_at("reports")  # test seam: the first report is written
            if writer is not None:
                _interrupt.pause_at("store")  # test seam: the run is about to be stored
                if not recorded:
                    writer.finish(
                        result.load or replace(outcome.load),
                        run_values={
                            "status": result.status,
                            "finished_at": result.finished_at,
                            "heartbeat_at": result.finished_at,
                            "verdict": result.verdict.label,
                            "summary_json": summary,
                        },
                    )
                    recorded = True
                elif interrupted:
                    mark_interrupted(writer.store, result.run_id, summary)
            if _interrupt.requested() == interrupted:
                return result, paths
