"""The simulated inference engine, on virtual time: exact timings, no sleeps, no flakes."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from golive.demo import DemoSettings
from golive.demo._engine import Engine, EngineFull, Generation, TokenEvent, VirtualClock

# prefill 50 tokens * 0.4 ms = 20 ms; a step with one sequence = 8 + 2 = 10 ms.
PROMPT = 50
KNOBS = {"cold_start_s": 0.0, "prefill_ms_per_token": 0.4, "decode_ms_base": 8.0}


def settings(**overrides: object) -> DemoSettings:
    return DemoSettings.model_validate({**KNOBS, "decode_ms_per_seq": 2.0, **overrides})


@pytest.fixture
async def clock() -> VirtualClock:
    return VirtualClock()


@asynccontextmanager
async def started(s: DemoSettings, clock: VirtualClock) -> AsyncIterator[Engine]:
    engine = Engine(s, clock)
    engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


async def collect(generation: Generation) -> list[TokenEvent]:
    return [event async for event in generation]


async def ttfts(s: DemoSettings, users: int, tokens: int = 20) -> list[float]:
    clock = VirtualClock()
    async with started(s, clock) as engine:
        gens = [engine.submit(["w"] * tokens, PROMPT) for _ in range(users)]
        events = await asyncio.gather(*(collect(g) for g in gens))
        assert all(len(e) == tokens for e in events)
        assert engine.peak_batch == min(users, s.max_batch)
    return [e[0].t - g.submitted_at for e, g in zip(events, gens, strict=True)]


async def test_one_user_gets_prefill_plus_one_step_then_one_token_per_step() -> None:
    clock = VirtualClock()
    async with started(settings(), clock) as engine:
        events = await collect(engine.submit(["a", " b", " c"], PROMPT))
        assert [e.text for e in events] == ["a", " b", " c"]
        assert events[0].t == pytest.approx(0.030)
        assert [round(b.t - a.t, 9) for a, b in itertools.pairwise(events)] == [
            0.010,
            0.010,
        ]


async def test_ttft_grows_by_a_large_factor_with_concurrency() -> None:
    single = (await ttfts(settings(), 1))[0]
    crowd = await ttfts(settings(), 32)
    assert max(crowd) > 10 * single
    # FIFO: later requests never get their first token earlier.
    assert crowd == sorted(crowd)


async def test_decode_step_slows_with_batch_size() -> None:
    clock = VirtualClock()
    async with started(settings(max_batch=4), clock) as engine:
        events = await asyncio.gather(*(collect(engine.submit(["w"] * 3, 0)) for _ in range(4)))
        gaps = {round(e[2].t - e[1].t, 9) for e in events}
        assert gaps == {0.016}  # 8 ms + 2 ms * 4 sequences


async def test_cold_start_delays_only_the_first_requests() -> None:
    clock = VirtualClock()
    async with started(settings(cold_start_s=2.0), clock) as engine:
        assert not engine.ready
        first = await collect(engine.submit(["w"], PROMPT))
        assert first[0].t == pytest.approx(2.030)
        assert engine.ready
        t0 = clock.now()
        second = await collect(engine.submit(["w"], PROMPT))
        assert second[0].t - t0 == pytest.approx(0.030)


async def test_speed_and_fast_scale_every_duration() -> None:
    base = (await ttfts(settings(), 1))[0]
    assert (await ttfts(settings(speed=10.0), 1))[0] == pytest.approx(base / 10)
    fast = settings(fast=True, cold_start_s=5.0)
    assert fast.effective_cold_start_s == 0.0
    assert (await ttfts(fast, 1))[0] == pytest.approx(base / 100)


async def test_queue_limit_refuses_beyond_batch_plus_queue(clock: VirtualClock) -> None:
    async with started(settings(max_batch=2, max_queue=1), clock) as engine:
        gens = [engine.submit(["w"] * 5, PROMPT) for _ in range(3)]
        assert not engine.has_capacity()
        with pytest.raises(EngineFull):
            engine.submit(["w"], PROMPT)
        gens[2].cancel()  # a client that leaves the queue frees its place
        assert engine.has_capacity()
        await asyncio.gather(*(collect(g) for g in gens[:2]))
        assert engine.running == engine.waiting == 0


async def test_cancelled_sequence_leaves_the_batch(clock: VirtualClock) -> None:
    async with started(settings(max_batch=1), clock) as engine:
        leaving = engine.submit(["w"] * 1000, PROMPT)
        staying = engine.submit(["w"] * 2, PROMPT)
        async for _ in leaving:
            leaving.cancel()
            break
        events = await collect(staying)
        assert len(events) == 2 and engine.steps < 10


async def test_stop_ends_unfinished_generations(clock: VirtualClock) -> None:
    engine = Engine(settings(cold_start_s=60.0), clock)
    engine.start()
    generation = engine.submit(["w"] * 3, PROMPT)
    await engine.stop()
    assert await collect(generation) == [] and generation.aborted


def test_settings_validate_and_forbid_unknown_fields() -> None:
    with pytest.raises(ValueError):
        DemoSettings.model_validate({"max_batch": 0})
    with pytest.raises(ValueError):
        DemoSettings.model_validate({"max_bach": 4})
    described = DemoSettings.model_fields
    assert all(field.description for field in described.values())
