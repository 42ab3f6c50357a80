"""Synthetic large runs written through the real ``StoreRecorder`` (the store API), for the
tests of bounded pages and streamed comparisons and for ``benchmarks/large_run.py``.

Case ``i`` of ``cases`` runs ``samples`` times. Its outcome is a fixed function of ``i``,
the sample and ``shift`` (so a head run can differ from its base): every 10th case fails its
first sample (a silent ``wrong_answer``), every 25th fails them all, every 50th times out
(visible), every 30th leaks PII (silent). Outputs are ~300 characters, as a short real
reply would be.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from golive.events import CaseFinished, ObservationRecorded, RunFinished, RunStarted
from golive.reports.summary import build_summary
from golive.schemas import (
    Case,
    CaseResult,
    FailureMode,
    Finding,
    GateResult,
    Message,
    Metric,
    Observation,
    ObservationError,
    Request,
    RunResult,
    Score,
    ScoredObservation,
    Usage,
    Verdict,
)
from golive.store import StoreRecorder, open_store

T0 = 1_000_000_000_000  # a perf_counter_ns reading
_CAPABILITIES = ("billing", "account", "shipping")
_OUTPUT = (
    "Refunds are accepted within 30 days of delivery for unused items in their original "
    "packaging. Start a return from your order page; the label is free and the refund is "
    "issued to the original payment method within five business days of our receiving it. "
)


def case_id(i: int) -> str:
    return f"case-{i:05d}"


def _fails(i: int, sample: int, shift: int) -> FailureMode | None:
    k = i + shift
    if k % 50 == 0:
        return FailureMode.TIMEOUT
    if k % 30 == 0:
        return FailureMode.PII_LEAK
    if k % 25 == 0 or (k % 10 == 0 and sample == 0):
        return FailureMode.WRONG_ANSWER
    return None


def _scored(case: Case, i: int, sample: int, shift: int) -> ScoredObservation:
    mode = _fails(i, sample, shift)
    send = T0 + (i * 8 + sample) * 1_000_000
    ttft = 80_000_000 + ((i * 7919 + sample * 104_729 + shift) % 97) * 1_000_000
    error = None
    findings: tuple[Finding, ...] = ()
    chunks: tuple[int, ...] = (send + ttft, send + ttft + 20_000_000, send + ttft + 41_000_000)
    if mode is FailureMode.TIMEOUT:
        error = ObservationError(mode, "no byte within 30 s")
        chunks = ()
        findings = (Finding(mode, "visible", error.message),)
    elif mode is not None:
        findings = (Finding(mode, "silent", f"{mode.value} in sample {sample}"),)
    observation = Observation(
        case_id=case.id,
        sample=sample,
        request=Request(messages=(Message(role="system", content="Be brief."), *case.messages())),
        output="" if error else _OUTPUT + f"(case {i}, sample {sample})",
        t_sched_ns=send - 1_000_000,
        t_send_ns=send,
        chunk_times_ns=chunks,
        t_end_ns=send + ttft + 42_000_000,
        finish_reason=None if error else "stop",
        usage=None if error else Usage(prompt_tokens=31, completion_tokens=64),
        error=error,
    )
    passed = mode is None
    scores = (Score("contains", 1.0 if passed else 0.0, passed, "looked for '30 days'"),)
    return ScoredObservation(observation, scores, findings)


def record_large_run(
    url: str,
    run_id: str,
    cases: int,
    samples: int = 3,
    *,
    shift: int = 0,
    started: datetime | None = None,
) -> None:
    """Write a finished run of ``cases`` × ``samples`` into the store at ``url``."""
    store = open_store(url)
    recorder = StoreRecorder(store, git=False, batch_max=2000)
    try:
        suite = tuple(
            Case(
                id=case_id(i),
                input=f"What is the refund window for order {i}? I bought it last week.",
                reference="30 days",
                capability=_CAPABILITIES[i % len(_CAPABILITIES)],
            )
            for i in range(cases)
        )
        recorder(
            RunStarted(
                run_id=run_id,
                total_requests=cases * samples,
                cases=suite,
                config={"samples": samples},
                target={"kind": "openai", "url": "http://127.0.0.1:9/v1", "model": "demo"},
            )
        )
        results = []
        for i, case in enumerate(suite):
            scored = tuple(_scored(case, i, s, shift) for s in range(samples))
            for one in scored:
                recorder(ObservationRecorded(run_id, case, one))
            result = CaseResult(case=case, samples=scored)
            recorder(CaseFinished(run_id=run_id, result=result))
            results.append(result)
        passed = sum(r.passed for r in results)
        rate = passed / cases if cases else 0.0
        gate = GateResult("quality", "quality.pass_rate", ">=", 0.5, rate, None, rate >= 0.5)
        now = started or datetime.now(UTC)
        result_all = RunResult(
            run_id=run_id,
            status="finished",
            started_at=now,
            finished_at=now + timedelta(minutes=5),
            target={"kind": "openai", "url": "http://127.0.0.1:9/v1", "model": "demo"},
            config={"samples": samples},
            cases=tuple(results),
            metrics={"quality.pass_rate": Metric("quality.pass_rate", rate, None, cases)},
            verdict=Verdict(go=rate >= 0.5, gates=(gate,)),
        )
        recorder(RunFinished(result_all))
        recorder.set_summary(build_summary(result_all))
    finally:
        recorder.close(timeout=600)
        store.dispose()
