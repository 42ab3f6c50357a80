"""The proxy's guard work, kept off its event loop.

A short text (``inline_chars``, about a millisecond of guard work) is checked on the loop:
handing it elsewhere would cost more than checking it. A longer one, up to the chains'
``max_chars``, goes to a guard process: forked at start-up from the proxy with its chains
built and warm (nothing about a guard is pickled, only the text and the outcome), at a lower
priority than the proxy, so that when both want a core the proxy's requests come first. A
thread of the proxy would not do: a guard holds the interpreter lock for up to the 5 ms
switch interval at a time, and ten of them starve the loop. The guard process ignores Ctrl-C
(the proxy decides when to stop) and exits with the proxy, even when the proxy is killed.

Several texts of one request (the documents a request carries: tool outputs, untrusted
messages) are handed over together, in one task: on the loop when they add up to no more
than ``inline_chars``.

Where ``fork`` is missing (macOS, Windows), ``processes`` is 0, or the guard process dies,
a single thread checks the longer texts instead: off the loop, sharing its lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from golive.guard._proxy_body import Oversized, parse_body
from golive.guard.base import Action, Origin, Stage
from golive.guard.chain import ChainOutcome, GuardChain

__all__ = ["GuardRunner", "GuardStopped"]


class GuardStopped(Exception):
    """The runner is closed (the proxy is stopping): the text was not checked."""


_T = TypeVar("_T")
_log = logging.getLogger("golive.proxy")
_READY_TIMEOUT_S = 30.0
_CHILD_NICENESS = 5  # below the proxy: its requests first when both want the core


def _fork_available() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class GuardRunner:
    """Checks texts with named chains: on the loop when short, in the guard process when not.

    ``start()`` forks the guard process (call it before the server listens: the child then
    holds none of its sockets); ``check()`` returns the chain's outcome; ``close()`` ends it.
    """

    def __init__(self, chains: Mapping[str, GuardChain], *, inline_chars: int,
                 processes: int) -> None:  # fmt: skip
        self._chains = dict(chains)
        self._inline_chars = inline_chars
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._children: list[BaseProcess] = []  # the pool's processes, to end them at close
        self._thread: ThreadPoolExecutor | None = None
        self.fallback: str | None = None  # why the longer texts are checked in a thread
        self._closed = False

    @property
    def mode(self) -> str:
        """``process`` or ``thread``: where the longer texts are checked now."""
        return "process" if self._pool is not None else "thread"

    async def start(self) -> None:
        if self._processes <= 0:
            self.fallback = "guard_processes is 0"
            return
        if not _fork_available():
            self.fallback = "this platform cannot fork the guard process"
            return
        before = set(multiprocessing.active_children())
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=self._processes,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_child_init,
                initargs=(self._chains, os.getpid()),  # fork: handed over in memory
            )
            # With fork the first submit starts every process; the answer says they run.
            async with asyncio.timeout(_READY_TIMEOUT_S):
                started = self._pool.submit(_child_ready)
                self._children = [p for p in multiprocessing.active_children() if p not in before]
                await asyncio.wrap_future(started)
        except (OSError, RuntimeError, BrokenProcessPool, TimeoutError) as exc:
            self._to_thread(f"the guard process could not start: {exc!r}")

    async def check(self, chain: str, text: str, *, stage: Stage, context: str | None = None,
                    origin: Origin = "user") -> ChainOutcome:  # fmt: skip
        guards = self._chains[chain]
        size = len(text) + len(context or "")
        oversized = guards.max_chars is not None and len(text) > guards.max_chars
        if size <= self._inline_chars or oversized:  # cheap either way: no hand-over
            return guards.check_detailed(text, stage=stage, context=context, origin=origin)
        return await self._off_loop(
            lambda: guards.check_detailed(text, stage=stage, context=context, origin=origin),
            _child_check, chain, text, stage, context, origin,
        )  # fmt: skip

    async def check_all(self, chain: str, texts: Sequence[str], *, stage: Stage,
                        origin: Origin = "user") -> list[ChainOutcome]:  # fmt: skip
        """Each text's outcome, in order, up to the first block (the request is refused
        then: the texts after it are not checked). One hand-over for all of them."""
        guards = self._chains[chain]
        cap = guards.max_chars
        size = sum(len(t) for t in texts if cap is None or len(t) <= cap)  # oversized: free
        if size <= self._inline_chars:
            return _check_all(guards, texts, stage, origin)
        return await self._off_loop(
            lambda: _check_all(guards, texts, stage, origin),
            _child_check_all, chain, list(texts), stage, origin,
        )  # fmt: skip

    async def _off_loop(self, here: Callable[[], _T], there: Callable[..., _T],
                        *args: Any) -> _T:  # fmt: skip
        """``there(*args)`` in the guard process, or ``here()`` in the thread without one."""
        if self._closed:
            raise GuardStopped
        pool = self._pool
        if pool is not None:
            try:
                return await asyncio.wrap_future(pool.submit(there, *args))
            except (BrokenProcessPool, RuntimeError) as exc:  # RuntimeError: shut down
                if self._closed:
                    raise GuardStopped from None
                self._to_thread(f"the guard process died: {exc!r}")
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="golive-guard")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, here)

    async def parse(self, raw: bytes, max_chars: int | None,
                    keep: int) -> dict[str, Any] | Oversized:  # fmt: skip
        """``parse_body`` in the guard process (in this one when there is none: the JSON
        parser holds the interpreter lock, so a thread would gain nothing)."""
        if self._closed:
            raise GuardStopped
        pool = self._pool
        if pool is not None:
            try:
                return await asyncio.wrap_future(pool.submit(parse_body, raw, max_chars, keep))
            except (BrokenProcessPool, RuntimeError) as exc:
                if self._closed:
                    raise GuardStopped from None
                self._to_thread(f"the guard process died: {exc!r}")
        return parse_body(raw, max_chars, keep)

    async def close(self) -> None:
        """Stop at once: checks still waiting are cancelled, the guard process is ended
        (a check in its hands would otherwise hold up the proxy's exit), and a check in the
        thread finishes (bounded by ``max_chars``)."""
        self._closed = True
        pool, self._pool = self._pool, None
        thread, self._thread = self._thread, None
        for executor in (pool, thread):
            if executor is not None:
                _shutdown(executor)
        self._end_children()

    def _end_children(self) -> None:
        children, self._children = self._children, []
        for child in children:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                child.terminate()
        for child in children:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                child.join(1.0)

    def _to_thread(self, why: str) -> None:
        if self.fallback is None:
            _log.warning("golive proxy: %s; longer texts are checked in a thread", why)
        self.fallback = why
        pool, self._pool = self._pool, None
        if pool is not None:
            _shutdown(pool)
        self._end_children()


def _shutdown(executor: Executor) -> None:
    executor.shutdown(wait=False, cancel_futures=True)


def _check_all(guards: GuardChain, texts: Sequence[str], stage: Stage,
               origin: Origin) -> list[ChainOutcome]:  # fmt: skip
    outcomes: list[ChainOutcome] = []
    for text in texts:
        outcomes.append(guards.check_detailed(text, stage=stage, origin=origin))
        if outcomes[-1].decision.action == Action.BLOCK:
            break
    return outcomes


# --- in the guard process ---------------------------------------------------------------

_child_chains: Mapping[str, GuardChain] = {}


def _child_init(chains: Mapping[str, GuardChain], parent: int) -> None:
    global _child_chains
    from golive._children import become_helper

    _child_chains = chains
    become_helper(parent, niceness=_CHILD_NICENESS, default_sigterm=True)


def _child_ready() -> None:
    """The first task: the chains came warm with the fork; this only says the child runs."""


def _child_check(chain: str, text: str, stage: Stage, context: str | None,
                 origin: Origin) -> ChainOutcome:  # fmt: skip
    return _child_chains[chain].check_detailed(text, stage=stage, context=context, origin=origin)


def _child_check_all(chain: str, texts: list[str], stage: Stage,
                     origin: Origin) -> list[ChainOutcome]:  # fmt: skip
    return _check_all(_child_chains[chain], texts, stage, origin)
