"""One load test end to end: prompts → cold start → levels (fixed profile or sweep) → metrics,
capacity at the SLO, cliff, abandonment → ``LoadResult``; and its metrics for the gates.

Gate metric names (one per level, ``@c=N`` closed loop, ``@r=X`` open loop):
``load.ttft_p95_ms@c=50`` (queue-inclusive TTFT, c_1 − t_sched), ``load.ttft_send_p95_ms@c=50``,
``load.e2e_p99_ms@r=10`` (queue-inclusive), ``load.e2e_send_p99_ms@…``, ``load.tpot_p50_ms@…``,
``load.itl_p99_ms@…``, ``load.goodput_rps@c=8``, ``load.rps@…``, ``load.output_tps@…``,
``load.error_rate@…``, ``load.slo_met@…`` (1 or 0, on the point estimates; an SLO on a
percentile is also gated on its 95% interval, ``load.ttft_p95_ms@c=8.ci_high <= 500``),
``load.valid@…`` (1 or 0),
``load.abandonment@…``, ``load.quality_pass_rate@…`` (sampled replies scored like the suite,
Wilson CI), ``load.quality_truncated_share@…``; and ``load.capacity_at_slo``, ``load.cliff``,
``load.cold_start_ms``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from golive import _interrupt
from golive._files import read_user_lines
from golive.errors import ConfigError
from golive.events import EventBus, LevelFinished, LevelStarted, LoadNote
from golive.load.abandonment import AbandonmentCurve, abandonment_summary
from golive.load.analysis import capacity_at_slo, find_cliff, slo_status
from golive.load.engine import run_level
from golive.load.metrics import STATS, level_metrics
from golive.load.multiproc import WorkerOptions, run_level_spread, spread_spec
from golive.load.profiles import LevelOptions, build_profile
from golive.load.quality import QualityScoring, quality_metrics
from golive.load.spec import SHORT_LATENCIES, LoadSpec
from golive.registry import ComponentArgs, registry
from golive.schemas import (
    LevelPlan,
    LevelResult,
    LoadResult,
    Message,
    Metric,
    Request,
    TokenSource,
)
from golive.targets.base import Target, in_own_process

__all__ = [
    "DEFAULT_PROMPTS",
    "LoadOutcome",
    "load_metrics",
    "load_prompts",
    "run_load",
    "slo_gates",
]

DEFAULT_PROMPTS = (
    "Explain in two sentences what a refund window is.",
    "Write a short haiku about latency.",
    "How do I reset my password?",
    "Summarise the benefits of streaming responses.",
)


@dataclass(frozen=True)
class LoadOutcome:
    load: LoadResult
    status: str  # "finished" | "interrupted"
    notes: tuple[str, ...] = ()
    sweep_stopped: str | None = None


def _requests(
    texts: Sequence[str] | Sequence[tuple[Message, ...]], max_tokens: int | None
) -> list[Request]:
    out = []
    for item in texts:
        messages = (Message(role="user", content=item),) if isinstance(item, str) else item
        out.append(Request(messages=messages, max_tokens=max_tokens))
    return out


def load_prompts(
    spec: LoadSpec, *, suite_messages: Sequence[tuple[Message, ...]] | None = None
) -> list[Request]:
    """The prompts: ``spec.prompts`` (a suite file, or a text file with one per line), else the
    suite's inputs, else a few built-in ones."""
    path = spec.prompts
    field = "load.prompts"
    if path is not None:
        if path.suffix in (".jsonl", ".yaml", ".yml", ".json"):
            from golive.suite import load_suite

            cases = load_suite(path).cases
            return _requests([c.messages() for c in cases], spec.max_tokens)
        texts = [ln.strip() for ln in read_user_lines(path, what="prompts file", field=field)]
        texts = [ln for ln in texts if ln]
        if not texts:
            raise ConfigError(f"{str(path)!r} holds no prompts", field="load.prompts")
        return _requests(texts, spec.max_tokens)
    if suite_messages:
        return _requests(list(suite_messages), spec.max_tokens)
    return _requests(list(DEFAULT_PROMPTS), spec.max_tokens)


def _build(target_args: ComponentArgs) -> Target:
    built: Target = registry.build("target", target_args)
    return built


async def _first_token_ms(target_args: ComponentArgs, request: Request, timeout_s: float) -> float:
    """Launch → first token of a fresh in-process target (the demo's own cold start)."""
    from golive.execution.observe import observe

    t0 = time.perf_counter_ns()
    target = _build(target_args)
    await target.start()
    try:
        obs = await observe(
            target,
            request,
            case_id="cold_start",
            sample=0,
            t_sched_ns=t0,
            timeout_s=timeout_s,
            max_output_chars=100_000,
        )
    finally:
        await target.close()
    if not obs.chunk_times_ns:
        why = obs.error.message if obs.error else "no content"
        raise RuntimeError(f"no first token: {why}")
    return (obs.chunk_times_ns[0] - t0) / 1e6


