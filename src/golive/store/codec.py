"""The store's typed (de)serialiser: scores, findings, failure modes, observations, a load
test's requests and levels.

One pydantic ``TypeAdapter`` per frozen type writes the JSON columns (``scores_json``,
``findings_json``, ``case_scores_json``, ``case_findings_json``) and reads them back, so the
stored shape is the type's own and nothing mirrors it by hand.

A failure mode this golive does not know (written by a newer version, or a plugin's) is read
the same way everywhere (``rebuild`` and ``rebuild_load`` alike): as ``protocol_error``, a
failure that still counts, with the stored name kept in the text next to it (a finding's
detail, a score's reason, an error's message) and a finding's stored kind (visible or silent)
kept as written, so the silent and visible counts are unchanged. Nothing is dropped.

The row-shaped types go through one ``RowCodec`` each, a table with one entry per field of the
frozen type: the columns the field writes and how it reads back (or why it is not stored).
``OBSERVATION`` (with ``REQUEST``, ``USAGE``, ``OBSERVATION_ERROR``) and ``SCORED`` are the
``observations`` table; ``REQUEST_RECORD`` is ``load_requests``; ``LEVEL``, ``CLIENT_HEALTH``
and ``LEVEL_QUALITY`` read a level of the stored summary's ``load`` section (written by
``reports.load_summary.level_summary``). A test holds each table to its type's fields, so a
field added to a type and not to its table fails there instead of being dropped on one side.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from golive.schemas import (
    ClientHealth,
    FailureMode,
    Finding,
    LevelQuality,
    LevelResult,
    Message,
    Observation,
    ObservationError,
    Request,
    RequestRecord,
    Score,
    ScoredObservation,
    Usage,
)
from golive.store._sanitize import clean_json, clean_text

__all__ = [
    "CLIENT_HEALTH",
    "LEVEL",
    "LEVEL_QUALITY",
    "OBSERVATION",
    "OBSERVATION_ERROR",
    "REQUEST",
    "REQUEST_RECORD",
    "ROW_CODECS",
    "SCORED",
    "UNKNOWN_MODE_AS",
    "USAGE",
    "LevelContext",
    "RowCodec",
    "Stored",
    "findings_from_json",
    "findings_json",
    "float_or",
    "opt_float",
    "read_mode",
    "scores_from_json",
    "scores_json",
]

# What a stored failure mode this golive does not know reads as: still a (visible) failure.
UNKNOWN_MODE_AS = FailureMode.PROTOCOL_ERROR

_SCORE = TypeAdapter(Score)
_FINDING = TypeAdapter(Finding)


def read_mode(value: Any) -> tuple[FailureMode | None, str | None]:
    """A stored failure mode, and the stored name when this golive does not know it.

    None (or an empty value) is no mode; an unknown name reads as ``UNKNOWN_MODE_AS``.
    """
    if value is None or value == "":
        return None, None
    try:
        return FailureMode(value), None
    except ValueError:
        return UNKNOWN_MODE_AS, str(value)


def _noted(text: str, unknown: str | None) -> str:
    if unknown is None:
        return text
    note = f"stored failure mode '{unknown}' is unknown to this golive"
    return f"{text} ({note})" if text else note


def scores_json(scores: Iterable[Score]) -> list[dict[str, Any]]:
    return [clean_json(_SCORE.dump_python(s, mode="json")) for s in scores]


def findings_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [clean_json(_FINDING.dump_python(f, mode="json")) for f in findings]


def scores_from_json(items: Iterable[Any]) -> tuple[Score, ...]:
    scores = []
    for item in items:
        if not isinstance(item, dict):
            continue
        mode, unknown = read_mode(item.get("mode"))
        reason = _noted(str(item.get("reason") or ""), unknown)
        # Missing keys read as before the adapter: no value, not applicable, no name.
        data = {"name": "", "value": None, "passed": None, **item, "mode": mode, "reason": reason}
        scores.append(_SCORE.validate_python(data))
    return tuple(scores)


def findings_from_json(items: Iterable[Any]) -> tuple[Finding, ...]:
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        mode, unknown = read_mode(item.get("mode"))
        if mode is None:
            continue  # a finding is a failure: one without a mode was never written
        detail = _noted(str(item.get("detail") or ""), unknown)
        found.append(
            _FINDING.validate_python(
                {
                    **item,
                    "mode": mode,
                    "kind": str(item.get("kind", "")),
                    "detail": detail,
                }
            )
        )
    return tuple(found)


# -- row codecs ------------------------------------------------------------------------------

T = TypeVar("T")
Row = Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """How one field of a frozen type is stored.

    ``columns``: the columns (or summary keys) it fills or reads; ``write(obj, ctx)``: their
    values from the object (None where another part of golive writes them); ``read(row, ctx)``:
    the field's value again. A field without ``read`` takes its default when read back, and
    ``why`` says why it is not stored. ``attr``: a field stored as one column (``_column``),
    written without a call per field (a load test writes ~10⁵ rows a level).
    """

    columns: tuple[str, ...] = ()
    write: Callable[[Any, Any], dict[str, Any]] | None = None
    read: Callable[[Row, Any], Any] | None = None
    why: str = ""
    attr: str = ""
    out: Callable[..., Any] | None = None  # (value) or, with ``out_ctx``, (value, ctx)
    out_ctx: bool = False


def _column(
    field: str,
    column: str | None = None,
    *,
    out: Callable[[Any], Any] | None = None,
    back: Callable[[Any], Any] | None = None,
) -> Stored:
    """A field stored as one column: ``out`` on the way in, ``back`` on the way out."""
    name = column or field

    def write(obj: Any, ctx: Any) -> dict[str, Any]:
        value = getattr(obj, field)
        return {name: value if out is None else out(value)}

    def read(row: Row, ctx: Any) -> Any:
        return row[name] if back is None else back(row[name])

    return Stored((name,), write, read, attr=field, out=out)


def _not_stored(why: str) -> Stored:
    return Stored(why=why)


class RowCodec(Generic[T]):
    """A frozen type to row values and back, one ``Stored`` per field of the type.

    ``derived(obj, ctx)`` adds columns computed from several fields (a latency, a status):
    written for queries, never read back.
    """

    def __init__(
        self,
        cls: type[T],
        fields: Mapping[str, Stored],
        derived: Callable[[T, Any], dict[str, Any]] | None = None,
    ) -> None:
        self.cls = cls
        self.fields = dict(fields)
        self.derived = derived
        self._write = self._compiled()
        # Fields another part of golive writes (a summary's level): this codec only reads.
        self._read_only = [n for n, f in self.fields.items() if f.write is None and f.read]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the fields fill, in field order."""
        return tuple(c for f in self.fields.values() for c in f.columns)

    def uncovered(self) -> set[str]:
        """The type's fields the table lacks, and entries naming no field (empty when whole)."""
        names = {f.name for f in dataclasses.fields(self.cls)}  # type: ignore[arg-type]
        return names ^ set(self.fields)

    def values(self, obj: T, ctx: Any = None) -> dict[str, Any]:
        """The row values of ``obj`` (``ctx``: what the writes need besides, e.g. a time
        origin)."""
        if self._read_only:
            raise TypeError(f"{self.cls.__name__} is written elsewhere: {self._read_only}")
        return self._write(obj, ctx)

    def _compiled(self) -> Callable[[T, Any], dict[str, Any]]:
        """The table's writes as one function returning one dict display, the way
        ``dataclasses`` builds ``__init__``: a load test writes ~10⁵ rows a level, and a loop
        over the table with a call per field took five times as long as that."""
        names: dict[str, Any] = {}
        parts = []
        for i, stored in enumerate(self.fields.values()):
            if stored.attr:
                value = f"obj.{stored.attr}"
                if stored.out is not None:
                    names[f"_out{i}"] = stored.out
                    value = f"_out{i}({value}, ctx)" if stored.out_ctx else f"_out{i}({value})"
                parts.append(f"{stored.columns[0]!r}: {value}")
            elif stored.write is not None:
                names[f"_write{i}"] = stored.write
                parts.append(f"**_write{i}(obj, ctx)")
        if self.derived is not None:
            names["_derived"] = self.derived
            parts.append("**_derived(obj, ctx)")
        source = f"def write(obj, ctx):\n    return {{{', '.join(parts)}}}\n"
        exec(source, names)  # the source is built from this table alone
        write: Callable[[T, Any], dict[str, Any]] = names["write"]
        return write

    def read(self, row: Row, ctx: Any = None) -> T:
        return self.cls(
            **{
                name: stored.read(row, ctx)
                for name, stored in self.fields.items()
                if stored.read is not None
            }
        )


