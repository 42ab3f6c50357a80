"""golive's own work never lands inside a measured latency: a scorer that blocks for 300 ms
(a heavy detector, simulated) runs while other replies are in flight, against a real server
on 127.0.0.1 that answers in about 3 ms, for each target kind whose arrival times the event
loop stamps. Each reply's recorded time is compared with the moment the server (a thread of
this process, on the same clock) finished writing it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

from golive.config import plan_from_dict
from golive.registry import scorer
from golive.runner import Runner
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring.base import ScorerArgs

BLOCK_S = 0.3
SERVER_S = 0.003
# Far below the block, far above any honest client's delay on a busy CI machine.
BOUND_MS = 150.0


class BlockingArgs(ScorerArgs):
    kind: Literal["test_blocking"] = "test_blocking"


class _Blocking:
    name = "test_blocking"
    scope: Literal["sample"] = "sample"

    async def score(self, observation: Observation, case: Case) -> Score:
        # Synchronous on purpose, as a CPU-bound detector is: its thread runs nothing else.
        time.sleep(BLOCK_S)  # noqa: ASYNC251
        return Score(self.name, 1.0, True, "", FailureMode.WRONG_ANSWER)


@scorer("test_blocking", args=BlockingArgs)
def blocking(args: BlockingArgs) -> _Blocking:
    """Blocks its thread for 300 ms per reply."""
    return _Blocking()


# What the server and the python callable saw: request key -> when the reply was complete.
WRITTEN: dict[str, int] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        messages = body["messages"]
        key = messages[-1]["content"]
        time.sleep(SERVER_S)
        text = "Open Settings, then Security."
        if self.path.endswith("/chat/completions"):
            reply = {
                "choices": [{"index": 0, "message": {"content": text}, "finish_reason": "stop"}]
            }
        else:
            reply = {"answer": text}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        WRITTEN[key] = time.perf_counter_ns()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def answer(text: str) -> str:
    """The python target's callable: about as long as the server, done when it returns."""
    time.sleep(SERVER_S)
    WRITTEN[text] = time.perf_counter_ns()
    return "Open Settings, then Security."


def _target(kind: str, base: str) -> dict[str, Any]:
    if kind == "http":
        return {
            "kind": "http",
            "url": base + "/answer",
            "body": {"messages": "{{messages}}"},
            "output_path": "$.answer",
        }
    if kind == "openai":  # stream: false takes aiohttp's path, stamped by the loop
        return {"kind": "openai", "url": base + "/v1", "model": "m", "stream": False}
    return {"kind": "python", "callable": f"{__name__}:answer"}


@pytest.mark.parametrize("kind", ["http", "openai", "python"])
async def test_a_blocking_scorer_never_delays_a_recorded_latency(server: str, kind: str) -> None:
    WRITTEN.clear()
    plan = plan_from_dict(
        {
            "target": _target(kind, server),
            "scorers": [{"kind": "test_blocking"}],
            "samples": 1,
            "concurrency": 2,
            "timeout": 30,
        }
    )
    cases = [Case(id=f"c{i}", input=f"How do I reset my password, ticket {i}?") for i in range(6)]
    result = await Runner(plan).run_async(cases)
    observations = [s.observation for c in result.cases for s in c.samples]
    assert len(observations) == 6 and all(o.ok for o in observations), observations
    late = {}
    for o in observations:
        assert o.chunk_times_ns and o.e2e_ms is not None and o.ttft_ms is not None
        written = WRITTEN[o.request.messages[-1].content]
        # How long after the server finished writing golive stamped the reply.
        late[o.case_id] = (o.chunk_times_ns[-1] - written) / 1e6
        assert o.e2e_ms < BOUND_MS, (o.case_id, o.e2e_ms)
    assert max(late.values()) < BOUND_MS, late
