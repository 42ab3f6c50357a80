"""Read runs back: list them, find one by id, prefix or "latest", load its observations.

A run's stored status stays ``running`` when its process was killed; ``effective_status``
shows it as ``interrupted`` when the recording process is gone (same host: its pid no longer
runs) or its heartbeat is older than ``STALE_AFTER_S`` (any host). Nothing is written on read.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from golive.errors import ConfigError, NoSuchRunError
from golive.schemas import Observation, ScoredObservation
from golive.store.codec import OBSERVATION, SCORED
from golive.store.engine import Store, open_store
from golive.store.models import CaseResultRecord, ObservationRecord, RunRecord
from golive.store.recorder import HEARTBEAT_S

__all__ = [
    "STALE_AFTER_S",
    "ObservationRow",
    "Outcome",
    "RunRow",
    "effective_status",
    "find_run",
    "get_run",
    "iter_outcomes",
    "list_runs",
    "load_observations",
    "run_branches",
]

STALE_AFTER_S = 4 * HEARTBEAT_S
_STREAM_BATCH = 2000  # rows fetched at a time by the streaming queries


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run as ``golive runs`` shows it. ``status`` is the effective status."""

    id: str
    kind: str
    status: str
    recorded_status: str
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime
    verdict: str | None
    target: dict[str, Any]
    config: dict[str, Any]
    summary: dict[str, Any] | None
    git_commit: str | None
    git_branch: str | None
    config_hash: str | None
    suite_hash: str | None
    total_requests: int | None
    observations: int
    cases: int
    cases_passed: int
    pid: int | None
    hostname: str | None

    @property
    def pass_rate(self) -> float | None:
        """The summary's quality pass rate; else the share of finished cases that passed."""
        quality = (self.summary or {}).get("quality")
        rate = quality.get("pass_rate") if isinstance(quality, dict) else None
        if isinstance(rate, dict):
            rate = rate.get("value")
        if isinstance(rate, int | float) and not isinstance(rate, bool):
            return float(rate)
        return self.cases_passed / self.cases if self.cases else None

    @property
    def target_label(self) -> str:
        """A short name for the target: its kind and URL or model, as fingerprinted."""
        kind = str(self.target.get("kind", ""))
        keys = ("url", "model", "name")
        where = next((str(self.target[k]) for k in keys if self.target.get(k)), "")
        return " ".join(p for p in (kind, where) if p) or "?"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "finished_at", "heartbeat_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["pass_rate"] = self.pass_rate
        data["target_label"] = self.target_label
        return data


@dataclass(frozen=True, slots=True)
class ObservationRow:
    """One stored observation; ``chunk_times_us`` are arrival offsets after t_send."""

    id: int
    run_id: str
    case_id: str
    sample: int
    capability: str | None
    messages: list[dict[str, str]]
    output: str
    status: str
    error_mode: str | None
    error_message: str | None
    error_status: int | None
    t_sched_ns: int
    t_send_ns: int
    t_end_ns: int | None
    ttft_ms: float | None
    e2e_ms: float | None
    chunk_times_us: list[int]
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    passed: bool
    findings: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    created_at: datetime
    # Replayed from the response cache: its times are the original call's, not this run's.
    cached: bool = False

    def columns(self) -> dict[str, Any]:
        """The row under its ``observations`` column names (what the codec reads)."""
        return {_COLUMN_OF.get(f.name, f.name): getattr(self, f.name) for f in fields(self)}

    def to_observation(self) -> Observation:
        """The Observation again (chunk times to the microsecond): ``codec.OBSERVATION``."""
        return OBSERVATION.read(self.columns())

    def to_scored(self) -> ScoredObservation:
        """The scored observation again (scores and findings too): ``codec.SCORED``."""
        return SCORED.read(self.columns())


# ObservationRow's attributes whose column has another name.
_COLUMN_OF = {
    "messages": "input_json",
    "chunk_times_us": "chunk_times_json",
    "findings": "findings_json",
    "scores": "scores_json",
}


def effective_status(
    status: str,
    pid: int | None,
    hostname: str | None,
    heartbeat_at: datetime,
    now: datetime | None = None,
) -> str:
    """``status``, except that a ``running`` run whose recorder is gone is ``interrupted``."""
    if status != "running":
        return status
    now = now or datetime.now(UTC)
    if now - heartbeat_at > timedelta(seconds=STALE_AFTER_S):
        return "interrupted"
    if pid is not None and hostname == socket.gethostname() and not _process_alive(pid):
        return "interrupted"
    return "running"


