"""The load engine against real servers on loopback: closed and open loop, errors by mode,
warm-up, coordinated omission, and a level that never outlives its duration plus grace."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from golive.demo import DemoServer, DemoSettings
from golive.load import LevelPlan, level_metrics, run_level, token_counter
from golive.registry import registry
from golive.schemas import FailureMode, Message, Request
from golive.targets.base import Target
from servers.app import serving
from servers.misbehaving import running_server


def ask(text: str) -> Request:
    return Request(messages=(Message(role="user", content=text),), max_tokens=32)


@asynccontextmanager
async def openai(url: str, model: str) -> AsyncIterator[Target]:
    args = registry.parse("target", {"kind": "openai", "url": url, "model": model}, field="t")
    target: Target = registry.build("target", args)
    await target.start()
    try:
        yield target
    finally:
        await target.close()


def closed(c: int, d: float, **kw: float) -> LevelPlan:
    return LevelPlan(index=0, profile="closed", duration_s=d, concurrency=c, **kw)  # type: ignore[arg-type]


def opened(arrivals: list[float], d: float, **kw: float | int) -> LevelPlan:
    rate = len(arrivals) / d
    return LevelPlan(
        index=0,
        profile="poisson",
        duration_s=d,
        rate=rate,
        arrivals_s=tuple(arrivals),
        **kw,  # type: ignore[arg-type]
    )


async def test_closed_loop_on_demo_ttft_grows_with_users() -> None:
    server = DemoServer(DemoSettings(fast=True, seed=1))
    await server.start()
    try:
        async with openai(server.url, "nimbus-support-1") as t:
            prompts = [ask("How do I reset my password?"), ask("Can I get a refund?")]
            one = level_metrics(await run_level(t, closed(1, 1.0), prompts), {})
            many_level = await run_level(t, closed(16, 1.0), prompts)
            many = level_metrics(many_level, {})
    finally:
        await server.stop()
    assert one["requests"].value >= 3 and many["requests"].value > one["requests"].value
    assert "errors.timeout" not in many
    assert many["ttft_ms.p50"].value > one["ttft_ms.p50"].value  # batching and the queue
    assert {r.prompt_index for r in many_level.records} == {0, 1}
    assert all(r.token_source in ("usage", "tokenizer") for r in many_level.records)


async def test_open_loop_poisson_and_queue_inclusive_ttft() -> None:
    async with running_server() as s, openai(s.url, "good;ttft=0.02;n=4;itl=0.005") as t:
        arrivals = [i * 0.02 for i in range(50)]
        lv = await run_level(t, opened(arrivals, 1.0), [ask("hi")])
    m = level_metrics(lv, {"ttft_ms.p95": 10_000})
    assert m["requests"].value == 50 and m["rps"].value == 50
    assert m["goodput_rps"].value == 50 and m["output_tps"].value == 50 * 5  # usage says 5
    for r in lv.records:
        assert r.t_sched_ns <= r.t_send_ns and r.error is None
        assert r.ttft_from_schedule_ns is not None and r.ttft_ns is not None
        assert r.ttft_from_schedule_ns >= r.ttft_ns and len(r.chunk_times_ns) == 4
    # Open loop: sends follow the schedule, not the replies (each takes > 35 ms > 20 ms gap).
    sends = sorted(r.t_send_ns for r in lv.records)
    assert (sends[-1] - sends[0]) / 1e9 < 1.0


async def test_errors_by_mode_and_stall_bounded_by_timeout() -> None:
    async with running_server() as s:
        plan = closed(2, 0.3, request_timeout_s=0.2, grace_s=0.2)
        got = {}
        for model in ("http500", "stall", "bad_json", "cut", "http429"):
            async with openai(s.url, model) as t:
                m = level_metrics(await run_level(t, plan, [ask("x")]), {"ttft_ms.p95": 1e9})
            got[model] = {k for k in m if k.startswith("errors.")}
            assert m["goodput_rps"].value == 0  # errors count as misses
    assert got == {
        "http500": {"errors.http_error"},
        "stall": {"errors.timeout"},
        "bad_json": {"errors.protocol_error"},
        "cut": {"errors.truncated"},
        "http429": {"errors.rate_limited"},
    }


async def test_generic_path_for_non_streaming_target() -> None:
    async with running_server() as s:
        args = registry.parse(
            "target", {"kind": "openai", "url": s.url, "model": "json", "stream": False}, field="t"
        )
        t: Target = registry.build("target", args)
        await t.start()
        try:
            lv = await run_level(t, closed(2, 0.3), [ask("x")])
        finally:
            await t.close()
    assert lv.records and all(r.error is None and r.output_tokens == 2 for r in lv.records)


async def test_warmup_is_recorded_but_excluded() -> None:
    async with running_server() as s, openai(s.url, "good;n=2") as t:
        arrivals = [i * 0.05 for i in range(20)]  # 10 in the first 0.5 s
        lv = await run_level(t, opened(arrivals, 1.0, warmup_s=0.5), [ask("x")])
    assert sum(r.warmup for r in lv.records) == 10 and len(lv.records) == 20
    m = level_metrics(lv, {})
    assert m["requests"].value == 10 and m["rps"].value == 20  # 10 over 0.5 measured s


async def test_coordinated_omission_is_visible() -> None:
    async with running_server() as s, openai(s.url, "good;ttft=0.2;n=1") as t:
        arrivals = [i * 0.05 for i in range(20)]  # 20 rps, server serves 5 rps
        lv = await run_level(t, opened(arrivals, 1.0, max_concurrency=1, grace_s=0.5), [ask("x")])
        await s.wait_idle()
    m = level_metrics(lv, {})
    # The client-side queue shows in the queue-inclusive TTFT, not in the send-based one.
    assert m["ttft_from_schedule_ms.p50"].value > 3 * m["ttft_ms.p50"].value
    assert m["send_delay_ms.max"].value > 500
    assert "errors.timeout" in m  # the queue left at the hard end is recorded, not dropped


async def test_level_never_hangs_past_duration_and_grace() -> None:
    async with running_server() as s, openai(s.url, "stall") as t:
        start = time.perf_counter()
        lv = await run_level(t, closed(8, 0.3, grace_s=0.3), [ask("x")])
        elapsed = time.perf_counter() - start
    assert elapsed < 0.3 + 0.3 + 1.0
    assert len(lv.records) == 8 and all(r.error is FailureMode.TIMEOUT for r in lv.records)


async def test_tokenizer_counts_when_usage_absent() -> None:
    async def chat(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for text in ("Reset your ", "password in Settings."):
            delta = {"choices": [{"delta": {"content": text}, "finish_reason": None}]}
            await resp.write(b"data: " + json.dumps(delta).encode() + b"\n\n")
        await resp.write(b"data: [DONE]\n\n")  # no usage chunk at all
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    async with serving(app) as port, openai(f"http://127.0.0.1:{port}/v1", "m") as t:
        lv = await run_level(t, closed(1, 0.2), [ask("x")])
    expected = token_counter().count(["Reset your password in Settings."])[0]
    assert lv.records and lv.tokenizer == token_counter().name
    assert {(r.token_source, r.output_tokens) for r in lv.records} == {("tokenizer", expected)}


async def test_a_backlog_past_the_memory_cap_is_parsed_as_it_goes(monkeypatch: Any) -> None:
    import golive.load.engine as engine

    monkeypatch.setattr(engine, "_UNPARSED_MAX_BYTES", 4_000)  # a few replies' worth
    async with running_server() as s, openai(s.url, "good;n=4") as t:
        lv = await run_level(t, closed(4, 0.5), [ask("x")])
    assert len(lv.records) > 20  # far more replies than the cap holds
    assert all(r.error is None and len(r.chunk_times_ns) == 4 for r in lv.records)
    assert [s.output for s in lv.samples][:1] == ["tok0 tok1 tok2 tok3 "]
