"""Launch a server process in its own process group, note the first URL it prints, kill it whole.

Shared by the cold-start profile (a user's ``start:`` command) and the demo target run in its
own process (``process: true``), so both stop their servers the same way: SIGTERM to the group,
SIGKILL if it lingers, SIGKILL again for whatever the shell left behind. A group still alive
when golive exits (a second Ctrl-C aborted it before ``kill`` ran) gets SIGKILL at exit; when
golive itself is SIGKILLed, the started process gets SIGKILL from the kernel (Linux: see
``golive._children``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import signal
import time
from collections.abc import Sequence
from typing import IO, Any

from golive._children import preexec_die_with_parent

__all__ = ["URL_PATTERN", "Launched", "launch"]

URL_PATTERN = re.compile(r"https?://[^\s'\"<>]+")
_STOP_TIMEOUT_S = 5.0  # SIGTERM, then this long, then SIGKILL
_LIVE: set[int] = set()  # process groups started and not yet killed


@atexit.register
def _kill_leftovers() -> None:
    for pgid in sorted(_LIVE):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    _LIVE.clear()


class Launched:
    """The started command: its output copied to ``log`` (or dropped), the first URL noted."""

    def __init__(self, proc: asyncio.subprocess.Process, log: IO[bytes] | None) -> None:
        self.proc, self.log = proc, log
        _LIVE.add(proc.pid)
        self.url: asyncio.Future[tuple[str, int]] = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def _read(self) -> None:
        # Reading to the end also keeps the pipe drained: a chatty server never blocks on it.
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            t_ns = time.perf_counter_ns()
            if self.log is not None:
                self.log.write(line)
                self.log.flush()
            match = URL_PATTERN.search(line.decode("utf-8", "replace"))
            if match and not self.url.done():
                self.url.set_result((match.group(0).rstrip(".,;)"), t_ns))

    async def wait_url(self, timeout_s: float) -> tuple[str, int] | None:
        """The printed URL and when it appeared; None if the command exited or time ran out."""
        exited: asyncio.Future[object] = asyncio.ensure_future(self.proc.wait())
        url: asyncio.Future[object] = self.url  # type: ignore[assignment]
        try:
            await asyncio.wait(
                {url, exited}, timeout=max(timeout_s, 0), return_when="FIRST_COMPLETED"
            )
        finally:
            exited.cancel()
        return self.url.result() if self.url.done() else None

    async def kill(self) -> None:
        """SIGTERM the whole process group, SIGKILL it if it lingers; then drain the output."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), _STOP_TIMEOUT_S)
                break
        # The shell may exit on SIGTERM before its children do: whatever is left of the group
        # gets SIGKILL, so no server outlives its user.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        _LIVE.discard(self.proc.pid)
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self.reader, _STOP_TIMEOUT_S)
        self.reader.cancel()


async def launch(
    command: str | Sequence[str], *, log: IO[bytes] | None = None, env: dict[str, str] | None = None
) -> Launched:
    """Start ``command`` (a shell string, or an argv run without a shell) in a new session,
    stdout and stderr merged and read by the returned ``Launched``."""
    merged = {**os.environ, **(env or {})}
    pipe, out, devnull = (
        asyncio.subprocess.PIPE,
        asyncio.subprocess.STDOUT,
        asyncio.subprocess.DEVNULL,
    )
    # start_new_session: its own process group, killed whole, children included;
    # preexec_die_with_parent: killed by the kernel if golive dies without killing it.
    options: dict[str, Any] = {
        "stdout": pipe,
        "stderr": out,
        "stdin": devnull,
        "start_new_session": True,
        "env": merged,
        "preexec_fn": preexec_die_with_parent,
    }
    if isinstance(command, str):
        proc = await asyncio.create_subprocess_shell(command, **options)
    else:
        proc = await asyncio.create_subprocess_exec(*command, **options)
    return Launched(proc, log)
