"""``golive compare`` streams each run once and keeps per-case summaries: its figures equal
the in-memory comparison of every observation, and its memory stays bounded."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence

from golive.compare import compare_runs, compare_stored
from golive.compare._compute import digest_stored
from golive.diversity.expand import is_variant_id
from golive.store import get_run, load_observations, open_store
from golive.store.queries import ObservationRow
from large_runs import record_large_run


def _old_tallies(rows: Sequence[ObservationRow]) -> dict[str, tuple[int, int, str | None]]:
    """What the comparison read from every observation in memory before it streamed."""
    passed: dict[str, int] = {}
    n: dict[str, int] = {}
    capability: dict[str, str | None] = {}
    for o in rows:
        passed[o.case_id] = passed.get(o.case_id, 0) + int(o.passed)
        n[o.case_id] = n.get(o.case_id, 0) + 1
        capability.setdefault(o.case_id, o.capability)
    return {k: (passed[k], n[k], capability[k]) for k in n}


def _old_latency(rows: Sequence[ObservationRow], field: str) -> list[float]:
    picked = (
        getattr(o, field)
        for o in rows
        if o.error_mode is None
        and not o.cached
        and o.chunk_times_us
        and not is_variant_id(o.case_id)
    )
    return [float(v) for v in picked if v is not None]


def test_streamed_digest_and_comparison_equal_the_in_memory_ones(store_url: str) -> None:
    record_large_run(store_url, "base", 300, 3)
    record_large_run(store_url, "head", 300, 3, shift=3)
    store = open_store(store_url)
    try:
        for run_id in ("base", "head"):
            rows = load_observations(store, run_id)
            streamed = digest_stored(store, run_id)
            tallies = {k: (t.passed, t.n, t.capability) for k, t in streamed.tallies.items()}
            assert tallies == _old_tallies(rows)
            for field in ("ttft_ms", "e2e_ms"):
                assert streamed.latency[field] == _old_latency(rows, field)
                assert len(streamed.latency[field]) > 800
        base, head = get_run(store, "base"), get_run(store, "head")
        in_memory = compare_runs(
            base, head, load_observations(store, "base"), load_observations(store, "head")
        )
        streamed_cmp = compare_stored(store, "base", "head")
    finally:
        store.dispose()
    assert streamed_cmp.to_json() == in_memory.to_json()
    data = streamed_cmp.to_json()
    assert data["dropped"] and data["flaky"]  # the shift moves which cases fail
    assert {m["name"] for m in data["metrics"]} >= {"quality.pass_rate", "latency.ttft_ms.p95"}


def test_comparing_large_runs_keeps_memory_bounded(tmp_path: object) -> None:
    """3,000 cases × 3 samples per run: the in-memory comparison peaked at 327 MiB (every
    observation of both runs, and bootstrap matrices of resamples × values); streamed, 44."""
    url = f"sqlite:///{tmp_path}/golive.db"
    record_large_run(url, "base", 3000, 3)
    record_large_run(url, "head", 3000, 3, shift=3)
    store = open_store(url)
    try:
        tracemalloc.start()
        try:
            comparison = compare_stored(store, "base", "head")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        store.dispose()
    assert len(comparison.cases) == 3000
    assert peak < 120 * 2**20, f"peak {peak / 2**20:.0f} MiB"
