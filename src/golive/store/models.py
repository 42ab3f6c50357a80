"""The store's tables as typed SQLAlchemy 2 models: runs, their observations, case results.

Kept generic (``runs.kind``, JSON columns) so load records, comparisons and drift can reuse
them. The schema is owned by the Alembic migrations in ``migrations/versions``; a test checks
that these models and the migrated database agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "CaseResultRecord",
    "JSONValue",
    "LoadRequestRecord",
    "ObservationRecord",
    "ProxyExchangeRecord",
    "RunRecord",
    "UTCDateTime",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL (indexable for later queries). ``none_as_null`` stores
# Python None as SQL NULL rather than the JSON literal ``null``.
JSONValue = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
# SQLite's INTEGER PRIMARY KEY is the auto-incrementing rowid; BIGINT there would not be.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone: read as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RunRecord(Base):
    """One run. ``pid``/``hostname``/``heartbeat_at`` tell a live run from a killed one."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="eval")
    status: Mapped[str] = mapped_column(String(16))  # running | finished | interrupted | failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # go | no-go | inconclusive. SQLite ignores the length, so its tables keep the 8 they were
    # created with (migration 0005 widens it where the database enforces it).
    verdict: Mapped[str | None] = mapped_column(String(16).with_variant(String(8), "sqlite"))
    config_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    target_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    git_commit: Mapped[str | None] = mapped_column(String(64))
    git_branch: Mapped[str | None] = mapped_column(String(255))
    config_hash: Mapped[str | None] = mapped_column(String(64))
    suite_hash: Mapped[str | None] = mapped_column(String(64))
    summary_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    total_requests: Mapped[int | None] = mapped_column(Integer)
    pid: Mapped[int | None] = mapped_column(Integer)
    hostname: Mapped[str | None] = mapped_column(String(255))
    golive_version: Mapped[str | None] = mapped_column(String(32))


class ObservationRecord(Base):
    """One sample of one case. Times: ``t_*_ns`` are perf_counter readings of the recording
    process; ``chunk_times_json`` holds each content chunk's arrival in µs after t_send."""

    __tablename__ = "observations"
    __table_args__ = (Index(None, "run_id", "case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String())
    sample: Mapped[int] = mapped_column(Integer)
    capability: Mapped[str | None] = mapped_column(String())
    input_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    output: Mapped[str] = mapped_column(Text)
    error_mode: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_status: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # ok | error
    t_sched_ns: Mapped[int] = mapped_column(BigInteger)
    t_send_ns: Mapped[int] = mapped_column(BigInteger)
    t_end_ns: Mapped[int | None] = mapped_column(BigInteger)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    e2e_ms: Mapped[float | None] = mapped_column(Float)
    chunk_times_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    finish_reason: Mapped[str | None] = mapped_column(String(64))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    findings_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    scores_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    # Replayed from the response cache: the times are the original call's (migration 0004).
    cached: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseResultRecord(Base):
    """All samples of one case judged together (consistency and other cross-sample checks)."""

    __tablename__ = "case_results"
    __table_args__ = (Index(None, "run_id", "case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String())
    capability: Mapped[str | None] = mapped_column(String())
    samples: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    case_scores_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    case_findings_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    # The case as run (``_rows.case_json``), so the run rebuilds exactly; NULL before 0004.
    case_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoadRequestRecord(Base):
    """One request of a load test. ``t_*_us`` are µs after the run's first scheduled request;
    warm-up requests are stored too (``warmup``) and excluded from every metric."""

    __tablename__ = "load_requests"
    __table_args__ = (Index(None, "run_id", "level"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    concurrency: Mapped[int | None] = mapped_column(Integer)
    rate: Mapped[float | None] = mapped_column(Float)
    seq: Mapped[int] = mapped_column(Integer)  # order by t_sched within the level
    t_sched_us: Mapped[int] = mapped_column(BigInteger)
    t_send_us: Mapped[int] = mapped_column(BigInteger)
    t_end_us: Mapped[int] = mapped_column(BigInteger)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    ttft_from_schedule_ms: Mapped[float | None] = mapped_column(Float)
    e2e_ms: Mapped[float | None] = mapped_column(Float)
    chunks: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    token_source: Mapped[str] = mapped_column(String(16))  # usage | tokenizer | none
    error_mode: Mapped[str | None] = mapped_column(String(32))
    warmup: Mapped[bool] = mapped_column(Boolean)
    prompt_index: Mapped[int] = mapped_column(Integer)


class ProxyExchangeRecord(Base):
    """One request through ``golive proxy``: texts with PII redacted, the guards' decisions
    and timings, upstream status and latencies. Never an Authorization header."""

    __tablename__ = "proxy_exchanges"
    __table_args__ = (Index(None, "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    path: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String())
    stream: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[int] = mapped_column(Integer)  # what the client got
    upstream_status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    input_action: Mapped[str] = mapped_column(String(16))
    output_action: Mapped[str] = mapped_column(String(16))
    input_text: Mapped[str | None] = mapped_column(Text)
    output_text: Mapped[str | None] = mapped_column(Text)
    decisions_json: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    upstream_ms: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
