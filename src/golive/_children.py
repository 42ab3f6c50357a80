"""Every process golive starts dies with golive, even when golive itself is SIGKILLed.

A clean exit stops children explicitly (``_launch.Launched.kill``, the proxy supervisor, the
load and scoring pools). SIGKILL runs none of that, so on Linux each child also asks the
kernel for a parent-death signal (``prctl(PR_SET_PDEATHSIG)``): when the process that started
it dies, however it dies, the child gets ``SIGKILL`` (or the signal given). Elsewhere these
helpers do nothing.

- ``die_with_parent()``: first thing in a child golive runs itself (a ``multiprocessing``
  worker, the forked scoring process).
- ``preexec_die_with_parent``: the ``preexec_fn`` for a command golive launches (the demo
  server process, a user's ``start:`` command: the shell gets it, and its process group is
  killed whole on every exit golive controls).

The signal is tied to the *thread* that started the child: golive starts children from the
main thread (the event loop's), which lives as long as the process.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

__all__ = ["become_helper", "die_with_parent", "preexec_die_with_parent"]

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl: Callable[..., int] = libc.prctl
    except (OSError, AttributeError):
        return None
    return prctl


# Resolved once, in the parent: a preexec_fn runs between fork and exec, where loading a
# library is not safe.
_PRCTL = _load_prctl()


def _ask(sig: signal.Signals) -> bool:
    if _PRCTL is None:
        return False
    return _PRCTL(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def die_with_parent(sig: signal.Signals = signal.SIGKILL, parent: int | None = None) -> None:
    """In a child: get ``sig`` when the parent dies; exit now if it already has.

    ``parent``: the pid that started this process (default: ``multiprocessing``'s parent,
    else the current parent). The check after ``prctl`` closes the race where the parent
    died before the request was made (the child would then have been re-parented already).
    """
    if not _ask(sig):
        return
    if parent is None:
        started_by = multiprocessing.parent_process()
        parent = started_by.pid if started_by is not None else None
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def preexec_die_with_parent() -> None:
    """``preexec_fn`` for ``subprocess``/``asyncio`` launches: SIGKILL when golive dies.

    Runs in the forked child before exec; only a system call (resolved in the parent).
    """
    _ask(signal.SIGKILL)


_WATCH_PARENT_S = 0.5


def become_helper(parent: int, *, niceness: int = 5, default_sigterm: bool = False) -> None:
    """Set up a forked helper process (the scoring child, the proxy's guard process): it dies
    with ``parent`` (the kernel's signal, and a watch for where that is missing), writes to
    none of the parent's signal pipes, leaves Ctrl-C to the parent, and runs below it in
    priority so the parent's measured work comes first."""
    die_with_parent(parent=parent)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)  # the parent's loop may route signals to its self-pipe
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # sent to the whole group: the parent's
    if default_sigterm:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError):
        os.nice(niceness)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this helper when its parent is gone (killed outright, with no shutdown)."""
    while os.getppid() == parent:
        time.sleep(_WATCH_PARENT_S)
    os._exit(0)