async def _cold_start(
    spec: LoadSpec, target_args: ComponentArgs, request: Request
) -> tuple[float | None, str | None]:
    cs = spec.cold_start
    if cs is None:
        return None, None
    if cs.start is None and cs.url is None and target_args.kind == "demo":
        try:
            return await _first_token_ms(target_args, request, cs.ready_timeout_s), None
        except RuntimeError as exc:
            return None, f"cold start: {exc}"
    from golive.load.coldstart import ColdStartArgs, measure_cold_start

    model = cs.model or getattr(target_args, "model", None)
    url = cs.url or (None if cs.start else getattr(target_args, "url", None))
    if model is None or (cs.start is None and url is None):
        raise ConfigError("needs a start command (or a url) and a model", field="load.cold_start")
    args = ColdStartArgs(
        start=cs.start,
        url=url,
        model=model,
        ready_timeout_s=cs.ready_timeout_s,
        idle_probe_s=cs.idle_probe_s,
        max_tokens=spec.max_tokens or 4,
    )
    result = await measure_cold_start(args)
    error = getattr(result, "error", None)
    return result.cold_start_ms, (f"cold start: {error}" if error else None)


async def _wait_ready(target: Target, request: Request, timeout_s: float) -> str | None:
    """One unrecorded request before the first level, so a loading model is not measured as
    the first level's latency; a note when it failed."""
    from golive.execution.observe import observe

    obs = await observe(
        target,
        request,
        case_id="ready",
        sample=0,
        t_sched_ns=time.perf_counter_ns(),
        timeout_s=timeout_s,
        max_output_chars=100_000,
    )
    if obs.chunk_times_ns:
        return None
    why = obs.error.message if obs.error else "no content"
    return f"the readiness request before the first level failed ({why})"


def _token_source(levels: Sequence[LevelResult]) -> TokenSource:
    sources = {r.token_source for lv in levels for r in lv.records if not r.warmup}
    if "usage" in sources:
        return "usage"
    return "tokenizer" if "tokenizer" in sources else "none"


async def run_load(
    spec: LoadSpec,
    target_args: ComponentArgs,
    *,
    prompts: Sequence[Request] | None = None,
    bus: EventBus | None = None,
    quality: QualityScoring | None = None,
) -> LoadOutcome:
    """Run ``spec`` against a fresh instance of ``target_args``; returns even when interrupted
    (Ctrl-C, SIGTERM): finished levels are kept, the level in flight is dropped. A target that
    starts its server itself (the demo: ``targets.base.OwnProcess``) runs it in its own process,
    so the client measures the server, not itself serving it.
    ``bus``: where ``LevelStarted``, ``LevelFinished`` and ``LoadNote`` are published.
    ``quality``: score each level's sampled replies (quality under load)."""
    target_args = in_own_process(target_args)
    bus = bus or EventBus()
    notes: list[str] = []

    def note(text: str) -> None:
        notes.append(text)
        bus.emit(LoadNote(text))

    profile: Any = build_profile(_profile_spec(spec))
    prompts = list(profile.prompts() or prompts or load_prompts(spec))
    slo = dict(spec.slo)
    options = LevelOptions(
        warmup_s=spec.warmup,
        max_concurrency=spec.max_concurrency,
        max_requests=spec.requests,
        request_timeout_s=spec.request_timeout_s,
        grace_s=spec.grace_s,
    )
    levels: list[LevelResult] = []
    status = "finished"
    stopped: str | None = None
    cold_ms: float | None = None

    async def one(plan: LevelPlan) -> LevelResult:
        bus.emit(LevelStarted(plan))
        if spec.processes > 1:  # one level over several client processes (load.multiproc)
            spread = spread_spec(target_args, target)
            level = await run_level_spread(
                spread,
                plan,
                prompts,
                spec.processes,
                options=WorkerOptions(
                    max_lag_ms=spec.client.max_lag_ms, max_cpu_pct=spec.client.max_cpu_pct
                ),
            )
        else:
            level = await run_level(
                target,
                plan,
                prompts,
                max_lag_ms=spec.client.max_lag_ms,
                max_cpu_pct=spec.client.max_cpu_pct,
            )
        level = replace(level, metrics=level_metrics(level, slo))
        if quality is not None:  # scored between levels: never competes with the clock
            level = replace(level, quality=await quality.score(level, prompts))
        levels.append(level)
        bus.emit(LevelFinished(level))
        _interrupt.pause_at("load")  # test seam: a level is done, the next one comes
        return level

    async def measure() -> None:
        nonlocal cold_ms, stopped
        cold_ms, problem = await _cold_start(spec, target_args, prompts[0])
        if problem:
            note(problem)
        await target.start()
        try:
            # A model the server does not serve is a config error (exit 4) before any
            # level; an unreachable target is a note, and each request records its failure.
            problem = await target.validate()
            if problem:
                note(problem)
            problem = await _wait_ready(target, prompts[0], spec.request_timeout_s)
            if problem:
                note(problem)
            if spec.is_sweep:
                result = await profile.run(one, seed=spec.seed, options=options)
                stopped = result.stopped
                if result.client_limited:
                    note(f"sweep: {stopped}")
            else:
                for plan in profile.plans(spec.duration, spec.seed, options):
                    await one(plan)
        finally:
            await target.close()

    target = _build(target_args)
    if await _interrupt.cancel_on_signal(measure()):  # Ctrl-C, SIGTERM: finished levels kept
        status = "interrupted"
    return LoadOutcome(_result(levels, spec, cold_ms), status, tuple(notes), stopped)