def list_runs(store: Store | str | None = None, limit: int = 20) -> list[RunRow]:
    """The ``limit`` most recent runs, newest first."""
    with _using(store) as opened:
        stmt = select(RunRecord).order_by(RunRecord.started_at.desc(), RunRecord.id).limit(limit)
        return _rows(opened, stmt)


def get_run(store: Store | str | None, ref: str = "latest") -> RunRow:
    """The run whose id is ``ref`` or starts with it; ``"latest"`` is the newest.

    Raises:
        ConfigError: no run matches, or a prefix matches several.
    """
    with _using(store) as opened:
        if ref == "latest":
            stmt = select(RunRecord).order_by(RunRecord.started_at.desc()).limit(1)
            found = _rows(opened, stmt)
            if not found:
                raise NoSuchRunError(f"the store {opened.url} holds no runs yet; run `golive run`")
            return found[0]
        exact = _rows(opened, select(RunRecord).where(RunRecord.id == ref))
        if exact:
            return exact[0]
        escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = (
            select(RunRecord)
            .where(RunRecord.id.like(f"{escaped}%", escape="\\"))
            .order_by(RunRecord.started_at.desc())
            .limit(6)
        )
        found = _rows(opened, stmt)
        if len(found) == 1:
            return found[0]
        if not found:
            raise NoSuchRunError(
                f"no run {ref!r} in the store {opened.url}; list the runs with `golive runs`"
            )
        ids = ", ".join(r.id for r in found[:5])
        raise ConfigError(f"{ref!r} matches several runs ({ids}); give more of the id")


def find_run(
    store: Store | str | None,
    ref: str,
    *,
    kind: str = "eval",
    before: datetime | None = None,
) -> RunRow:
    """The run ``ref`` names, for comparing: ``latest`` (the newest finished ``kind`` run),
    ``branch:NAME`` (the newest finished ``kind`` run recorded on git branch NAME), or a run
    id or unique prefix of one (any status). ``before`` leaves out runs started after it.

    Raises:
        ConfigError: nothing matches (with what to try instead).
    """
    with _using(store) as opened:
        if ref != "latest" and not ref.startswith("branch:"):
            return get_run(opened, ref)
        branch = ref.removeprefix("branch:").strip() if ref != "latest" else None
        if branch == "":
            raise ConfigError("write branch:NAME, e.g. branch:main")
        stmt = select(RunRecord).where(RunRecord.kind == kind, RunRecord.status == "finished")
        if branch is not None:
            stmt = stmt.where(RunRecord.git_branch == branch)
        if before is not None:
            stmt = stmt.where(RunRecord.started_at < before)
        found = _rows(opened, stmt.order_by(RunRecord.started_at.desc()).limit(1))
        if found:
            return found[0]
        where = f" on branch {branch!r}" if branch is not None else ""
        known = sorted(b for b in run_branches(opened, kind) if b is not None and b != branch)
        others = f" (runs exist on: {', '.join(known[:8])})" if known else ""
        raise NoSuchRunError(
            f"the store {opened.url} holds no finished {kind} run{where}{others}; "
            "list the runs with `golive runs`"
        )


def run_branches(store: Store, kind: str = "eval") -> list[str | None]:
    """The git branches that finished ``kind`` runs were recorded on."""
    with store.engine.connect() as connection:
        stmt = (
            select(RunRecord.git_branch)
            .where(RunRecord.kind == kind, RunRecord.status == "finished")
            .distinct()
        )
        return [row[0] for row in connection.execute(stmt)]


