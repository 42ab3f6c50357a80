"""Nothing is left behind: SIGKILL golive, and every process it started dies with it.

``golive demo`` is killed during its load phase (the demo server runs as a process of its
own then); ``golive proxy --workers 2``'s supervisor is killed while its workers serve. The
children must exit (the kernel's parent-death signal, see ``golive._children``) and free
their ports, so a restart on the same port is not shared with orphans.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death is Linux"),
]

DEADLINE_S = 30.0  # generous: the kernel signals at once; a busy machine may take a while


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ...


def alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting for a reaper."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {p for p in found if alive(p)}


def listening_ports(pid: int) -> set[int]:
    """The TCP ports ``pid`` listens on (its socket inodes matched in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def port_free(port: int) -> bool:
    """Nothing listens on ``port`` (SO_REUSEADDR, as a restarted server binds: the killed
    server's connections may linger in TIME_WAIT, which is no listener)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"after {DEADLINE_S:.0f} s: {what}"
        time.sleep(0.05)  # polling a condition, with a deadline: not a synchronisation sleep


def kill_and_check(proc: subprocess.Popen[str], children: set[int], ports: set[int]) -> None:
    assert children, "golive had started no child process to check"
    proc.kill()
    proc.wait()
    wait_until(lambda: not any(alive(p) for p in children), f"children still alive: {children}")
    wait_until(lambda: all(port_free(p) for p in ports), f"ports still taken: {ports}")


def test_sigkill_of_golive_demo_during_load_kills_the_demo_server(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            *GOLIVE,
            "demo",
            "--no-diversity",
            "--samples",
            "1",
            "--out",
            str(tmp_path / "r"),
            "--store",
            f"sqlite:///{tmp_path / 'g.db'}",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "GOLIVE_TEST_PAUSE_AT": "load"},
    )
    assert proc.stderr is not None
    try:
        seen = []
        while not (line := proc.stderr.readline()).startswith("golive-test-paused-at load"):
            seen.append(line)
            assert line, f"golive demo ended before its load phase: {''.join(seen)}"
        children = descendants(proc.pid)
        ports = {port for child in children for port in listening_ports(child)}
        assert ports, "the demo server listens on no port"
        kill_and_check(proc, children, ports)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigkill_of_the_proxy_supervisor_kills_its_workers(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            *GOLIVE,
            "proxy",
            "--upstream",
            "http://127.0.0.1:9/v1",
            "--workers",
            "2",
            "--port",
            str(port),
            "--no-store",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    try:
        seen = []
        while not (line := proc.stdout.readline()).startswith("golive proxy:"):
            seen.append(line)
            assert line, f"the proxy did not start: {''.join(seen)}"
        children = descendants(proc.pid)
        workers = {c for c in children if port in listening_ports(c)}
        assert len(workers) == 2, (children, workers)
        kill_and_check(proc, children, {port})
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
