"""fetch_then_process: slots refill before processing, bounded backlog, errors, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from golive.execution.local import fetch_then_process


async def test_every_item_is_fetched_and_processed_once() -> None:
    processed: list[int] = []

    async def fetch(i: int) -> int:
        await asyncio.sleep(0)
        return i * 10

    async def process(r: int) -> None:
        processed.append(r)

    await fetch_then_process(range(50), fetch, process, 4)
    assert sorted(processed) == [i * 10 for i in range(50)]


async def test_fetch_slots_do_not_wait_for_processing() -> None:
    # Processing is blocked until every fetch has started: only possible if a fetch slot
    # is refilled before its result is processed (backlog large enough to hold them).
    started: list[int] = []
    release = asyncio.Event()

    async def fetch(i: int) -> int:
        started.append(i)
        if len(started) == 6:
            release.set()
        return i

    async def process(r: int) -> None:
        await release.wait()

    await asyncio.wait_for(fetch_then_process(range(6), fetch, process, 2, backlog=4), 5)
    assert started == list(range(6))


async def test_backlog_bounds_unprocessed_results() -> None:
    gate = asyncio.Event()
    fetched: list[int] = []

    async def fetch(i: int) -> int:
        fetched.append(i)
        return i

    async def process(r: int) -> None:
        await gate.wait()

    task = asyncio.ensure_future(fetch_then_process(range(20), fetch, process, 2, backlog=3))
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(fetched) == 5  # concurrency 2 + backlog 3, the rest waits for processing
    gate.set()
    await asyncio.wait_for(task, 5)
    assert len(fetched) == 20


async def test_process_error_propagates_and_stops_fetching() -> None:
    fetched: list[int] = []

    async def fetch(i: int) -> int:
        fetched.append(i)
        await asyncio.sleep(0)
        return i

    async def process(r: int) -> None:
        if r == 3:
            raise ValueError("scorer bug")

    with pytest.raises(ValueError, match="scorer bug"):
        await asyncio.wait_for(fetch_then_process(range(1000), fetch, process, 2), 5)
    assert len(fetched) < 1000


async def test_fetch_error_propagates() -> None:
    async def fetch(i: int) -> int:
        if i == 2:
            raise KeyError("boom")
        return i

    async def process(r: int) -> None:
        pass

    with pytest.raises(KeyError):
        await asyncio.wait_for(fetch_then_process(range(10), fetch, process, 3), 5)


async def test_cancellation_processes_what_was_fetched() -> None:
    hang = asyncio.Event()
    fetched: list[int] = []
    processed: list[int] = []
    slow = asyncio.Event()
    four_fetched = asyncio.Event()

    async def fetch(i: int) -> int:
        if i >= 4:
            await hang.wait()  # in flight when the run is cancelled
        fetched.append(i)
        if len(fetched) == 4:
            four_fetched.set()
        return i

    async def process(r: int) -> None:
        await slow.wait()
        processed.append(r)

    task = asyncio.ensure_future(fetch_then_process(range(10), fetch, process, 6))
    await asyncio.wait_for(four_fetched.wait(), 5)
    task.cancel()
    await asyncio.sleep(0)
    slow.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert sorted(processed) == [0, 1, 2, 3]  # fetched before the cancel: none dropped
