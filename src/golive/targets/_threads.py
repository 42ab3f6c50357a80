"""Run blocking user code in daemon threads, so that code which never returns cannot stop
golive from exiting (``asyncio.to_thread`` uses threads the interpreter joins at exit).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DaemonThreads"]

T = TypeVar("T")
_Work = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class DaemonThreads:
    """A grow-on-demand pool of daemon worker threads; idle workers are reused."""

    def __init__(self) -> None:
        self._work: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker thread. Cancelling the await abandons, not stops, it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            # Each item claims one idle worker, or a new one: no item waits behind a hung call.
            spawn = self._idle == 0
            if not spawn:
                self._idle -= 1
        if spawn:
            threading.Thread(target=self._worker, name="golive-python-target", daemon=True).start()
        self._work.put((loop, future, fn, args))
        return await future

    def _worker(self) -> None:
        while True:
            loop, future, fn, args = self._work.get()
            try:
                result = fn(*args)
            except BaseException as exc:  # delivered to the awaiting task, as to_thread does
                if isinstance(exc, StopIteration) or not isinstance(exc, Exception):
                    # A future cannot carry StopIteration, and user code calling sys.exit()
                    # must not stop golive: both become an ordinary error.
                    exc = RuntimeError(f"{type(exc).__name__}: {exc}")
                _deliver(loop, future, None, exc)
            else:
                _deliver(loop, future, result, None)
            with self._lock:
                self._idle += 1


def _deliver(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    result: Any,
    exc: BaseException | None,
) -> None:
    def settle() -> None:
        if future.done():  # the caller gave up (timeout, cancellation)
            return
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(settle)
