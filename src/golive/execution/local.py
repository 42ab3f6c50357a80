"""The local executor: a fixed pool of asyncio workers draining a work list.

A pool of ``concurrency`` workers (rather than one task per item behind a semaphore) keeps
memory flat for large suites and lets a cancellation stop everything at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

__all__ = ["run_pool"]

T = TypeVar("T")


async def run_pool(
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
