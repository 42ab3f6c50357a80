"""The opt-in response cache: a target's successful replies, replayed for unchanged requests.

The key is a SHA-256 over the target's identity (its fingerprint and its args without headers
or anything secret-named) and the whole request (messages, parameters, seed, sample index,
output cap). Only successful observations are stored, so a failure is retried on the next run.
Entries live in one SQLite file whose every write is its own transaction: a run killed midway
leaves a valid cache holding every reply stored before the kill.

A replayed observation keeps the original call's latencies (relative to its send time) and is
marked ``cached``; latency metrics leave cached samples out. Load tests never use the cache:
only the evaluation runner opens one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from golive._redact import is_secret_key
from golive.errors import ConfigError
from golive.execution.observe import observe
from golive.schemas import Observation, Request, Usage
from golive.targets.base import Target

__all__ = ["CACHE_FILE", "ResponseCache", "cache_key", "target_identity"]

CACHE_FILE = "responses.sqlite3"
_KEY_VERSION = 1  # bump when the key material changes: old entries then simply miss
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    stored_at REAL NOT NULL
)
"""
# Args that change how golive talks to the target, never what it answers.
_TRANSPORT_FIELDS = frozenset({"headers", "show_headers", "process"})


def _public(value: Any) -> Any:
    """``value`` without headers, secret-named fields, env-var names or timeouts."""
    if isinstance(value, Mapping):
        return {
            k: _public(v)
            for k, v in sorted(value.items())
            if not (
                is_secret_key(str(k))
                or str(k) in _TRANSPORT_FIELDS
                or str(k).endswith("_env")
                or "timeout" in str(k)
            )
        }
    if isinstance(value, list | tuple):
        return [_public(v) for v in value]
    return value


def target_identity(fingerprint: Mapping[str, str], args: Mapping[str, Any]) -> dict[str, Any]:
    """What makes two targets answer alike: the fingerprint (kind, URL, model…) and the args
    that shape the request body (an HTTP body template, ``extra_body``), never credentials."""
    return {"fingerprint": dict(sorted(fingerprint.items())), "args": _public(args)}


def cache_key(
    identity: Mapping[str, Any], request: Request, *, sample: int, max_output_chars: int
) -> str:
    """The hex SHA-256 naming one reply: same target, same request, same sample."""
    material = {
        "v": _KEY_VERSION,
        "target": identity,
        "messages": [[m.role, m.content] for m in request.messages],
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "seed": request.seed,
        "extra": request.extra,
        "sample": sample,
        "max_output_chars": max_output_chars,
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _encode(obs: Observation) -> str:
    # Times relative to t_send: perf_counter readings mean nothing in another process.
    usage = obs.usage
    return json.dumps(
        {
            "output": obs.output,
            "chunks_ns": [t - obs.t_send_ns for t in obs.chunk_times_ns],
            "end_ns": None if obs.t_end_ns is None else obs.t_end_ns - obs.t_send_ns,
            "finish_reason": obs.finish_reason,
            "usage": None if usage is None else [usage.prompt_tokens, usage.completion_tokens],
        },
        ensure_ascii=False,
    )


def _decode(
    text: str, *, case_id: str, sample: int, request: Request, t_sched_ns: int
) -> Observation | None:
    try:
        data = json.loads(text)
        chunks = [int(t) for t in data["chunks_ns"]]
        end = data["end_ns"]
        usage = data["usage"]
        t_send = max(time.perf_counter_ns(), t_sched_ns)
        return Observation(
            case_id=case_id,
            sample=sample,
            request=request,
            output=str(data["output"]),
            t_sched_ns=t_sched_ns,
            t_send_ns=t_send,
            chunk_times_ns=tuple(t_send + t for t in chunks),
            t_end_ns=None if end is None else t_send + int(end),
            finish_reason=data["finish_reason"],
            usage=None if usage is None else Usage(usage[0], usage[1]),
            cached=True,
        )
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # an entry from another version or a damaged row: fetch again


class ResponseCache:
    """One cache folder, bound to one target's identity. Use as a context manager or
    call ``close()``; ``hits`` and ``misses`` count this instance's lookups."""

    def __init__(self, directory: Path, identity: Mapping[str, Any]) -> None:
        self.directory = directory
        self.identity = dict(identity)
        self.hits = 0
        self.misses = 0
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: autocommit, each INSERT is one atomic transaction.
            self._db = sqlite3.connect(directory / CACHE_FILE, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the response cache in {str(directory)!r}: {exc}; "
                "fix the folder's permissions or delete it (it is rebuilt on the next run).",
                field="cache.dir",
            ) from None

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(row[0])

    def get(
        self, key: str, *, case_id: str, sample: int, request: Request, t_sched_ns: int
    ) -> Observation | None:
        """The stored reply for ``key`` as a cached observation, or None."""
        row = self._db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return _decode(
            row[0], case_id=case_id, sample=sample, request=request, t_sched_ns=t_sched_ns
        )

    def put(self, key: str, observation: Observation) -> bool:
        """Store a successful, uncached observation; return whether it was stored."""
        if not observation.ok or observation.cached:
            return False
        self._db.execute(
            "INSERT OR REPLACE INTO responses (key, value, stored_at) VALUES (?, ?, ?)",
            (key, _encode(observation), time.time()),
        )
        return True

    async def observe(
        self,
        target: Target,
        request: Request,
        *,
        case_id: str,
        sample: int,
        t_sched_ns: int,
        timeout_s: float,
        max_output_chars: int,
    ) -> Observation:
        """``observe()`` through the cache: a hit costs the target nothing."""
        key = cache_key(self.identity, request, sample=sample, max_output_chars=max_output_chars)
        hit = self.get(key, case_id=case_id, sample=sample, request=request, t_sched_ns=t_sched_ns)
        # A reply slower than today's timeout would now be a timeout: ask again.
        if hit is not None and (hit.e2e_ms or 0.0) <= timeout_s * 1000:
            self.hits += 1
            return hit
        self.misses += 1
        observation = await observe(
            target,
            request,
            case_id=case_id,
            sample=sample,
            t_sched_ns=t_sched_ns,
            timeout_s=timeout_s,
            max_output_chars=max_output_chars,
        )
        self.put(key, observation)
        return observation
