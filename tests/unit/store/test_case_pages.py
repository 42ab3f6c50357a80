"""A run's cases a page at a time (``golive.store.case_pages``), on SQLite and PostgreSQL:
every page, filter and count agrees with the run rebuilt in memory (the report's own view)."""

from __future__ import annotations

from collections import Counter

import pytest

from golive.reports._cases import case_view
from golive.store import open_store
from golive.store.case_pages import PAGE_MAX, case_page, run_counts
from golive.store.rebuild import rebuild_result
from large_runs import record_large_run
from store_fixtures import case_finished, make_case, observation_recorded, run_started

CASES = 150


def _expected(url: str, run_id: str) -> list[tuple[str, bool, int, int, tuple[str, ...]]]:
    """(id, passed, passed samples, samples, modes) per case, from the rebuilt run, in the
    pages' order: failing first, fewest samples passed first, then by id."""
    views = [case_view(c) for c in rebuild_result(url, run_id).cases]
    rows = [
        (
            v.result.case.id,
            v.passed,
            sum(s.passed for s in v.result.samples),
            len(v.result.samples),
            v.modes,
        )
        for v in views
    ]
    return sorted(rows, key=lambda r: (r[1], r[2] / r[3] if r[3] else 1.0, r[0]))


def test_pages_filters_and_counts_match_the_rebuilt_run(store_url: str) -> None:
    record_large_run(store_url, "big", CASES, 3)
    expected = _expected(store_url, "big")
    store = open_store(store_url)
    try:
        got = []
        offset = 0
        while True:  # walk every page of 40
            page = case_page(store, "big", offset=offset, limit=40)
            assert page.total == CASES and len(page.cases) <= 40
            got += [(c.case_id, c.passed, c.passed_samples, c.samples, c.modes) for c in page.cases]
            if not page.has_next:
                break
            offset += 40
        assert got == expected

        failing = case_page(store, "big", failing=True, limit=PAGE_MAX)
        assert [c.case_id for c in failing.cases] == [r[0] for r in expected if not r[1]]
        assert failing.total == len(failing.cases) > 0

        per_mode = Counter(m for r in expected for m in r[4])
        assert set(per_mode) == {"timeout", "pii_leak", "wrong_answer"}
        for mode, n in per_mode.items():
            page = case_page(store, "big", mode=mode, limit=PAGE_MAX)
            assert page.total == n
            assert [c.case_id for c in page.cases] == [r[0] for r in expected if mode in r[4]]

        counts = run_counts(store, "big")
        assert counts.cases == CASES
        assert counts.failing == sum(not r[1] for r in expected)
        assert counts.samples == CASES * 3
        assert counts.passed_samples == sum(r[2] for r in expected)
        assert counts.modes == dict(per_mode)
        assert list(counts.modes.values()) == sorted(counts.modes.values(), reverse=True)
    finally:
        store.dispose()


def test_unfinished_case_is_listed_and_judged_by_its_samples(store_url: str) -> None:
    """A killed run leaves a case with observations and no case result: it is still listed."""
    from golive.store import StoreRecorder

    cases = (make_case(0), make_case(1))
    store = open_store(store_url)
    recorder = StoreRecorder(store, git=False)
    try:
        recorder(run_started("killed", cases, samples=2))
        scored = []
        for sample in range(2):
            event = observation_recorded("killed", cases[0], sample, passed=sample == 0)
            recorder(event)
            scored.append(event.scored)
        recorder(case_finished("killed", cases[0], tuple(scored)))
        recorder(observation_recorded("killed", cases[1], 0))  # case 1: never finished
        recorder.flush()
        page = case_page(store, "killed")
        assert [(c.case_id, c.passed, c.finished) for c in page.cases] == [
            ("case-000", False, True),
            ("case-001", True, False),
        ]
        assert page.cases[0].modes == ("wrong_answer",)
        assert page.cases[0].excerpt == "Refunds are accepted within 30 days."
    finally:
        recorder.close()
        store.dispose()


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (PAGE_MAX + 1, 0), (10, -1)])
def test_a_page_out_of_range_is_refused(tmp_path: object, limit: int, offset: int) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    try:
        with pytest.raises(ValueError, match=r"^(limit|offset) must"):
            case_page(store, "any", limit=limit, offset=offset)
    finally:
        store.dispose()