def _nested(
    field: str, codec: RowCodec[Any], present: Callable[[Row], bool] | None = None
) -> Stored:
    """A field holding another codec's type, stored in the same row. With ``present`` the
    field may be None: None writes null columns and reads back where ``present`` is false."""
    nulls = dict.fromkeys(codec.columns)

    def write(obj: Any, ctx: Any) -> dict[str, Any]:
        value = getattr(obj, field)
        return nulls.copy() if value is None else codec.values(value, ctx)

    def read(row: Row, ctx: Any) -> Any:
        return codec.read(row, ctx) if present is None or present(row) else None

    return Stored(codec.columns, write, read)


# -- observations (table ``observations``) ---------------------------------------------------

_RUN_SETTING = "a request setting: the run's config holds it (runs.config_json)"

REQUEST: RowCodec[Request] = RowCodec(
    Request,
    {
        "messages": Stored(
            ("input_json",),
            lambda r, ctx: {
                "input_json": clean_json(
                    [{"role": m.role, "content": m.content} for m in r.messages]
                )
            },
            lambda row, ctx: tuple(Message.model_validate(m) for m in row["input_json"] or []),
        ),
        "max_tokens": _not_stored(_RUN_SETTING),
        "temperature": _not_stored(_RUN_SETTING),
        "seed": _not_stored(_RUN_SETTING),
        "extra": _not_stored(_RUN_SETTING),
    },
)

