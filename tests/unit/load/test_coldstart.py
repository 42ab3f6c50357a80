"""Cold start against a tiny SSE server that sleeps before it listens, launched as a command."""

from __future__ import annotations

import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from golive.load.coldstart import ColdStartArgs, ColdStartProfile, measure_cold_start
from golive.registry import registry

# Sleeps argv[1] seconds, then serves OpenAI-style SSE on 127.0.0.1:argv[2] (0: any port, whose
# URL it prints), after writing its pid to argv[3]. Stdlib only: it starts fast.
SERVER = textwrap.dedent(
    """
    import http.server, json, os, sys, time
    delay, port, pidfile = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    open(pidfile, "w").write(str(os.getpid()))
    print("loading the model", flush=True)
    time.sleep(delay)
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for d in ({"content": "hi"}, {}):
                fin = None if d else "stop"
                body = {"choices": [{"index": 0, "delta": d, "finish_reason": fin}]}
                self.wfile.write(b"data: " + json.dumps(body).encode() + b"\\n\\n")
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\\n\\n")
            self.close_connection = True
    s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    print(f"serving on http://127.0.0.1:{s.server_address[1]}/v1", flush=True)
    s.serve_forever()
    """
)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "server.py"
    path.write_text(SERVER)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def alive(pid: int, within_s: float = 5.0) -> bool:
    """Still running (not a zombie: a killed grandchild may wait for a reaper that never
    comes) once a killed process has had ``within_s`` to die; signals land asynchronously."""
    deadline = time.monotonic() + within_s
    while _running(pid):
        if time.monotonic() > deadline:
            return True
        time.sleep(0.01)
    return False


def args(script: Path, delay: float, port: int = 0, **kw: object) -> ColdStartArgs:
    pidfile = script.parent / "pid"
    cmd = f"{sys.executable} {script} {delay} {port} {pidfile}"
    return ColdStartArgs(start=cmd, model="m", log_path=script.parent / "log", **kw)  # type: ignore[arg-type]


async def test_cold_start_covers_the_sleep_and_the_process_group_is_killed(script: Path) -> None:
    a = args(script, 0.5, idle_probe_s=0.05, warm_samples=2)
    result = await measure_cold_start(a)
    assert result.error is None
    assert result.cold_start_ms is not None and result.listen_ms is not None
    assert result.cold_start_ms >= 500.0  # the server could not answer before its sleep ended
    assert result.listen_ms >= 500.0 and result.cold_start_ms >= result.listen_ms
    assert result.warm_ttft_ms is not None and result.idle_ttft_ms is not None
    assert result.idle_s == 0.05
    assert "serving on http://127.0.0.1:" in (script.parent / "log").read_text()
    assert not alive(int((script.parent / "pid").read_text()))


async def test_fixed_url_is_polled_until_the_server_listens(script: Path) -> None:
    port = free_port()
    a = args(script, 0.3, port, url=f"http://127.0.0.1:{port}/v1", poll_interval_s=0.02)
    result = await measure_cold_start(a)
    assert result.error is None and result.cold_start_ms is not None
    assert result.cold_start_ms >= 300.0
    assert result.attempts > 1  # refused while it slept
    assert not alive(int((script.parent / "pid").read_text()))


async def test_ready_timeout_bounds_the_wait_and_still_kills(script: Path) -> None:
    result = await measure_cold_start(args(script, 30.0, ready_timeout_s=0.5))
    assert result.cold_start_ms is None
    assert result.error is not None and "URL" in result.error
    assert not alive(int((script.parent / "pid").read_text()))


async def test_a_command_that_exits_is_reported_not_awaited(tmp_path: Path) -> None:
    a = ColdStartArgs(start="echo starting; exit 3", model="m", log_path=tmp_path / "log")
    result = await measure_cold_start(a)
    assert result.cold_start_ms is None
    assert result.exit_code == 3 and result.error is not None and "code 3" in result.error
    assert (tmp_path / "log").read_text() == "starting\n"


async def test_env_is_passed_through(tmp_path: Path) -> None:
    a = ColdStartArgs(
        start='echo "$GOLIVE_TEST_X"',
        model="m",
        env={"GOLIVE_TEST_X": "abc"},
        log_path=tmp_path / "log",
    )
    await measure_cold_start(a)
    assert (tmp_path / "log").read_text() == "abc\n"


def test_args_need_a_command_or_a_url_and_are_registered() -> None:
    with pytest.raises(ValidationError, match="start command"):
        ColdStartArgs(model="m")
    spec = {"kind": "cold_start", "start": "true", "model": "m", "idle_probe_s": 60}
    parsed = registry.parse("profile", spec, field="load")
    assert isinstance(registry.build("profile", parsed), ColdStartProfile)
