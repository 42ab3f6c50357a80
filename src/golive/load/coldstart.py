"""The ``cold_start`` profile: launch the target, time launch → first token; the idle probe.

golive launches the target from a ``start:`` shell command (its own process group, the
environment passed through, stdout and stderr to a log file), then sends real streaming
requests with a short ``max_tokens`` until one yields a first token. ``cold_start_ms`` is that
first token's arrival minus the launch, both ``perf_counter_ns()``; the resolution is the poll
interval while the server refuses connections, and exact once it accepts and holds the request.
The process group is always killed at the end, whatever happened.

The idle probe, for scale-to-zero deployments: after ``idle_probe_s`` of silence, one request;
its TTFT against the warm TTFT (median of a few back-to-back requests) shows a scale-down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from golive._launch import Launched, launch
from golive.execution.observe import observe
from golive.registry import ComponentArgs, profile, registry
from golive.schemas import Message, Observation, Request
from golive.targets.base import Target

__all__ = [
    "ColdStartArgs",
    "ColdStartProfile",
    "ColdStartResult",
    "idle_probe",
    "measure_cold_start",
]


class ColdStartArgs(ComponentArgs):
    """Launch the target, time launch → first token; optionally probe again after idling."""

    kind: Literal["cold_start"] = "cold_start"
    start: str | None = Field(
        default=None,
        description="Shell command that starts the target; none: probe an already running url.",
        examples=["python -m golive mock-server --port 0 --cold-start-s 5"],
    )
    url: str | None = Field(
        default=None,
        description="OpenAI base URL (…/v1); none: the first http(s) URL the command prints.",
    )
    model: str = Field(description="Model name sent with every request.")
    env: dict[str, str] = Field(
        default_factory=dict, repr=False, description="Extra environment for the command."
    )
    ready_timeout_s: float = Field(
        default=300.0,
        gt=0,
        allow_inf_nan=False,
        description="Give up when no first token came this long after launch.",
    )
    poll_interval_s: float = Field(
        default=0.05, gt=0, description="Pause between attempts while the target refuses."
    )
    max_tokens: int = Field(default=4, ge=1, description="max_tokens of each probe request.")
    prompt: str = Field(default="Say hello.", description="The probe requests' user message.")
    warm_samples: int = Field(
        default=5, ge=1, description="Back-to-back requests whose median TTFT is the warm TTFT."
    )
    idle_probe_s: float | None = Field(
        default=None, ge=0, description="Idle this long after warm-up, then probe once."
    )
    log_path: Path | None = Field(
        default=None, description="Where the command's output goes (default: a temp file)."
    )

    @model_validator(mode="after")
    def _where(self) -> ColdStartArgs:
        if self.start is None and self.url is None:
            raise ValueError("needs a start command, a url, or both")
        return self


@dataclass(frozen=True)
class ColdStartResult:
    cold_start_ms: float | None  # launch → first token of the first answered request
    listen_ms: float | None  # launch → the URL printed (or the first request not refused)
    attempts: int
    warm_ttft_ms: float | None = None
    idle_ttft_ms: float | None = None  # after idle_probe_s of silence
    idle_s: float | None = None
    error: str | None = None  # why no figure: timeout, the command exited, …
    log_path: str | None = None
    exit_code: int | None = None  # set when the command exited on its own

    @property
    def model_load_ms(self) -> float | None:
        """Listening → first token: the part of the cold start after the process was up."""
        if self.cold_start_ms is None or self.listen_ms is None:
            return None
        return self.cold_start_ms - self.listen_ms


def _request(args: ColdStartArgs) -> Request:
    return Request(
        messages=(Message(role="user", content=args.prompt),), max_tokens=args.max_tokens
    )


async def _ask(target: Target, args: ColdStartArgs, n: int, timeout_s: float) -> Observation:
    return await observe(
        target,
        _request(args),
        case_id="cold_start",
        sample=n,
        t_sched_ns=time.perf_counter_ns(),
        timeout_s=max(timeout_s, 0.001),
        max_output_chars=100_000,
    )


async def _open_target(url: str, model: str) -> Target:
    spec = {"kind": "openai", "url": url, "model": model}
    target: Target = registry.build("target", registry.parse("target", spec, field="cold_start"))
    await target.start()
    return target


async def idle_probe(target: Target, args: ColdStartArgs, idle_s: float) -> tuple[float, float]:
    """(warm TTFT median, TTFT after ``idle_s`` of silence) in ms, against a started target.

    Raises RuntimeError when a probe request fails: the figure would be meaningless.
    """
    warm: list[float] = []
    for n in range(args.warm_samples):
        obs = await _ask(target, args, n, args.ready_timeout_s)
        if obs.ttft_ms is None:
            raise RuntimeError(f"warm request failed: {obs.error.message if obs.error else '?'}")
        warm.append(obs.ttft_ms)
    # Real idleness is the point: the deployment must see no traffic for idle_s.
    await asyncio.sleep(idle_s)
    obs = await _ask(target, args, args.warm_samples, args.ready_timeout_s)
    if obs.ttft_ms is None:
        raise RuntimeError(f"idle probe failed: {obs.error.message if obs.error else '?'}")
    return statistics.median(warm), obs.ttft_ms


async def _poll(
    target: Target, args: ColdStartArgs, launched: Launched | None, deadline_ns: int
) -> tuple[Observation | None, int, int | None, str | None]:
    """Ask until a first token: (that observation, attempts, first not-refused send, error)."""
    attempts = 0
    accepted_ns: int | None = None
    while True:
        left_s = (deadline_ns - time.perf_counter_ns()) / 1e9
        if left_s <= 0:
            return None, attempts, accepted_ns, f"no first token within {args.ready_timeout_s:g} s"
        if launched is not None and launched.proc.returncode is not None:
            return (
                None,
                attempts,
                accepted_ns,
                (f"the start command exited with code {launched.proc.returncode} before serving"),
            )
        attempts += 1
        obs = await _ask(target, args, attempts, left_s)
        if obs.chunk_times_ns:
            return obs, attempts, accepted_ns, None
        if (
            accepted_ns is None
            and obs.error is not None
            and obs.error.mode.value != "transport_error"
        ):
            accepted_ns = obs.t_send_ns
        pause = min(args.poll_interval_s, max(left_s, 0))
        if launched is not None:  # pause, but notice at once if the command dies
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(launched.proc.wait()), pause)
        else:
            await asyncio.sleep(pause)


async def measure_cold_start(args: ColdStartArgs) -> ColdStartResult:
    """Launch ``args.start``, wait for the first token, then (optionally) the idle probe."""
    if args.start is None:
        return await _probe_running(args)
    log_path = args.log_path or Path(
        os.environ.get("TMPDIR", "/tmp"), f"golive-cold-start-{os.getpid()}-{time.time_ns()}.log"
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        t_launch = time.perf_counter_ns()
        launched = await launch(args.start, log=log, env=args.env)
        try:
            return await _after_launch(args, launched, t_launch, str(log_path))
        finally:
            await launched.kill()


def _ms(t_ns: int | None, t0_ns: int) -> float | None:
    return None if t_ns is None else (t_ns - t0_ns) / 1e6


async def _after_launch(
    args: ColdStartArgs, launched: Launched, t_launch: int, log: str
) -> ColdStartResult:
    deadline = t_launch + int(args.ready_timeout_s * 1e9)
    url, listen_ns = args.url, None
    if url is None:
        printed = await launched.wait_url((deadline - time.perf_counter_ns()) / 1e9)
        if printed is None:
            code = launched.proc.returncode
            why = f"exited with code {code}" if code is not None else "printed no URL in time"
            return ColdStartResult(
                None, None, 0, error=f"the start command {why}", log_path=log, exit_code=code
            )
        url, listen_ns = printed
    target = await _open_target(url, args.model)
    try:
        obs, attempts, accepted_ns, error = await _poll(target, args, launched, deadline)
        listen_ns = listen_ns or accepted_ns
        if obs is None:
            return ColdStartResult(
                None,
                _ms(listen_ns, t_launch),
                attempts,
                error=error,
                log_path=log,
                exit_code=launched.proc.returncode,
            )
        result = ColdStartResult(
            _ms(obs.chunk_times_ns[0], t_launch), _ms(listen_ns, t_launch), attempts, log_path=log
        )
        return await _with_idle_probe(target, args, result)
    finally:
        await target.close()


async def _with_idle_probe(
    target: Target, args: ColdStartArgs, result: ColdStartResult
) -> ColdStartResult:
    if args.idle_probe_s is None:
        return result
    try:
        warm, idle = await idle_probe(target, args, args.idle_probe_s)
    except RuntimeError as exc:
        return ColdStartResult(**{**result.__dict__, "error": str(exc)})
    return ColdStartResult(
        **{
            **result.__dict__,
            "warm_ttft_ms": warm,
            "idle_ttft_ms": idle,
            "idle_s": args.idle_probe_s,
        }
    )


async def _probe_running(args: ColdStartArgs) -> ColdStartResult:
    """No start command: only the idle probe against ``args.url`` (scale-to-zero)."""
    assert args.url is not None
    target = await _open_target(args.url, args.model)
    try:
        return await _with_idle_probe(target, args, ColdStartResult(None, None, 0))
    finally:
        await target.close()


@profile("cold_start", args=ColdStartArgs)
class ColdStartProfile:
    """Cold start: launch the target, time launch → first token; idle probe for scale-to-zero."""

    def __init__(self, args: ColdStartArgs) -> None:
        self.args = args

    async def run(self) -> ColdStartResult:
        return await measure_cold_start(self.args)

    def prompts(self) -> None:
        return None
