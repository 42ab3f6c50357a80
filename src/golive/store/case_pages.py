"""A run's cases a page at a time, filtered and counted by the database, so a dashboard page
or API answer over a 30,000-case run reads a few hundred rows, never the whole run.

A case's outcome is its stored case result (all samples and the cross-sample checks); a case
an interrupted run left unfinished has observations only and passes when every sample did.
Its failure modes are those of its samples' findings and errors and of its case findings
(read from the JSON columns with the database's own JSON functions).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union,
)
from sqlalchemy.sql.selectable import Subquery

from golive.schemas import VISIBLE_MODES
from golive.store.engine import Store
from golive.store.models import CaseResultRecord, ObservationRecord

__all__ = [
    "EXCERPT_CHARS",
    "PAGE_MAX",
    "PAGE_SIZE",
    "VISIBLE",
    "CasePage",
    "CaseSummary",
    "RunCounts",
    "case_page",
    "run_counts",
]

PAGE_SIZE = 200  # cases on one dashboard page
PAGE_MAX = 1000  # the most one request may ask for (``?limit=``)
EXCERPT_CHARS = 300  # of a failing sample's output or error, per case
VISIBLE = frozenset(m.value for m in VISIBLE_MODES)  # the visible failure modes' names


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One case of a run: its samples' outcomes, its modes, its first failure (an excerpt)."""

    case_id: str
    capability: str | None
    samples: int
    passed_samples: int
    passed: bool
    finished: bool  # it has a case result (an interrupted run leaves some without)
    modes: tuple[str, ...]  # most frequent first
    excerpt: str | None  # the first failing sample's output (or error), cut to EXCERPT_CHARS

    @property
    def silent(self) -> bool:
        return any(m not in VISIBLE for m in self.modes)

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "capability": self.capability,
            "samples": self.samples,
            "passed_samples": self.passed_samples,
            "passed": self.passed,
            "finished": self.finished,
            "modes": list(self.modes),
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True, slots=True)
class CasePage:
    """``limit`` cases from ``offset`` of those matching the filter, failing first."""

    run_id: str
    cases: list[CaseSummary]
    total: int  # cases matching the filter
    offset: int
    limit: int
    failing: bool
    mode: str | None

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.cases) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True, slots=True)
class RunCounts:
    """A run's figures, counted by the database: cases, samples, cases per failure mode."""

    cases: int
    failing: int
    samples: int
    passed_samples: int
    modes: dict[str, int]  # mode -> cases that showed it, most cases first

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "failing": self.failing,
            "samples": self.samples,
            "passed_samples": self.passed_samples,
            "modes": dict(self.modes),
        }


def _modes(store: Store, run_id: str) -> Subquery:
    """(case_id, mode) for every failure mode a case of ``run_id`` showed."""
    obs, results = ObservationRecord.__table__, CaseResultRecord.__table__
    parts: list[Select[Any]] = [
        select(obs.c.case_id, obs.c.error_mode.label("mode")).where(
            obs.c.run_id == run_id, obs.c.error_mode.is_not(None)
        )
    ]
    for table, column in ((obs, obs.c.findings_json), (results, results.c.case_findings_json)):
        if store.engine.dialect.name == "postgresql":
            item = func.jsonb_array_elements(column).table_valued("value").lateral()
            mode: ColumnElement[Any] = item.c.value.op("->>")(literal("mode"))
        else:
            item = func.json_each(column).table_valued("value")
            mode = func.json_extract(item.c.value, "$.mode")
        parts.append(
            select(table.c.case_id, cast(mode, String).label("mode"))
            .select_from(table.join(item, true()))
            .where(table.c.run_id == run_id)
        )
    return union(*parts).subquery("modes")


def _cases(run_id: str) -> Subquery:
    """One row per case of ``run_id``: samples, passed samples, its outcome (1 passed)."""
    obs, results = ObservationRecord.__table__, CaseResultRecord.__table__
    ids = union(
        select(obs.c.case_id).where(obs.c.run_id == run_id),
        select(results.c.case_id).where(results.c.run_id == run_id),
    ).subquery("ids")
    samples = (
        select(
            obs.c.case_id,
            func.count().label("n"),
            func.sum(case((obs.c.passed, 1), else_=0)).label("k"),
            func.min(obs.c.capability).label("capability"),
        )
        .where(obs.c.run_id == run_id)
        .group_by(obs.c.case_id)
        .subquery("samples")
    )
    finished = (
        select(
            results.c.case_id,
            func.min(case((results.c.passed, 1), else_=0)).label("passed"),
            func.min(results.c.capability).label("capability"),
        )
        .where(results.c.run_id == run_id)
        .group_by(results.c.case_id)
        .subquery("finished")
    )
    n = func.coalesce(samples.c.n, 0)
    k = func.coalesce(samples.c.k, 0)
    unfinished_passed = case((k == n, 1), else_=0)
    return (
        select(
            ids.c.case_id,
            func.coalesce(finished.c.capability, samples.c.capability).label("capability"),
            n.label("n"),
            k.label("k"),
            func.coalesce(finished.c.passed, unfinished_passed).label("passed"),
            (finished.c.case_id.is_not(None)).label("finished"),
        )
        .select_from(ids)
        .outerjoin(samples, samples.c.case_id == ids.c.case_id)
        .outerjoin(finished, finished.c.case_id == ids.c.case_id)
        .subquery("cases")
    )


