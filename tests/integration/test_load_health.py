"""Client health on real servers: a level's validity is judged by what distorts its figures.

On the kernel-stamped path a stall of the client loop while no read is waiting changes no
chunk time, so it must not invalidate the level; a stall while replies wait in the socket must.
The limits come from the load spec (``load.client``), through one process and several.
"""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from golive.load.engine import LevelPlan, run_level
from golive.load.session import run_load
from golive.load.spec import LoadSpec
from golive.registry import registry
from golive.schemas import Message, Request
from golive.targets.openai import OpenAITarget
from golive.transport.stamped import stamped_supported
from servers.misbehaving import running_server
from servers.thread_sse import ThreadServer

pytestmark = pytest.mark.integration

PROMPTS = [Request(messages=(Message(role="user", content="hi"),), max_tokens=8)]
# The stall is far past the limit, and the limit far past what a busy machine adds by itself.
STALL_S = 0.3
LIMIT_MS = 100.0


def _block(seconds: float) -> None:
    time.sleep(seconds)  # the client loop can do nothing meanwhile


async def _openai(url: str) -> OpenAITarget:
    args = registry.parse("target", {"kind": "openai", "url": url, "model": "m"}, field="t")
    target = registry.build("target", args)
    assert isinstance(target, OpenAITarget)
    await target.start()
    return target


@pytest.mark.skipif(not stamped_supported("http://127.0.0.1/"), reason="kernel stamps: Linux")
async def test_stalls_between_replies_leave_a_stamped_level_valid() -> None:
    # Five arrivals 400 ms apart; after each reply, the loop stalls for 200 ms while nothing
    # is waiting to be read and nothing is due: the loop lag is bad, no figure is touched.
    # The limit (100 ms) leaves a busy machine's own scheduling delays far below it.
    server = ThreadServer(ttft_s=0.01)
    arrivals = tuple(0.4 * i for i in range(5))
    plan = LevelPlan(
        index=0, profile="constant", duration_s=1.8, rate=2.5, arrivals_s=arrivals, grace_s=1.0
    )
    with server.running() as url:
        target = await _openai(url)
        try:
            route = target.raw_route()
            pool = route.stamped if route is not None else None
            assert pool is not None
            released: asyncio.Queue[None] = asyncio.Queue()
            release = pool._release

            def release_and_tell(sock: socket.socket, keep: bool) -> None:
                release(sock, keep)  # a reply's last byte is read: its connection is free
                released.put_nowait(None)

            pool._release = release_and_tell  # type: ignore[method-assign]

            async def stall_after_each_reply() -> None:
                for _ in arrivals:
                    await released.get()
                    _block(STALL_S * 2 / 3)

            staller = asyncio.get_running_loop().create_task(stall_after_each_reply())
            level = await run_level(target, plan, PROMPTS, max_lag_ms=LIMIT_MS)
            await staller
        finally:
            await target.close()
    health = level.health
    assert [r.error for r in level.records] == [None] * 5
    # The loop-lag rule alone would have thrown this level away.
    assert health.lag_ms_p99 > LIMIT_MS
    assert health.read_delay_ms_p99 is not None and health.read_delay_ms_p99 < LIMIT_MS
    assert health.send_delay_ms_p99 is not None and health.send_delay_ms_p99 < LIMIT_MS
    assert health.valid, health.reason


@pytest.mark.skipif(not stamped_supported("http://127.0.0.1/"), reason="kernel stamps: Linux")
async def test_a_stall_while_a_reply_waits_in_the_socket_invalidates_the_level() -> None:
    server = ThreadServer(ttft_s=0.05)
    with server.running() as url:
        target = await _openai(url)
        try:
            loop = asyncio.get_running_loop()

            async def stall_once_the_request_is_out() -> None:
                await loop.run_in_executor(None, server.requested.wait)
                _block(STALL_S)  # the reply is written meanwhile and waits to be read

            staller = loop.create_task(stall_once_the_request_is_out())
            plan = LevelPlan(index=0, profile="constant", duration_s=0.5, rate=1, arrivals_s=(0,))
            level = await run_level(target, plan, PROMPTS, max_lag_ms=LIMIT_MS)
            await staller
        finally:
            await target.close()
    health = level.health
    assert not health.valid
    assert "kernel-stamped reads" in health.reason
    assert health.read_delay_ms_max is not None and health.read_delay_ms_max > LIMIT_MS
    # The stamp itself stays the kernel's: TTFT is the server's, not the stall's.
    (record,) = level.records
    assert record.chunk_times_ns and record.chunk_times_ns[0] - server.written_ns[0] < 0.1e9


@pytest.mark.skipif(not stamped_supported("http://127.0.0.1/"), reason="kernel stamps: Linux")
async def test_a_stall_across_a_due_time_invalidates_the_level() -> None:
    # The loop is stalled when the request falls due: it goes out late, and the
    # queue-inclusive figures would carry the client's delay.
    server = ThreadServer(ttft_s=0.01)
    with server.running() as url:
        target = await _openai(url)
        try:
            loop = asyncio.get_running_loop()
            loop.call_later(0.05, _block, STALL_S)  # from ~0.05 s to ~0.35 s of the level
            plan = LevelPlan(index=0, profile="constant", duration_s=0.6, rate=1, arrivals_s=(0.1,))
            level = await run_level(target, plan, PROMPTS, max_lag_ms=LIMIT_MS)
        finally:
            await target.close()
    health = level.health
    assert not health.valid
    assert "sent" in health.reason and "after they were due" in health.reason
    (record,) = level.records
    assert record.t_send_ns - record.t_sched_ns > LIMIT_MS * 1e6


async def test_client_limits_from_the_spec_judge_the_level() -> None:
    # A CPU limit no client can meet makes the level invalid, naming the limit from the spec.
    async with running_server() as s:
        args = registry.parse(
            "target", {"kind": "openai", "url": s.url, "model": "good;n=2"}, field="t"
        )
        for processes in (1, 2):
            spec = LoadSpec.model_validate(
                {
                    "concurrency": [2],
                    "duration": 0.3,
                    "processes": processes,
                    "max_tokens": 8,
                    "client": {"max_lag_ms": 10_000, "max_cpu_pct": 0.001},
                }
            )
            outcome = await run_load(spec, args, prompts=PROMPTS)
            (level,) = outcome.load.levels
            assert not level.health.valid, processes
            assert "CPU" in level.health.reason and "> 0.001%" in level.health.reason
            assert "lag" not in level.health.reason and "stamped" not in level.health.reason
