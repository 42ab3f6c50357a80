"""Build stored-run rows in memory for the comparison tests (no database needed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from golive.store.queries import ObservationRow, RunRow

_T0 = datetime(2025, 1, 1, tzinfo=UTC)


def run_row(run_id: str, *, minutes: int = 0, **fields: object) -> RunRow:
    started = _T0 + timedelta(minutes=minutes)
    values: dict[str, object] = {
        "id": run_id,
        "kind": "eval",
        "status": "finished",
        "recorded_status": "finished",
        "started_at": started,
        "finished_at": started + timedelta(seconds=30),
        "heartbeat_at": started + timedelta(seconds=30),
        "verdict": "go",
        "target": {"kind": "demo"},
        "config": {},
        "summary": None,
        "git_commit": None,
        "git_branch": None,
        "config_hash": "c",
        "suite_hash": "s",
        "total_requests": None,
        "observations": 0,
        "cases": 0,
        "cases_passed": 0,
        "pid": None,
        "hostname": None,
    }
    values.update(fields)
    return RunRow(**values)  # type: ignore[arg-type]


def observations(
    run_id: str,
    outcomes: Iterable[tuple[str, Sequence[bool]]],
    *,
    ttft_ms: Sequence[float] | None = None,
) -> list[ObservationRow]:
    """One row per sample; ``ttft_ms`` (and e2e = 2 x ttft) cycles over the samples."""
    rows: list[ObservationRow] = []
    for case_id, passes in outcomes:
        for sample, passed in enumerate(passes):
            ttft = ttft_ms[len(rows) % len(ttft_ms)] if ttft_ms else None
            rows.append(
                ObservationRow(
                    id=len(rows),
                    run_id=run_id,
                    case_id=case_id,
                    sample=sample,
                    capability=None,
                    messages=[],
                    output="",
                    status="ok",
                    error_mode=None,
                    error_message=None,
                    error_status=None,
                    t_sched_ns=0,
                    t_send_ns=0,
                    t_end_ns=None,
                    ttft_ms=ttft,
                    e2e_ms=None if ttft is None else 2 * ttft,
                    # A reply with a TTFT had content: its first chunk came then.
                    chunk_times_us=[] if ttft is None else [round(ttft * 1000)],
                    finish_reason="stop",
                    prompt_tokens=None,
                    completion_tokens=None,
                    passed=passed,
                    findings=[],
                    scores=[],
                    created_at=_T0,
                )
            )
    return rows
