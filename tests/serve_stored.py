"""A small run history for the dashboard tests, written through the real ``StoreRecorder``.

Three runs of the same six cases × 8 samples: ``run-base`` (main, all pass), ``run-head``
(main, cases 0–2 fail every sample: a planted regression; case 0 replies with hostile HTML)
and ``run-feature`` (another branch, case 0 fails half its samples).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from golive.reports.summary import build_summary
from golive.store import StoreRecorder, open_store
from golive.store.models import RunRecord
from store_fixtures import case_finished, make_case, observation_recorded, run_finished, run_started

SCRIPT = "<script>window.__pwned = 1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
HOSTILE = f"Sure! {SCRIPT} {IMG} </pre></td></table><b>bold?</b>"
CASES = 6
SAMPLES = 8
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# run id -> (branch, commit, failing samples per case index)
RUNS: dict[str, tuple[str, str, dict[int, int]]] = {
    "run-base": ("main", "a" * 40, {}),
    "run-head": ("main", "b" * 40, {0: SAMPLES, 1: SAMPLES, 2: SAMPLES}),
    "run-feature": ("feature/<x>", "c" * 40, {0: SAMPLES // 2}),
}


def record_history(url: str) -> None:
    """Write the three runs into the store at ``url``."""
    store = open_store(url)
    try:
        recorder = StoreRecorder(store, git=False)
        cases = tuple(
            make_case(i, capability="billing" if i % 2 else "account") for i in range(CASES)
        )
        for run_id, (_branch, _commit, failing) in RUNS.items():
            recorder(run_started(run_id, cases, samples=SAMPLES))
            results = []
            for i, case in enumerate(cases):
                scored = []
                for sample in range(SAMPLES):
                    fails = sample < failing.get(i, 0)
                    kwargs = {"output": HOSTILE} if fails and i == 0 else {}
                    event = observation_recorded(run_id, case, sample, passed=not fails, **kwargs)
                    recorder(event)
                    scored.append(event.scored)
                finished = case_finished(run_id, case, tuple(scored))
                recorder(finished)
                results.append(finished.result)
            done = run_finished(run_id, tuple(results), go=not failing)
            recorder(done)
            recorder.set_summary(build_summary(done.result))
        recorder.close()
        # Fixed times and git metadata, so the order and the branch filter are known.
        with store.engine.begin() as connection:
            for k, (run_id, (branch, commit, _)) in enumerate(RUNS.items()):
                connection.execute(
                    update(RunRecord)
                    .where(RunRecord.id == run_id)
                    .values(
                        git_branch=branch,
                        git_commit=commit,
                        started_at=T0 + timedelta(hours=k),
                        finished_at=T0 + timedelta(hours=k, minutes=1),
                    )
                )
    finally:
        store.dispose()