def load_observations(store: Store | str | None, run_id: str) -> list[ObservationRow]:
    """Every observation of ``run_id`` in the order they were recorded."""
    with _using(store) as opened, opened.engine.connect() as connection:
        records = (
            connection.execute(
                select(ObservationRecord.__table__)
                .where(ObservationRecord.run_id == run_id)
                .order_by(ObservationRecord.id)
            )
            .mappings()
            .all()
        )
    return [
        ObservationRow(
            id=r["id"],
            run_id=r["run_id"],
            case_id=r["case_id"],
            sample=r["sample"],
            capability=r["capability"],
            messages=r["input_json"] or [],
            output=r["output"],
            status=r["status"],
            error_mode=r["error_mode"],
            error_message=r["error_message"],
            error_status=r["error_status"],
            t_sched_ns=r["t_sched_ns"],
            t_send_ns=r["t_send_ns"],
            t_end_ns=r["t_end_ns"],
            ttft_ms=r["ttft_ms"],
            e2e_ms=r["e2e_ms"],
            chunk_times_us=r["chunk_times_json"] or [],
            finish_reason=r["finish_reason"],
            prompt_tokens=r["prompt_tokens"],
            completion_tokens=r["completion_tokens"],
            passed=bool(r["passed"]),
            findings=r["findings_json"] or [],
            scores=r["scores_json"] or [],
            created_at=r["created_at"],
            cached=bool(r["cached"]),
        )
        for r in records
    ]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a comparison needs of one observation, and nothing else (no texts)."""

    id: int
    case_id: str
    capability: str | None
    passed: bool
    error_mode: str | None
    cached: bool
    streamed: bool  # it has content chunks (``chunk_times_us`` is not empty)
    ttft_ms: float | None
    e2e_ms: float | None


def iter_outcomes(store: Store, run_id: str) -> Iterator[Outcome]:
    """The outcomes of ``run_id``'s observations ordered by case id, then recording order,
    fetched ``_STREAM_BATCH`` rows at a time (a server-side cursor on PostgreSQL): memory
    stays flat whatever the run's size."""
    obs = ObservationRecord.__table__.c
    pg = store.engine.dialect.name == "postgresql"
    length = func.jsonb_array_length if pg else func.json_array_length
    streamed = func.coalesce(length(obs.chunk_times_json), 0) > 0
    stmt = (
        select(
            obs.id,
            obs.case_id,
            obs.capability,
            obs.passed,
            obs.error_mode,
            obs.cached,
            streamed.label("streamed"),
            obs.ttft_ms,
            obs.e2e_ms,
        )
        .where(obs.run_id == run_id)
        .order_by(obs.case_id, obs.id)
    )
    with store.engine.connect() as connection:
        result = connection.execution_options(yield_per=_STREAM_BATCH).execute(stmt)
        for r in result:
            yield Outcome(
                id=r.id,
                case_id=r.case_id,
                capability=r.capability,
                passed=bool(r.passed),
                error_mode=r.error_mode,
                cached=bool(r.cached),
                streamed=bool(r.streamed),
                ttft_ms=r.ttft_ms,
                e2e_ms=r.e2e_ms,
            )


@contextmanager
def _using(store: Store | str | None) -> Iterator[Store]:
    if isinstance(store, Store):
        yield store
        return
    opened = open_store(store)
    try:
        yield opened
    finally:
        opened.dispose()


def _rows(store: Store, stmt: Any) -> list[RunRow]:
    with Session(store.engine) as connection:
        records = connection.scalars(stmt).all()
        ids = [r.id for r in records]
        if not ids:
            return []
        cases = {
            run_id: (n, passed or 0)
            for run_id, n, passed in connection.execute(
                select(
                    CaseResultRecord.run_id,
                    func.count(),
                    func.sum(case((CaseResultRecord.passed, 1), else_=0).cast(Integer)),
                )
                .where(CaseResultRecord.run_id.in_(ids))
                .group_by(CaseResultRecord.run_id)
            ).all()
        }
        observations: dict[str, int] = {
            run_id: n
            for run_id, n in connection.execute(
                select(ObservationRecord.run_id, func.count())
                .where(ObservationRecord.run_id.in_(ids))
                .group_by(ObservationRecord.run_id)
            ).all()
        }
    now = datetime.now(UTC)
    return [
        RunRow(
            id=r.id,
            kind=r.kind,
            status=effective_status(r.status, r.pid, r.hostname, r.heartbeat_at, now),
            recorded_status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            heartbeat_at=r.heartbeat_at,
            verdict=r.verdict,
            target=r.target_json if isinstance(r.target_json, dict) else {},
            config=r.config_json if isinstance(r.config_json, dict) else {},
            summary=r.summary_json if isinstance(r.summary_json, dict) else None,
            git_commit=r.git_commit,
            git_branch=r.git_branch,
            config_hash=r.config_hash,
            suite_hash=r.suite_hash,
            total_requests=r.total_requests,
            observations=int(observations.get(r.id, 0)),
            cases=int(cases.get(r.id, (0, 0))[0]),
            cases_passed=int(cases.get(r.id, (0, 0))[1]),
            pid=r.pid,
            hostname=r.hostname,
        )
        for r in records
    ]


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: gone all the same
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")