USAGE: RowCodec[Usage] = RowCodec(
    Usage,
    {"prompt_tokens": _column("prompt_tokens"), "completion_tokens": _column("completion_tokens")},
)


def _error_mode(row: Row) -> tuple[FailureMode | None, str | None]:
    return read_mode(row["error_mode"])


OBSERVATION_ERROR: RowCodec[ObservationError] = RowCodec(
    ObservationError,
    {
        "mode": Stored(
            ("error_mode",),
            lambda e, ctx: {"error_mode": e.mode.value},
            lambda row, ctx: _error_mode(row)[0],
        ),
        "message": Stored(
            ("error_message",),
            lambda e, ctx: {"error_message": clean_text(e.message)},
            # An unknown mode's stored name stays in the message.
            lambda row, ctx: _noted(row["error_message"] or "", _error_mode(row)[1]),
        ),
        "status": _column("status", "error_status"),
    },
)


def _chunks_us(o: Observation, ctx: Any) -> dict[str, Any]:
    # µs after t_send: exact enough for latency, a quarter of the digits of absolute ns.
    return {"chunk_times_json": [(t - o.t_send_ns) // 1000 for t in o.chunk_times_ns]}


def _chunks_ns(row: Row, ctx: Any) -> tuple[int, ...]:
    send = row["t_send_ns"]
    return tuple(send + us * 1000 for us in row["chunk_times_json"] or [])


OBSERVATION: RowCodec[Observation] = RowCodec(
    Observation,
    {
        "case_id": _column("case_id", out=clean_text),
        "sample": _column("sample"),
        "request": _nested("request", REQUEST),
        "output": _column("output", out=clean_text),
        "t_sched_ns": _column("t_sched_ns"),
        "t_send_ns": _column("t_send_ns"),
        "chunk_times_ns": Stored(("chunk_times_json",), _chunks_us, _chunks_ns),
        "t_end_ns": _column("t_end_ns"),
        "finish_reason": _column("finish_reason", out=lambda v: clean_text(v)[:64] if v else None),
        "usage": _nested(
            "usage",
            USAGE,
            lambda row: row["prompt_tokens"] is not None or row["completion_tokens"] is not None,
        ),
        "error": _nested("error", OBSERVATION_ERROR, lambda row: _error_mode(row)[0] is not None),
        "cached": _column("cached", back=bool),
    },
    derived=lambda o, ctx: {
        "status": "ok" if o.error is None else "error",
        "ttft_ms": o.ttft_ms,
        "e2e_ms": o.e2e_ms,
    },
)

SCORED: RowCodec[ScoredObservation] = RowCodec(
    ScoredObservation,
    {
        "observation": _nested("observation", OBSERVATION),
        "scores": Stored(
            ("scores_json",),
            lambda s, ctx: {"scores_json": scores_json(s.scores)},
            lambda row, ctx: scores_from_json(row["scores_json"] or []),
        ),
        "findings": Stored(
            ("findings_json",),
            lambda s, ctx: {"findings_json": findings_json(s.findings)},
            lambda row, ctx: findings_from_json(row["findings_json"] or []),
        ),
    },
    derived=lambda s, ctx: {"passed": s.passed},
)


# -- a load test's requests (table ``load_requests``) ----------------------------------------
# Written with ``ctx`` the load test's time origin in ns (times are µs after it); read back on
# that axis (origin 0). The level's own columns (run, concurrency, rate, seq) are the caller's.


def _since(field: str, back: Callable[[Row, Any], Any]) -> Stored:
    """A time field stored as µs after the origin ``ctx`` in column ``t_*_us``."""
    column = field.removesuffix("_ns") + "_us"

    def shift(value: int, t0: int) -> int:
        return (value - t0) // 1000

    return Stored(
        (column,),
        lambda r, t0: {column: shift(getattr(r, field), t0)},
        back,
        attr=field,
        out=shift,
        out_ctx=True,
    )


def _record_chunks(row: Row) -> tuple[int, ...]:
    """The first chunk and the last, placed from the stored latencies (exact: ns / 1e6)."""
    send = int(row["t_send_us"]) * 1000
    ttft, e2e, n = row["ttft_ms"], row["e2e_ms"], int(row["chunks"])
    if n <= 0 or ttft is None:
        return ()
    first = send + round(float(ttft) * 1e6)
    if e2e is not None and n > 1:
        return (first, send + round(float(e2e) * 1e6))
    return (first,)


def _record_sched(row: Row, ctx: Any) -> int:
    # From the queue-inclusive TTFT where there is one, so both TTFTs read back unrounded.
    chunks, queued = _record_chunks(row), row["ttft_from_schedule_ms"]
    if chunks and queued is not None:
        return chunks[0] - round(float(queued) * 1e6)
    return int(row["t_sched_us"]) * 1000


def _record_latencies(r: RequestRecord, t0: Any) -> dict[str, Any]:
    c = r.chunk_times_ns
    return {
        "ttft_ms": (c[0] - r.t_send_ns) / 1e6 if c else None,
        "ttft_from_schedule_ms": (c[0] - r.t_sched_ns) / 1e6 if c else None,
        "e2e_ms": (c[-1] - r.t_send_ns) / 1e6 if c and r.error is None else None,
    }


REQUEST_RECORD: RowCodec[RequestRecord] = RowCodec(
    RequestRecord,
    {
        "level": _column("level", back=int),
        "t_sched_ns": _since("t_sched_ns", _record_sched),
        "t_send_ns": _since("t_send_ns", lambda row, ctx: int(row["t_send_us"]) * 1000),
        # The count; the first and last chunk's times are the stored latencies (derived).
        "chunk_times_ns": dataclasses.replace(
            _column("chunk_times_ns", "chunks", out=len),
            read=lambda row, ctx: _record_chunks(row),
        ),
        "t_end_ns": _since(
            "t_end_ns",
            lambda row, ctx: max(
                int(row["t_end_us"]) * 1000, *_record_chunks(row), int(row["t_send_us"]) * 1000
            ),
        ),
        "output_tokens": _column("output_tokens"),
        "token_source": _column(
            "token_source", back=lambda v: v if v in ("usage", "tokenizer") else "none"
        ),
        # An unknown mode reads as UNKNOWN_MODE_AS; the summary's errors keep its name.
        "error": _column(
            "error",
            "error_mode",
            out=lambda e: None if e is None else e.value,
            back=lambda v: read_mode(v)[0],
        ),
        "warmup": _column("warmup", back=bool),
        "prompt_index": _column("prompt_index", back=int),
    },
    derived=_record_latencies,
)


# -- a level of the stored summary's ``load`` section ----------------------------------------
# Written by ``reports.load_summary.level_summary`` (the JSON summary's contract); read here
# with a ``LevelContext``. The level's metrics are set afterwards (``rebuild_load``).


def opt_float(value: Any) -> float | None:
    """A JSON number as a float; None for null (the summary's spelling of NaN) and the rest."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def float_or(value: Any, default: float) -> float:
    number = opt_float(value)
    return default if number is None else number


@dataclasses.dataclass(frozen=True, slots=True)
class LevelContext:
    """What a level reads from outside its summary entry."""

    index: int
    records: tuple[RequestRecord, ...]
    section: Mapping[str, Any]  # the whole ``load`` section


def _key(key: str, convert: Callable[[Any], Any]) -> Stored:
    """A field read from summary key ``key`` (written by the summary, not here)."""
    return Stored((key,), None, lambda item, ctx: convert(item.get(key)))


def _valid(item: Row) -> bool:
    return item.get("valid") is not False


def _nan_or(value: Any) -> float:
    return float_or(value, math.nan)


CLIENT_HEALTH: RowCodec[ClientHealth] = RowCodec(
    ClientHealth,
    {
        "lag_ms_p99": _key("client_lag_ms_p99", _nan_or),
        "lag_ms_max": _key("client_lag_ms_max", _nan_or),
        "cpu_pct": _key("client_cpu_pct", _nan_or),
        "valid": Stored(("valid",), None, lambda item, ctx: _valid(item)),
        "reason": Stored(
            ("invalid_reason",),
            None,
            lambda item, ctx: "" if _valid(item) else str(item.get("invalid_reason") or ""),
        ),
        "worker_cpu_pct": _not_stored("each worker's CPU: the summary keeps their sum"),
        "read_delay_ms_p99": _key("client_read_delay_ms_p99", opt_float),
        "read_delay_ms_max": _key("client_read_delay_ms_max", opt_float),
        "send_delay_ms_p99": _key("client_send_delay_ms_p99", opt_float),
    },
)


def _quality_n(data: Row) -> int:
    return int(data["pass_rate"]["n"])


def _has_quality(data: Row) -> bool:
    rate = data.get("pass_rate")
    return isinstance(rate, dict) and isinstance(rate.get("n"), int) and rate["n"] > 0


LEVEL_QUALITY: RowCodec[LevelQuality] = RowCodec(
    LevelQuality,
    {
        "n": Stored(("pass_rate",), None, lambda data, ctx: _quality_n(data)),
        "passed": Stored(
            ("pass_rate",),
            None,
            lambda data, ctx: round(
                float_or(data["pass_rate"].get("value"), 0.0) * _quality_n(data)
            ),
        ),
        "truncated": Stored(
            ("truncated_share",),
            None,
            lambda data, ctx: round(float_or(data.get("truncated_share"), 0.0) * _quality_n(data)),
        ),
        "failures": _key(
            "failures",
            lambda v: {str(k): int(n) for k, n in v.items()} if isinstance(v, dict) else {},
        ),
        "baseline_pass_rate": _key("baseline_pass_rate", opt_float),
    },
)


def _level_quality(item: Row, ctx: Any) -> LevelQuality | None:
    data = item.get("quality")
    if not isinstance(data, dict) or not _has_quality(data):
        return None
    return LEVEL_QUALITY.read(data, ctx)


def _concurrency(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None


LEVEL: RowCodec[LevelResult] = RowCodec(
    LevelResult,
    {
        "index": Stored(read=lambda item, ctx: ctx.index, why="its place in the section"),
        "concurrency": _key("concurrency", _concurrency),
        "rate": Stored(
            ("rate",),
            None,
            lambda item, ctx: (
                opt_float(item.get("rate")) if item.get("concurrency") is None else None
            ),
        ),
        "profile": _key("profile", lambda v: str(v or "")),
        "duration_s": _key("duration_s", lambda v: float_or(v, 0.0)),
        "records": Stored(read=lambda item, ctx: ctx.records, why="the load_requests table"),
        "health": Stored(CLIENT_HEALTH.columns, None, lambda item, ctx: CLIENT_HEALTH.read(item)),
        "metrics": _not_stored("the summary's figures, set by rebuild_load after the level"),
        "warmup_s": _key("warmup_s", lambda v: float_or(v, 0.0)),
        "tokenizer": Stored(
            read=lambda item, ctx: str(ctx.section.get("tokenizer") or ""),
            why="the section's tokenizer",
        ),
        "samples": _not_stored("the replies kept for quality under load: their scores are"),
        "quality": Stored(("quality",), None, _level_quality),
    },
)

# Every codec, for the test that holds each table to its type's fields.
ROW_CODECS: tuple[RowCodec[Any], ...] = (
    REQUEST,
    USAGE,
    OBSERVATION_ERROR,
    OBSERVATION,
    SCORED,
    REQUEST_RECORD,
    CLIENT_HEALTH,
    LEVEL_QUALITY,
    LEVEL,
)
