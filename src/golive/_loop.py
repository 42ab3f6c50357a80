"""Run a coroutine on the fastest event loop installed (uvloop when present)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["freeze_startup_heap", "loop_factory", "run_main", "until_stopped"]

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory when installed (the ``fast`` extra), else the default loop."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run_main(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` with ``loop_factory()``; Ctrl-C cancels the main task as usual."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(coro)


async def until_stopped() -> None:
    """Return on Ctrl-C or SIGTERM: how a server command (mock-server, proxy) waits."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def freeze_startup_heap() -> None:
    """Exempt what a server built at startup from garbage collection: a full collection over
    it (~110k objects in the proxy) stops the event loop for ~50 ms, a tail-latency spike."""
    gc.collect()
    gc.freeze()
