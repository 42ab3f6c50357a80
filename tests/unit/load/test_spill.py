"""Load records on disk (load.spill): they read back exactly as written, pickle across
processes by handing the file over, and their file goes when they do."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from array import array
from pathlib import Path

import pytest

from golive.load import metrics as lm
from golive.load.metrics import level_metrics
from golive.load.spill import Overflow, SpillRecords, SpillWriter, spill, sweep_stale
from golive.schemas import ClientHealth, FailureMode, LevelResult, RequestRecord
from spill_helpers import records, send_spilled


def rec(i: int, **kw: object) -> RequestRecord:
    base = 1_000_000_000 * i
    fields: dict[str, object] = {
        "level": 2,
        "t_sched_ns": base,
        "t_send_ns": base + 1_000 * i,
        "chunk_times_ns": array(
            "q", (base + 5_000_000 + k * 700_000 * (1 + i % 3) for k in range(i % 7))
        ),
        "t_end_ns": base + 90_000_000,
        "output_tokens": i % 7 if i % 5 else None,
        "token_source": ("usage", "tokenizer", "none")[i % 3],
        "error": None,
        "warmup": False,
        "prompt_index": i,
    }
    fields.update(kw)
    return RequestRecord(**fields)  # type: ignore[arg-type]


def sample() -> list[RequestRecord]:
    out = [rec(i) for i in range(1, 40)]
    out[0] = rec(1, warmup=True, chunk_times_ns=array("q"))
    out[3] = rec(4, error=FailureMode.TIMEOUT, output_tokens=None, token_source="none")
    out[5] = rec(6, error=FailureMode.OVERSIZED, chunk_times_ns=array("q", [7, 8]))
    out[7] = rec(8, prompt_index=2**31 - 1, t_sched_ns=-5, output_tokens=0)
    out.append(rec(41, chunk_times_ns=array("q", range(10, 50_000, 3))))  # past a read block
    return out


def test_records_read_back_exactly_as_written() -> None:
    records = sample()
    back = spill(records)
    assert len(back) == len(records)
    assert list(back) == records
    assert back == records and records == back  # either side of ==
    assert back == tuple(records)
    assert back != records[:-1]
    assert back[0] == records[0] and back[-1] == records[-1] and back[5] == records[5]
    assert back[2:9:3] == tuple(records[2:9:3])
    assert back[3].error is FailureMode.TIMEOUT and back[3].output_tokens is None
    assert back[0].warmup and back[0].ttft_ns is None
    assert isinstance(back[4].chunk_times_ns, array)
    with pytest.raises(IndexError):
        back[len(records)]
    assert list(back) == list(back)  # iteration restarts
    assert list(spill([])) == []


def test_reply_text_and_finish_reason_ride_along_until_dropped() -> None:
    writer = SpillWriter()
    texts = ["héllo wörld ✓", "", "lone \ud800 surrogate", "x" * 3_000_000]
    for i, text in enumerate(texts):
        writer.add(rec(i + 1), text, "stop" if i % 2 else None)
    written = writer.records()
    assert [(r, t, f) for r, t, f in written.replies()] == [
        (rec(i + 1), text, "stop" if i % 2 else None) for i, text in enumerate(texts)
    ]
    with written.reader() as read:
        assert read(3)[1] == texts[3]
        assert read(-2) == (rec(3), texts[2], None)
    assert list(written) == [rec(i + 1) for i in range(4)]


def test_the_file_goes_on_close_on_garbage_collection_and_on_discard() -> None:
    back = spill(sample())
    folder = os.path.dirname(back.path)
    assert os.path.basename(folder).startswith("golive-load-")
    assert os.stat(folder).st_mode & 0o777 == 0o700  # private
    back.close()
    assert not os.path.exists(folder)
    with pytest.raises(ValueError, match="closed"):
        list(back)

    collected = spill(sample())
    folder = os.path.dirname(collected.path)
    del collected
    gc.collect()
    assert not os.path.exists(folder)

    writer = SpillWriter()
    writer.add(rec(1))
    folder = os.path.dirname(writer.records().path)
    writer.discard()
    assert not os.path.exists(folder)


def test_a_spill_pickled_to_another_process_is_owned_there() -> None:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=send_spilled, args=(child,))
    proc.start()
    child.close()
    got: SpillRecords = parent.recv()
    proc.join(60)
    assert proc.exitcode == 0  # the sender exited; the file lives on with its new owner
    assert list(got) == records()
    folder = os.path.dirname(got.path)
    del got
    gc.collect()
    assert not os.path.exists(folder)


def test_pickling_in_process_moves_ownership_to_the_copy() -> None:
    original = spill(sample())
    copy = pickle.loads(pickle.dumps(original))
    folder = os.path.dirname(original.path)
    del original
    gc.collect()
    assert os.path.exists(folder) and list(copy) == sample()
    del copy
    gc.collect()
    assert not os.path.exists(folder)


def level(records: object) -> LevelResult:
    health = ClientHealth(lag_ms_p99=0.0, lag_ms_max=0.0, cpu_pct=0.0, valid=True)
    return LevelResult(2, 4, None, "closed", 40.0, records, health, warmup_s=1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", [1_000_000, 10])  # exact, and past the limit (a sketch)
def test_metrics_of_a_spilled_level_equal_those_of_the_same_records_in_memory(
    monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(lm, "EXACT_LIMIT", limit)
    shapes = records()
    slo = {"ttft_ms.p95": 5.1, "itl_ms.p50": 1.0, "error_rate": 0.1}
    on_disk = level_metrics(level(spill(shapes)), slo)
    assert on_disk == level_metrics(level(tuple(shapes)), slo)
    assert on_disk["requests"].value == len(shapes) - 2  # the warm-up ones left out
    assert on_disk["errors.timeout"].value == 7
    assert on_disk["itl_ms.p50"].n > limit or limit > 100


def test_overflowed_replies_drain_back_in_order_and_their_file_goes() -> None:
    overflow = Overflow()
    assert list(overflow.drain()) == []  # nothing written: no file at all
    entries = [
        (1, 2, 3, 0, None, array("q", [10, 20]), array("q", [5, 9]), b"hello, w"),
        (4, 5, 6, 7, FailureMode.TIMEOUT, array("q"), array("q"), b""),  # no bytes at all
        (7, 8, 9, 1, None, array("q", [1]), array("q", [3 << 20]), b"x" * (3 << 20)),
    ]
    for entry in entries:
        overflow.add(*entry)
    folder = os.path.dirname(overflow._file.path)  # type: ignore[union-attr]
    assert overflow.count == 3 and os.path.exists(folder)
    assert list(overflow.drain()) == entries
    assert not os.path.exists(folder)


def test_directories_left_by_processes_that_no_longer_run_are_swept(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    dead = ctx.Process(target=os.getpid)
    dead.start()
    dead.join(60)
    assert dead.pid is not None
    left = tmp_path / f"golive-load-{dead.pid}-abc"
    left.mkdir()
    (left / "records").write_bytes(b"x")
    mine = tmp_path / f"golive-load-{os.getpid()}-def"
    mine.mkdir()
    other = tmp_path / "golive-load-notapid"
    other.mkdir()
    assert sweep_stale(str(tmp_path)) == [str(left)]
    assert not left.exists() and mine.exists() and other.exists()
