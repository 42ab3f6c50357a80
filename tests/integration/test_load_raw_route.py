"""The load engine's fast path is a public capability (``targets.base.RawStreaming``), not a
special case of one target class: any target offering a raw route gets it, the http target
included, and a reply read raw is judged exactly as the target's own ``stream`` judges it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from golive.execution.observe import observe
from golive.load.engine import LevelPlan, run_level
from golive.registry import registry
from golive.schemas import FailureMode, Message, Request
from golive.targets.base import RawStreaming, StreamItem, Target
from golive.targets.http import HTTPTarget
from golive.targets.openai import OpenAITarget
from golive.transport.route import RawRoute
from servers.misbehaving import MisbehavingServer, misbehaving
from servers.thread_sse import ThreadServer

__all__ = ["misbehaving"]  # the fixture, re-exported for pytest

pytestmark = pytest.mark.integration

REQUEST = Request(messages=(Message(role="user", content="hi"),), max_tokens=8)
PLAN = LevelPlan(
    index=0, profile="closed", duration_s=10.0, concurrency=1, max_requests=2, grace_s=1.0
)


class Relay:
    """A target of no known class that offers another target's raw route; its own stream
    must never be used by the engine."""

    def __init__(self, inner: OpenAITarget) -> None:
        self.inner = inner

    async def start(self) -> None:
        await self.inner.start()

    async def validate(self) -> str | None:
        return None

    def stream(self, request: Request) -> AsyncIterator[StreamItem]:
        raise AssertionError("the engine took the slow path")

    async def close(self) -> None:
        await self.inner.close()

    def fingerprint(self) -> dict[str, str]:
        return {"kind": "relay"}

    def raw_route(self) -> RawRoute | None:
        return self.inner.raw_route()


def _build(spec: dict[str, Any]) -> Any:
    return registry.build("target", registry.parse("target", spec, field="target"))


async def test_any_target_with_a_raw_route_gets_the_fast_path() -> None:
    server = ThreadServer(ttft_s=0.0)
    with server.running() as url:
        relay = Relay(_build({"kind": "openai", "url": url, "model": "m"}))
        assert isinstance(relay, RawStreaming) and isinstance(relay, Target)
        await relay.start()
        try:
            level = await run_level(relay, PLAN, [REQUEST])
        finally:
            await relay.close()
    assert [(r.error, len(r.chunk_times_ns)) for r in level.records] == [(None, 1)] * 2
    assert {s.output for s in level.samples} == {"a"}


def _http(misbehaving: MisbehavingServer, mode: str, **overrides: Any) -> HTTPTarget:
    spec = {
        "kind": "http",
        "url": misbehaving.url.removesuffix("/v1") + f"/json/{mode}",
        "body": {"prompt": "{{input}}"},
        "output_path": "$.result.answer",
        "usage_path": "$.meta.usage",
        **overrides,
    }
    target = _build(spec)
    assert isinstance(target, HTTPTarget)
    return target


@pytest.mark.parametrize(
    ("mode", "overrides"),
    [
        ("good", {}),
        ("http500", {}),
        ("http429", {}),
        ("not_json", {}),
        ("good", {"output_path": "$.result.nope"}),
        ("good", {"output_path": "$.meta"}),
    ],
)
async def test_the_http_target_in_load_is_judged_as_its_stream_judges(
    misbehaving: MisbehavingServer,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    overrides: dict[str, Any],
) -> None:
    target = _http(misbehaving, mode, **overrides)
    await target.start()
    try:
        obs = await observe(
            target,
            REQUEST,
            case_id="c",
            sample=0,
            t_sched_ns=time.perf_counter_ns(),
            timeout_s=5.0,
            max_output_chars=10_000,
        )
        assert target.raw_route() is not None

        def slow_path(self: HTTPTarget, request: Request) -> AsyncIterator[StreamItem]:
            raise AssertionError("the engine took the slow path")

        monkeypatch.setattr(HTTPTarget, "stream", slow_path)
        level = await run_level(target, PLAN, [REQUEST])
    finally:
        await target.close()
    expected = obs.error.mode if obs.error else None
    assert [r.error for r in level.records] == [expected] * 2
    if expected is None:
        assert obs.usage is not None
        assert [r.output_tokens for r in level.records] == [obs.usage.completion_tokens] * 2
        assert {s.output for s in level.samples} == {obs.output}
        assert all(len(r.chunk_times_ns) == 1 for r in level.records)
    else:
        assert expected in (
            FailureMode.HTTP_ERROR,
            FailureMode.RATE_LIMITED,
            FailureMode.PROTOCOL_ERROR,
        )
