"""What a spawned process runs in tests/unit/load/test_spill.py (a test module itself cannot
be imported by a spawned child)."""

from __future__ import annotations

from array import array
from multiprocessing.connection import Connection

from golive.load.spill import spill
from golive.schemas import FailureMode, RequestRecord


def records() -> list[RequestRecord]:
    """A few records of every shape: chunks or none, errors, warm-up, tokens or none."""
    out = []
    for i in range(1, 30):
        base = 1_000_000_000 * i
        out.append(
            RequestRecord(
                level=1,
                t_sched_ns=base,
                t_send_ns=base + 1_000 * i,
                chunk_times_ns=array("q", (base + 5_000_000 + k * 700_000 for k in range(i % 7))),
                t_end_ns=base + 90_000_000,
                output_tokens=i % 7 if i % 5 else None,
                token_source=("usage", "tokenizer", "none")[i % 3],
                error=FailureMode.TIMEOUT if i % 4 == 0 else None,
                warmup=i < 3,
                prompt_index=i,
            )
        )
    return out


def send_spilled(conn: Connection) -> None:
    """Spill ``records()`` and send them: the file is handed over with the pickle."""
    conn.send(spill(records()))
    conn.close()
