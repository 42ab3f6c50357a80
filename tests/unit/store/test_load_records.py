"""Per-request load records in the store: migration 0002, batched inserts, read back."""

from __future__ import annotations

from golive.schemas import ClientHealth, FailureMode, LevelResult, LoadResult, RequestRecord
from golive.store import open_store
from golive.store.load_records import read_load_requests, record_load
from golive.store.queries import get_run

MS = 1_000_000
T0 = 5_000 * MS


def _load(n: int) -> LoadResult:
    health = ClientHealth(0.5, 1.0, 30.0, True)
    levels = []
    for index, concurrency in enumerate((1, 4)):
        records = []
        for i in range(n):
            t = T0 + (index * n + i) * 10 * MS
            error = FailureMode.HTTP_ERROR if i == n - 1 else None
            chunks = () if error else (t + 2 * MS + 40 * MS, t + 2 * MS + 55 * MS)
            records.append(
                RequestRecord(
                    level=index,
                    t_sched_ns=t,
                    t_send_ns=t + 2 * MS,
                    chunk_times_ns=chunks,
                    t_end_ns=t + 60 * MS,
                    output_tokens=None if error else 7,
                    token_source="none" if error else "tokenizer",
                    error=error,
                    warmup=i == 0,
                    prompt_index=i % 3,
                )
            )
        levels.append(LevelResult(index, concurrency, None, "closed", 1.0, tuple(records), health))
    return LoadResult(levels=tuple(levels), slo={})


def test_records_are_written_in_batches_and_read_back(store_url: str) -> None:
    load = _load(25)
    with open_store(store_url) as store:
        written = record_load(store, "load-run-1", load, batch_rows=7, run_values={"verdict": "go"})
        rows = read_load_requests(store, "load-run-1")
        run = get_run(store, "load-run-1")
    assert written == len(rows) == 50
    assert run is not None and run.kind == "load" and run.verdict == "go"
    first, second = rows[0], rows[1]
    assert (first["level"], first["seq"], first["concurrency"], first["warmup"]) == (0, 0, 1, True)
    assert first["t_sched_us"] == 0 and first["t_send_us"] == 2_000
    assert abs(first["ttft_ms"] - 40.0) < 1e-9 and abs(first["ttft_from_schedule_ms"] - 42.0) < 1e-9
    assert first["chunks"] == 2 and first["output_tokens"] == 7
    assert first["token_source"] == "tokenizer" and first["error_mode"] is None
    assert second["t_sched_us"] == 10_000 and second["warmup"] is False
    failed = rows[24]
    assert failed["error_mode"] == "http_error" and failed["ttft_ms"] is None
    assert failed["chunks"] == 0 and failed["token_source"] == "none"
    assert rows[25]["level"] == 1 and rows[25]["concurrency"] == 4


def test_records_attach_to_an_existing_run(store_url: str) -> None:
    from golive.store import StoreRecorder
    from store_fixtures import record_run

    with open_store(store_url) as store:
        recorder = StoreRecorder(store, git=False)
        record_run(recorder, "eval-run-1", n_cases=1, samples=1)
        recorder.close()
        record_load(store, "eval-run-1", _load(3))
        run = get_run(store, "eval-run-1")
        assert run is not None and run.kind == "eval"  # the eval run keeps its row
        assert len(read_load_requests(store, "eval-run-1")) == 6
