"""observe(): every way a target can behave becomes an Observation, on time, stream closed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from golive.errors import ConfigError, TargetFailure
from golive.execution.observe import observe
from golive.schemas import Chunk, FailureMode, Message, Observation, Request, StreamEnd, Usage
from golive.targets.base import StreamItem

REQUEST = Request(messages=(Message(role="user", content="hi"),))
Script = Callable[[], AsyncIterator[object]]


class ScriptedTarget:
    """A transport-level fake: ``stream`` runs ``script`` and records whether it was closed."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.closed = False

    async def start(self) -> None:
        pass

    async def validate(self) -> str | None:
        return None

    async def close(self) -> None:
        pass

    def fingerprint(self) -> dict[str, str]:
        return {"kind": "scripted"}

    async def stream(self, request: Request) -> AsyncIterator[StreamItem]:
        try:
            async for item in self.script():
                yield item  # type: ignore[misc]  # scripts may yield junk on purpose
        finally:
            self.closed = True


async def run(script: Script, **kwargs: float) -> tuple[Observation, ScriptedTarget]:
    target = ScriptedTarget(script)
    options: dict[str, float] = {"timeout_s": 5.0, "max_output_chars": 1000, **kwargs}
    obs = await observe(
        target,
        REQUEST,
        case_id="c1",
        sample=2,
        t_sched_ns=time.perf_counter_ns(),
        timeout_s=options["timeout_s"],
        max_output_chars=int(options["max_output_chars"]),
        idle_timeout_s=options.get("idle_timeout_s"),
    )
    return obs, target


def now() -> int:
    return time.perf_counter_ns()


async def test_good_stream_keeps_each_content_chunk_time() -> None:
    stamps: list[int] = []

    async def script() -> AsyncIterator[object]:
        for text in ("", "Hel", "", "lo"):
            stamps.append(now())
            yield Chunk(text, stamps[-1])
        yield StreamEnd("length", Usage(3, 2))

    obs, target = await run(script)
    assert obs.error is None
    assert (obs.case_id, obs.sample, obs.output) == ("c1", 2, "Hello")
    assert obs.chunk_times_ns == (stamps[1], stamps[3])  # empty chunks carry no content
    assert obs.finish_reason == "length"  # hitting max_tokens is not an error
    assert obs.usage == Usage(3, 2)
    assert obs.t_send_ns <= stamps[0] <= obs.chunk_times_ns[-1] <= (obs.t_end_ns or 0)
    assert target.closed


@pytest.mark.parametrize(
    ("failure", "status"),
    [(FailureMode.RATE_LIMITED, 429), (FailureMode.HTTP_ERROR, 500), (FailureMode.TRUNCATED, None)],
)
async def test_target_failure_is_recorded_with_its_mode(
    failure: FailureMode, status: int | None
) -> None:
    async def script() -> AsyncIterator[object]:
        yield Chunk("partial", now())
        raise TargetFailure(failure, "boom", status=status)

    obs, target = await run(script)
    assert obs.error is not None
    assert (obs.error.mode, obs.error.message, obs.error.status) == (failure, "boom", status)
    assert obs.output == "partial"
    assert target.closed


async def test_stream_without_end_is_truncated() -> None:
    async def script() -> AsyncIterator[object]:
        yield Chunk("half an ans", now())

    obs, _ = await run(script)
    assert obs.error is not None and obs.error.mode is FailureMode.TRUNCATED
    assert obs.output == "half an ans"


async def test_whole_request_timeout_returns_on_time_and_closes_the_stream() -> None:
    async def script() -> AsyncIterator[object]:
        yield Chunk("a", now())
        await asyncio.Event().wait()  # hangs forever
        yield StreamEnd()

    start = time.perf_counter()
    obs, target = await run(script, timeout_s=0.2)
    assert 0.2 <= time.perf_counter() - start < 1.0
    assert obs.error is not None and obs.error.mode is FailureMode.TIMEOUT
    assert "0.2 s" in obs.error.message
    assert obs.output == "a"
    assert target.closed


async def test_idle_timeout_fires_between_chunks() -> None:
    async def script() -> AsyncIterator[object]:
        yield Chunk("a", now())
        await asyncio.Event().wait()
        yield StreamEnd()

    start = time.perf_counter()
    obs, _ = await run(script, timeout_s=5.0, idle_timeout_s=0.1)
    assert time.perf_counter() - start < 1.0
    assert obs.error is not None and obs.error.mode is FailureMode.TIMEOUT
    assert "no data for 0.1 s" in obs.error.message


async def test_oversized_output_is_cut_and_the_stream_closed() -> None:
    async def endless() -> AsyncIterator[object]:
        while True:
            yield Chunk("x" * 7, now())

    obs, target = await run(endless, max_output_chars=20)
    assert obs.error is not None and obs.error.mode is FailureMode.OVERSIZED
    assert obs.output == "x" * 20
    assert len(obs.chunk_times_ns) == 3
    assert target.closed


@pytest.mark.parametrize(
    ("exc", "mode"),
    [
        (ConnectionResetError("reset by peer"), FailureMode.TRANSPORT_ERROR),
        (KeyError("choices"), FailureMode.PROTOCOL_ERROR),
        (TimeoutError(), FailureMode.TIMEOUT),
    ],
)
async def test_unexpected_exceptions_become_failure_modes(
    exc: Exception, mode: FailureMode
) -> None:
    async def script() -> AsyncIterator[object]:
        raise exc
        yield  # an async generator

    obs, _ = await run(script)
    assert obs.error is not None and obs.error.mode is mode
    if mode is FailureMode.PROTOCOL_ERROR:
        assert "KeyError" in obs.error.message


async def test_a_config_error_from_the_target_stops_instead_of_being_measured() -> None:
    async def script() -> AsyncIterator[object]:
        raise ConfigError("no such model", field="target.model")
        yield  # an async generator

    with pytest.raises(ConfigError, match=r"target\.model: no such model"):
        await run(script)


async def test_junk_item_is_a_protocol_error() -> None:
    async def script() -> AsyncIterator[object]:
        yield {"text": "not a chunk"}

    obs, target = await run(script)
    assert obs.error is not None and obs.error.mode is FailureMode.PROTOCOL_ERROR
    assert "dict" in obs.error.message
    assert target.closed


async def test_cancelling_the_caller_closes_the_stream() -> None:
    started = asyncio.Event()

    async def script() -> AsyncIterator[object]:
        started.set()
        await asyncio.Event().wait()
        yield StreamEnd()

    target = ScriptedTarget(script)
    task = asyncio.create_task(
        observe(
            target,
            REQUEST,
            case_id="c",
            sample=0,
            t_sched_ns=now(),
            timeout_s=5,
            max_output_chars=10,
        )
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert target.closed


async def test_a_slow_cleanup_cannot_hang_observe() -> None:
    class StubbornTarget(ScriptedTarget):
        async def stream(self, request: Request) -> AsyncIterator[StreamItem]:
            try:
                yield Chunk("x" * 50, now())
            finally:
                await asyncio.sleep(30)  # a cleanup that never finishes in time

    target = StubbornTarget(lambda: None)  # type: ignore[arg-type, return-value]
    start = time.perf_counter()
    obs = await observe(
        target, REQUEST, case_id="c", sample=0, t_sched_ns=now(), timeout_s=5, max_output_chars=10
    )
    assert obs.error is not None and obs.error.mode is FailureMode.OVERSIZED
    assert time.perf_counter() - start < 3.0
