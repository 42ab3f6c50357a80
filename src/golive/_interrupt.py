"""Ctrl-C and SIGTERM: the first asks the work in progress to stop, the second aborts at once.

One process-wide policy, so that an interrupt at any moment (requests, scoring, load, store
writes, reports) ends the same way: the stage in flight is cancelled, every finished result is
kept, the run is stored as ``interrupted`` and every report is written (exit 2).

- ``handling()`` installs the handlers for a command's duration. The handlers are plain
  ``signal.signal`` ones: they run between two bytecodes of the main thread, so an interrupt
  that lands in synchronous work (building a report, waiting for the store) is seen at once,
  not when the event loop next gets control.
- ``cancelling()`` marks the part of a coroutine that an interrupt should cancel (the
  requests of a run, a load test). Outside such a part, an interrupt only sets the flag
  (``requested()``), which the pipeline reads before each stage and before it commits.
- A second signal raises ``KeyboardInterrupt`` wherever the main thread is, after saying what
  is lost (``losing()`` names it for the stage in progress).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import select
import signal
import threading
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from golive.schemas import RunResult

__all__ = [
    "Scope",
    "aborted",
    "cancel_on_signal",
    "cancelling",
    "handling",
    "losing",
    "pause_at",
    "requested",
    "settle",
    "signal_name",
    "until_interrupted",
]

T = TypeVar("T")
R = TypeVar("R", bound="RunResult")
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_DEFAULT_LOST = (
    "results in flight and the reports; what the store holds so far stays there, marked interrupted"
)


@dataclass
class Scope:
    """A part of a coroutine an interrupt cancels; ``cancelled`` tells whether it did."""

    task: asyncio.Task[Any]
    loop: asyncio.AbstractEventLoop
    active: bool = True
    cancelled: bool = False

    def cancel(self) -> None:
        """Cancel the task, once, and only while the scope is still open (runs on the loop)."""
        if self.active and not self.cancelled:
            self.cancelled = True
            self.task.cancel()


@dataclass
class _State:
    signals: int = 0  # signals received since the outermost handling() began
    first: signal.Signals | None = None
    aborted: bool = False
    depth: int = 0
    previous: dict[signal.Signals, Any] = field(default_factory=dict)
    scopes: list[Scope] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


_state = _State()


def requested() -> bool:
    """Whether an interrupt arrived since the outermost ``handling()`` began."""
    return _state.first is not None


def aborted() -> bool:
    """Whether a second signal aborted the command: nothing more is to be written."""
    return _state.aborted


def settle(result: R) -> tuple[R, bool]:
    """Before a round of writing a run's store rows and reports: after an abort, stop at once
    (``KeyboardInterrupt``); else ``result``, marked interrupted when an interrupt arrived, and
    whether one had (a round is written again if another arrives while it is being written)."""
    if _state.aborted:  # the abort landed in a stage that kept going: stop here
        raise KeyboardInterrupt
    interrupted = requested()
    if interrupted and result.status != "interrupted":
        result = dataclasses.replace(result, status="interrupted")
    return result, interrupted


def signal_name() -> str | None:
    """The signal that interrupted (``SIGINT``, ``SIGTERM``), or None."""
    return _state.first.name if _state.first is not None else None


def _say(text: str) -> None:
    # os.write, not print: a handler may run in the middle of another write to sys.stderr.
    with contextlib.suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))


def _on_signal(signum: int, frame: FrameType | None) -> None:
    sig = signal.Signals(signum)
    _state.signals += 1
    _wake_pause()
    if _state.first is not None:
        lost = _state.lost[-1] if _state.lost else _DEFAULT_LOST
        _say(f"\naborted ({sig.name} again): lost {lost}\n")
        _state.aborted = True  # should the interrupt land where it is caught, see aborted()
        raise KeyboardInterrupt
    _state.first = sig
    again = "Press Ctrl-C" if sig == signal.SIGINT else f"Send {sig.name}"
    _say(
        f"\ninterrupted ({sig.name}): stopping; finished results are kept, stored and "
        f"reported. {again} again to abort at once.\n"
    )
    # Cancel the innermost open scope of each task; the others end with it.
    seen: set[int] = set()
    for scope in reversed(_state.scopes):
        if id(scope.task) not in seen and scope.active:
            seen.add(id(scope.task))
            with contextlib.suppress(RuntimeError):  # its loop is closed: nothing to cancel
                scope.loop.call_soon_threadsafe(scope.cancel)


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """Handle SIGINT and SIGTERM for the duration; nested uses share the outermost's state.

    Outside the main thread (where Python cannot install handlers) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _state.depth == 0:
        _state.signals, _state.first, _state.aborted = 0, None, False
        _state.previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
        for sig in _SIGNALS:
            signal.signal(sig, _on_signal)
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            for sig, previous in _state.previous.items():
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)


