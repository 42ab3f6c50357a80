"""``golive proxy --workers N``: N proxy processes behind one port, one set of metrics.

One Python process relays a burst of simultaneous requests one after another (about 0.5 ms
each on the input path; docs/benchmarks.md "Proxy overhead"). With ``SO_REUSEPORT`` the
kernel spreads new connections over N processes listening on the same port, so a host with
cores to spare handles a burst N at a time. Each worker publishes its counters to a shared
directory; ``/metrics`` on any worker sums them, so a scrape sees the whole proxy.
"""

from __future__ import annotations

import multiprocessing
import queue
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from golive._redact import redact_url
from golive.errors import GoliveError, TargetSetupError
from golive.guard._proxy_metrics import MetricsShare

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

    from golive.guard.proxy import ExchangeLog


__all__ = ["WorkerSpec", "run_workers"]

_READY_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker serves (sent to each process, so plain picklable values)."""

    upstream: str
    config: Path | None
    host: str
    port: int
    log: Callable[[], ExchangeLog] | None = None
    """Each worker calls it for its own exchange log (a picklable factory, e.g. a
    ``functools.partial`` of ``StoreExchangeLog`` and the store URL); None: nothing logged."""
    token: str | None = None  # X-Golive-Token every request must carry (None: none)
    allow_hosts: tuple[str, ...] = ()  # Host names beyond the bound address


class _Stop(Exception):
    """SIGTERM reached the supervisor."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run_workers(workers: int, spec: WorkerSpec, echo: Callable[[str], None]) -> None:
    """Start ``workers`` proxies on one port, print the URL, and supervise them until Ctrl-C
    or SIGTERM (then stop every worker) or until one dies (then stop the rest and raise).

    Raises:
        TargetSetupError: a worker could not start or died.
    """
    if not spec.port:  # every worker must bind the same port: choose it here
        spec = WorkerSpec(**{**spec.__dict__, "port": _free_port(spec.host)})
    share = Path(tempfile.mkdtemp(prefix="golive-proxy-metrics-"))
    ctx = multiprocessing.get_context("spawn")  # no forked event loop or thread state
    ready: Queue[tuple[str, str]] = ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker,
            args=(i, spec, str(share), ready),
            name=f"golive-proxy-{i}",
        )
        for i in range(workers)
    ]
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        for proc in procs:
            proc.start()
        urls = [_await_ready(ready) for _ in procs]
        upstream = redact_url(spec.upstream.rstrip("/"))  # never print its credentials
        echo(f"golive proxy: {urls[0]} -> {upstream}  ({workers} workers)  "
             f"metrics: {urls[0].removesuffix('/v1')}/metrics")  # fmt: skip
        echo("Press Ctrl-C to stop.")
        done = wait([p.sentinel for p in procs])  # returns when a worker exits
        dead = next(p for p in procs if p.sentinel in done)
        raise TargetSetupError(f"proxy worker {dead.name} exited (code {dead.exitcode})")
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop_all(procs)
        shutil.rmtree(share, ignore_errors=True)


def _await_ready(ready: Queue[tuple[str, str]]) -> str:
    try:
        status, detail = ready.get(timeout=_READY_TIMEOUT_S)
    except queue.Empty:
        raise TargetSetupError(
            f"the proxy workers did not start within {_READY_TIMEOUT_S:.0f} s"
        ) from None
    if status != "ok":
        raise TargetSetupError(detail)
    return detail


def _stop_all(procs: Sequence[BaseProcess]) -> None:
    for proc in procs:
        if proc.is_alive():
            proc.terminate()  # SIGTERM: each worker closes its listener and flushes its log
    for proc in procs:
        proc.join(_STOP_TIMEOUT_S)
        if proc.is_alive():
            proc.kill()
            proc.join()


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _worker(index: int, spec: WorkerSpec, share: str, ready: Queue[tuple[str, str]]) -> None:
    """One worker process: a GuardProxy on the shared port until SIGTERM."""
    from golive._children import die_with_parent

    # A SIGKILLed supervisor cannot stop us: the kernel does, so no worker keeps the port.
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the supervisor, which stops us
    from golive._loop import freeze_startup_heap, run_main, until_stopped
    from golive.guard.config import load_proxy_config
    from golive.guard.proxy import GuardProxy, proxy_access

    async def serve() -> None:
        try:
            settings = load_proxy_config(spec.config)
            access = proxy_access(spec.host, spec.port, spec.token, spec.allow_hosts)
            log = spec.log() if spec.log is not None else None  # a store that is down: error
            proxy = GuardProxy(spec.upstream, settings, host=spec.host, port=spec.port,
                               log=log, reuse_port=True,
                               share=MetricsShare(Path(share), index),
                               middlewares=[access])  # fmt: skip
            await proxy.start()
        except GoliveError as err:
            ready.put(("error", str(err)))
            return
        freeze_startup_heap()
        ready.put(("ok", proxy.url))
        try:
            await until_stopped()
        finally:
            await proxy.stop()

    run_main(serve())
