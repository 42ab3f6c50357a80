"""The local executor: a fixed pool of asyncio workers draining a work list, feeding one
consumer that processes their results (``fetch_then_process``).

A pool of ``concurrency`` workers (rather than one task per item behind a semaphore) keeps
memory flat for large suites and lets a cancellation stop everything at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

__all__ = ["fetch_then_process"]

T = TypeVar("T")
R = TypeVar("R")


async def fetch_then_process(
    items: Sequence[T],
    fetch: Callable[[T], Awaitable[R]],
    process: Callable[[R], Awaitable[None]],
    concurrency: int,
    *,
    backlog: int | None = None,
    drain_s: float | None = None,
) -> None:
    """``fetch`` every item with at most ``concurrency`` in flight; ``process`` each result in
    one consumer task, in completion order.

    A fetch slot is refilled as soon as its fetch ends, not when its result is processed, so
    CPU-bound processing (scoring) overlaps the I/O instead of holding request slots. At most
    ``backlog`` (default ``concurrency``) results wait unprocessed; beyond that no new fetch
    starts. An error in either stage cancels the rest and propagates. When the caller is
    cancelled, fetching stops and the results already fetched are processed before the
    ``CancelledError`` propagates: all of them, or those ``drain_s`` seconds allow (then the
    one in hand is cancelled and the rest dropped, so that an interrupt is answered in bounded
    time however long processing takes).
    """
    queue: asyncio.Queue[R] = asyncio.Queue()  # unbounded: a finished fetch is never dropped
    slots = asyncio.Semaphore(max(1, concurrency) + (concurrency if backlog is None else backlog))

    async def produce(item: T) -> None:
        await slots.acquire()
        try:
            result = await fetch(item)
        except BaseException:
            slots.release()
            raise
        queue.put_nowait(result)

    async def consume() -> None:
        while True:
            result = await queue.get()
            try:
                await process(result)
            finally:
                slots.release()
                queue.task_done()

    consumer = asyncio.ensure_future(consume())
    producers = asyncio.ensure_future(_run_pool(items, produce, concurrency))
    cancelled = False
    try:
        try:
            await _first_of(producers, consumer)
            producers.result()  # a fetch error, if any
        except asyncio.CancelledError:
            cancelled = True
            producers.cancel()
            await asyncio.gather(producers, return_exceptions=True)
        try:
            await _drain(queue, consumer, drain_s if cancelled else None)
        except asyncio.CancelledError:
            if cancelled:  # cancelled again while draining: give up on the rest
                raise
            cancelled = True
            await _drain(queue, consumer, drain_s)
        if cancelled:
            raise asyncio.CancelledError
    finally:
        for task in (producers, consumer):
            task.cancel()
        await asyncio.gather(producers, consumer, return_exceptions=True)


async def _first_of(main: asyncio.Future[None], consumer: asyncio.Future[None]) -> None:
    """Wait for ``main``; the consumer only ever ends by failing, which is raised at once."""
    await asyncio.wait({main, consumer}, return_when=asyncio.FIRST_COMPLETED)
    if consumer.done():
        consumer.result()


async def _drain(
    queue: asyncio.Queue[R], consumer: asyncio.Future[None], within_s: float | None
) -> None:
    """Until every queued result is processed, or ``within_s`` seconds have passed."""
    join = asyncio.ensure_future(queue.join())
    try:
        await asyncio.wait({join, consumer}, timeout=within_s, return_when=asyncio.FIRST_COMPLETED)
        if consumer.done():
            consumer.result()
    finally:
        join.cancel()


async def _run_pool(
    items: Sequence[T], work: Callable[[T], Awaitable[None]], concurrency: int
) -> None:
    """Run ``work`` on every item with at most ``concurrency`` in flight, in item order.

    If one ``work`` call raises, the others are cancelled and the error propagates; a
    cancellation of the caller cancels every worker.
    """
    iterator = iter(items)

    async def worker() -> None:
        for item in iterator:  # shared iterator: each item is taken by exactly one worker
            await work(item)

    workers = [asyncio.ensure_future(worker()) for _ in range(max(1, min(concurrency, len(items))))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