def _in_forked_child() -> None:
    # A worker forked while a command handles interrupts (scoring, load clients) leaves Ctrl-C
    # to the command, which stops it; SIGTERM kills it as usual.
    if _state.depth > 0:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _state.depth, _state.scopes, _state.lost = 0, [], []


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_in_forked_child)


@contextlib.contextmanager
def cancelling(task: asyncio.Task[Any] | None = None) -> Iterator[Scope | None]:
    """Inside a coroutine: an interrupt cancels ``task`` (default: the current one) while the
    block runs; if one already arrived, the task is cancelled at its next ``await``.

    Catch ``asyncio.CancelledError`` inside the block and ``uncancel()`` the task when
    ``scope.cancelled``. Yields None (nothing to cancel) outside a task.
    """
    task = task or asyncio.current_task()
    if task is None:
        yield None
        return
    scope = Scope(task, asyncio.get_running_loop())
    with handling():
        _state.scopes.append(scope)
        try:
            if requested():
                scope.cancel()
            yield scope
        finally:
            scope.active = False
            _state.scopes.remove(scope)


async def until_interrupted(step: Awaitable[T]) -> T | None:
    """Await ``step``; None if an interrupt cancelled it (the flag stays set)."""
    with cancelling() as scope:
        try:
            return await step
        except asyncio.CancelledError:
            if scope is None or not scope.cancelled:
                raise
            scope.task.uncancel()
            return None


async def cancel_on_signal(step: Awaitable[object]) -> bool:
    """Await ``step``; an interrupt (Ctrl-C, SIGTERM) cancels it. True when it ended
    cancelled, by an interrupt or by the caller's own cancellation, which is then withdrawn
    (``uncancel``) so that the caller goes on to keep and report what finished: the runner
    its samples, the load test its levels."""
    task = asyncio.current_task()
    with cancelling(task):
        try:
            await step
        except asyncio.CancelledError:
            if task is not None:
                task.uncancel()
            return True
    return False


@contextlib.contextmanager
def losing(what: str) -> Iterator[None]:
    """While inside, an abort (the second signal) says it loses ``what``."""
    _state.lost.append(what)
    try:
        yield
    finally:
        _state.lost.remove(what)


# -- test seam ------------------------------------------------------------------------------
# tests/e2e/test_interrupts.py sends a signal at an exact phase without sleeping. With
# GOLIVE_TEST_PAUSE_AT=<phase>[,<phase>...], the first pause_at(<phase>) writes
# "golive-test-paused-at <phase>" to stderr and blocks (the thread it runs on) until the next
# signal arrives, or 120 s pass. Phases: requests, scoring, load, store, reports. Unset (always,
# outside those tests) it costs one comparison.
_PAUSE_AT = frozenset(filter(None, os.environ.get("GOLIVE_TEST_PAUSE_AT", "").split(",")))
_PAUSE_TIMEOUT_S = 120.0
_paused: set[str] = set()
_wake: tuple[int, int] | None = None


def _wake_pause() -> None:
    if _wake is not None:
        with contextlib.suppress(OSError):
            os.write(_wake[1], b"x")


def pause_at(phase: str) -> None:
    """Test seam: see the comment above. Does nothing unless GOLIVE_TEST_PAUSE_AT names it."""
    global _wake
    if phase not in _PAUSE_AT or phase in _paused:
        return
    _paused.add(phase)
    if _wake is None:
        _wake = os.pipe()
        os.set_blocking(_wake[1], False)
    before = _state.signals
    _say(f"golive-test-paused-at {phase}\n")
    deadline = time.monotonic() + _PAUSE_TIMEOUT_S
    while _state.signals == before and (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([_wake[0]], [], [], left)
        if readable:
            os.read(_wake[0], 64)