def case_page(
    store: Store,
    run_id: str,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    failing: bool = False,
    mode: str | None = None,
) -> CasePage:
    """Cases of ``run_id`` from ``offset``: failing first (fewest samples passed first),
    then by id; only failing ones with ``failing``; only those that showed ``mode``."""
    if not 1 <= limit <= PAGE_MAX:
        raise ValueError(f"limit must be from 1 to {PAGE_MAX}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset must be 0 or more, got {offset}")
    cases = _cases(run_id)
    conditions: list[ColumnElement[bool]] = []
    if failing:
        conditions.append(cases.c.passed == 0)
    if mode:
        modes = _modes(store, run_id)
        conditions.append(cases.c.case_id.in_(select(modes.c.case_id).where(modes.c.mode == mode)))
    where = and_(true(), *conditions)
    # Within the failing (or passing) cases: the fewest samples passed first.
    share = case((cases.c.n > 0, cases.c.k * 1.0 / cases.c.n), else_=1.0)
    # The count of every matching case rides along each row (a window over the filtered
    # cases, taken before the LIMIT): one aggregation of the run's rows, not two.
    stmt = (
        select(cases, func.count().over().label("total"))
        .where(where)
        .order_by(cases.c.passed, share, cases.c.case_id)
        .offset(offset)
        .limit(limit)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(stmt).all()
        if rows:
            total = int(rows[0].total)
        else:  # past the last page: count on its own
            counted = select(func.count()).select_from(cases).where(where)
            total = int(connection.execute(counted).scalar_one())
        details = _details(connection, run_id, [r.case_id for r in rows])
    summaries = [
        CaseSummary(
            case_id=r.case_id,
            capability=r.capability,
            samples=int(r.n),
            passed_samples=int(r.k),
            passed=bool(r.passed),
            finished=bool(r.finished),
            modes=details.get(r.case_id, ((), None))[0],
            excerpt=details.get(r.case_id, ((), None))[1],
        )
        for r in rows
    ]
    return CasePage(run_id, summaries, total, offset, limit, failing, mode or None)


def _details(
    connection: Any, run_id: str, ids: list[str]
) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Modes (most frequent first) and first failure excerpt of the cases ``ids``."""
    if not ids:
        return {}
    obs, results = ObservationRecord.__table__, CaseResultRecord.__table__
    counts: dict[str, Counter[str]] = {k: Counter() for k in ids}
    excerpts: dict[str, str | None] = {}
    rows = connection.execute(
        select(
            obs.c.case_id,
            obs.c.passed,
            obs.c.findings_json,
            func.substr(obs.c.output, 1, EXCERPT_CHARS).label("output"),
            func.substr(obs.c.error_message, 1, EXCERPT_CHARS).label("error"),
        )
        .where(obs.c.run_id == run_id, obs.c.case_id.in_(ids))
        .order_by(obs.c.case_id, obs.c.sample, obs.c.id)
    )
    for r in rows:
        for finding in r.findings_json or []:
            if isinstance(finding, dict) and finding.get("mode"):
                counts[r.case_id][str(finding["mode"])] += 1
        if not r.passed and r.case_id not in excerpts:
            excerpts[r.case_id] = r.output or r.error or ""
    for r in connection.execute(
        select(results.c.case_id, results.c.case_findings_json).where(
            results.c.run_id == run_id, results.c.case_id.in_(ids)
        )
    ):
        for finding in r.case_findings_json or []:
            if isinstance(finding, dict) and finding.get("mode"):
                counts[r.case_id][str(finding["mode"])] += 1
    # Most frequent first, ties by first appearance (as the report orders them).
    return {k: (tuple(m for m, _ in c.most_common()), excerpts.get(k)) for k, c in counts.items()}


def run_counts(store: Store, run_id: str) -> RunCounts:
    """The run's figures, each one query (no observation is loaded)."""
    cases = _cases(run_id)
    modes = _modes(store, run_id)
    with store.engine.connect() as connection:
        total, failing, samples, passed = connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((cases.c.passed == 0, 1), else_=0)), 0),
                func.coalesce(func.sum(cases.c.n), 0),
                func.coalesce(func.sum(cases.c.k), 0),
            ).select_from(cases)
        ).one()
        by_mode = connection.execute(
            select(modes.c.mode, func.count(modes.c.case_id.distinct()).label("cases"))
            .where(modes.c.mode.is_not(None))
            .group_by(modes.c.mode)
            .order_by(func.count(modes.c.case_id.distinct()).desc(), modes.c.mode)
        ).all()
    return RunCounts(
        cases=int(total),
        failing=int(failing),
        samples=int(samples),
        passed_samples=int(passed),
        modes={str(m): int(n) for m, n in by_mode},
    )
