"""A comparison read back from the store leaves samples replayed from the response cache out of
its latency metrics: their times are those of the call they replay, not of the run."""

from __future__ import annotations

from dataclasses import replace

from golive.compare import compare_runs, compare_stored
from golive.events import ObservationRecorded
from golive.schemas import ScoredObservation
from golive.store import StoreRecorder, get_run, load_observations
from store_fixtures import case_finished, make_case, make_scored, run_finished, run_started

CASES = 10
SAMPLES = 4
MS = 1_000_000


def _replayed(scored: ScoredObservation) -> ScoredObservation:
    """A cache hit: the reply of an older, much slower call (900 ms to the first token)."""
    obs = scored.observation
    chunks = tuple(obs.t_send_ns + 900 * MS + k * 15 * MS for k in range(3))
    slow = replace(obs, chunk_times_ns=chunks, t_end_ns=chunks[-1] + MS, cached=True)
    return replace(scored, observation=slow)


def _record(url: str, run_id: str, *, cache_hits: bool) -> None:
    cases = tuple(make_case(i) for i in range(CASES))
    with StoreRecorder(url, git=False) as recorder:
        recorder(run_started(run_id, cases, samples=SAMPLES))
        results = []
        for case in cases:
            scored = []
            for sample in range(SAMPLES):
                s = make_scored(case, sample)
                if cache_hits and sample >= 2:
                    s = _replayed(s)
                recorder(ObservationRecorded(run_id, case, s))
                scored.append(s)
            finished = case_finished(run_id, case, tuple(scored))
            recorder(finished)
            results.append(finished.result)
        recorder(run_finished(run_id, tuple(results)))


def test_cached_samples_leave_the_latency_comparison(store_url: str) -> None:
    _record(store_url, "run-base", cache_hits=False)
    _record(store_url, "run-head", cache_hits=True)

    c = compare_stored(store_url, "run-base", "run-head")
    for name in ("latency.ttft_ms.p50", "latency.ttft_ms.p95", "latency.e2e_ms.p95"):
        change = c.metric(name)
        assert change is not None and change.status == "unchanged", change
        assert change.delta == 0.0
    p95 = c.metric("latency.ttft_ms.p95")
    assert p95 is not None and p95.head == 120.0

    # The same rows with the flag dropped: the replayed times would read as a regression.
    base, head = get_run(store_url, "run-base"), get_run(store_url, "run-head")
    rows = load_observations(store_url, "run-head")
    assert sum(r.cached for r in rows) == CASES * 2
    measured_as_if_live = [replace(r, cached=False) for r in rows]
    naive = compare_runs(base, head, load_observations(store_url, "run-base"), measured_as_if_live)
    naive_p95 = naive.metric("latency.ttft_ms.p95")
    assert naive_p95 is not None and naive_p95.status == "regression"