def _profile_spec(spec: LoadSpec) -> dict[str, Any]:
    profile = dict(spec.profile)
    if profile.get("kind") == "sweep":
        # The sweep's own SLO and level duration default to the load section's.
        profile.setdefault("slo", dict(spec.slo))
        profile.setdefault("duration_s", spec.duration)
        profile.setdefault("max_error_rate", spec.max_error_rate)
    return profile


def _result(levels: Sequence[LevelResult], spec: LoadSpec, cold_ms: float | None) -> LoadResult:
    done = tuple(levels)
    capacity = (
        capacity_at_slo(done, spec.slo, max_error_rate=spec.max_error_rate) if spec.slo else None
    )
    curve = AbandonmentCurve(
        points=tuple((float(t), float(p)) for t, p in spec.abandonment.points),
        tail_per_s=spec.abandonment.tail_per_s,
    )
    return LoadResult(
        levels=done,
        slo=dict(spec.slo),
        capacity_at_slo=capacity,
        cliff=find_cliff(done) if done else None,
        cold_start_ms=cold_ms,
        abandonment=abandonment_summary(done, capacity=capacity, curve=curve),
        token_source=_token_source(done),
    )


def load_metrics(load: LoadResult, *, max_error_rate: float = 0.01) -> dict[str, Metric]:
    """Every gate-able load metric by name (see the module docstring)."""
    out: dict[str, Metric] = {}

    def add(name: str, value: float, n: int | None = None, ci: Any = None) -> None:
        out[name] = Metric(name, value, ci, n)

    for level in load.levels:
        key = level.key
        metrics = level.metrics or level_metrics(level, load.slo)
        for short, full in SHORT_LATENCIES.items():
            for stat in STATS:
                m = metrics.get(f"{full}.{stat}")
                if m is not None:
                    add(f"load.{short}_{stat}_ms@{key}", m.value, m.n, m.ci)
        for name in ("goodput_rps", "goodput_ratio", "rps", "output_tps", "error_rate", "requests"):
            m = metrics.get(name)
            if m is not None:
                add(f"load.{name}@{key}", m.value, m.n, m.ci)
        n = int(metrics["requests"].value) if "requests" in metrics else None
        # Validity is its own metric (load.valid@…): an invalid level's SLO verdict stands, and
        # the terminal and JSON say the client was the bottleneck.
        # On the point estimates; whether their intervals settle it is slo_gates' ci_high gates.
        met = slo_status(level, load.slo, max_error_rate=max_error_rate) != "missed"
        add(f"load.slo_met@{key}", 1.0 if met else 0.0, n)
        add(f"load.valid@{key}", 1.0 if level.health.valid else 0.0, n)
        add(f"load.client_lag_ms_p99@{key}", level.health.lag_ms_p99, n)
        add(f"load.client_cpu_pct@{key}", level.health.cpu_pct, n)
    for key, share in load.abandonment.items():
        name = "load.abandonment.at_capacity" if key == "at_capacity" else f"load.abandonment@{key}"
        add(name, share)
    out.update(quality_metrics(load))
    if load.capacity_at_slo is not None:
        add("load.capacity_at_slo", load.capacity_at_slo)
    if load.cliff is not None:
        add("load.cliff", load.cliff)
    if load.cold_start_ms is not None:
        add("load.cold_start_ms", load.cold_start_ms)
    return out


def slo_gates(load: LoadResult, spec: LoadSpec) -> list[str]:
    """The gates an SLO implies: every fixed level meets it; a sweep finds a capacity.

    Without an SLO a load test still judges errors: every fixed level (a sweep: its first
    level, the lightest) fails no more than ``max_error_rate`` of its requests. A dead
    endpoint is never GO.
    """
    if not spec.slo:
        levels = load.levels[:1] if spec.is_sweep else load.levels
        ceiling = format(spec.max_error_rate, "f").rstrip("0").rstrip(".") or "0"
        return [f"load.error_rate@{level.key} <= {ceiling}" for level in levels]
    if spec.is_sweep:
        start = float(spec.profile.get("start", 1.0))
        return [f"load.capacity_at_slo >= {start:g}"]
    short = {full: name for name, full in SHORT_LATENCIES.items()}
    gates = []
    for level in load.levels:
        key = level.key
        gates.append(f"load.slo_met@{key} >= 1")
        # A percentile SLO is met only when its 95% interval is within the bound: a level too
        # small to say is inconclusive (the gate names the interval and the n), not passed.
        for name, bound in load.slo.items():
            family, _, stat = name.partition(".")
            if family in short and stat in ("p50", "p90", "p95", "p99"):
                limit = format(bound, "f").rstrip("0").rstrip(".")  # gates read no exponent
                gates.append(f"load.{short[family]}_{stat}_ms@{key}.ci_high <= {limit}")
    return gates
