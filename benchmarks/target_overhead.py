"""Target overhead: golive's recorded TTFT and E2E against a 5 ms endpoint's own timing, for
each target kind and transport, with the default scorers.

The endpoint is benchmarks/_slow_server.py with ``--first-ms 1 --total-ms 5`` in its own
process: a stream's first chunk at 1 ms and its last at 5 ms, or one JSON reply at 5 ms, all
timed on the server's own clock from the moment its handler is entered (the server records
when each write returned). The ``python`` target calls ``answer`` below in-process: it sleeps
5 ms and records its own entry and return on golive's clock. For every request the error is
golive's figure minus the server's (or the callable's) own figure for the same request.

Each kind runs three times, interleaved, each run in a fresh process (so every scorer loads
cold, as in a real ``golive run``): scoring in its child process (``process``, the default),
scoring on the measuring loop (``loop``, where golive scored before), and no scorers at all
(``none``: the transport's own error). The ``demo`` target is the ``openai`` target pointed
at golive's bundled server, which keeps no timing of its own: the openai rows cover it.

    .venv/bin/python benchmarks/target_overhead.py               # 300 cases × 2 samples, c=2
    .venv/bin/python benchmarks/target_overhead.py --cases 100 --concurrency 4 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _slow_server import answer_for  # noqa: E402
from eval_runner import Server, busy_cpu_s, machine, make_cases, pct  # noqa: E402

from golive.config import plan_from_dict  # noqa: E402
from golive.runner import Runner  # noqa: E402
from golive.schemas import RunResult  # noqa: E402

TOTAL_MS = 5.0
FIRST_MS = 1.0
# The python target's own timing: user message -> (entry ns, return ns), on golive's clock.
CALLED: dict[str, tuple[int, int]] = {}
_LOCK = threading.Lock()


def answer(text: str) -> str:
    """The ``python`` target's callable: 5 ms of work (a sleep), timed by itself."""
    t0 = time.perf_counter_ns()
    time.sleep(TOTAL_MS / 1000)
    reply = answer_for(text, 0)
    with _LOCK:
        CALLED[text] = (t0, time.perf_counter_ns())
    return reply


KINDS: dict[str, str] = {
    "openai-stamped": "openai target, SSE over plain http: kernel arrival stamps",
    "openai-aiohttp": "openai target, SSE read by aiohttp (as over https): loop stamps",
    "openai-json": "openai target, stream: false (aiohttp, one JSON reply): loop stamps",
    "http": "http target (aiohttp, one JSON reply): loop stamps",
    "python": "python target, sync callable in a worker thread: stamped as it returns",
}


def target_for(kind: str, base: str) -> dict[str, Any]:
    if kind == "openai-stamped":
        return {"kind": "openai", "url": base + "/v1", "model": "bench"}
    if kind == "openai-aiohttp":
        # User info in the URL keeps the kernel-stamped reader off (it cannot send it).
        host = base.removeprefix("http://")
        return {"kind": "openai", "url": f"http://bench:bench@{host}/v1", "model": "bench"}
    if kind == "openai-json":
        return {"kind": "openai", "url": base + "/v1", "model": "bench", "stream": False}
    if kind == "http":
        return {
            "kind": "http",
            "url": base + "/v1/chat/completions",
            "body": {"messages": "{{messages}}", "seed": "{{seed}}"},
            "output_path": "$.answer",
        }
    return {"kind": "python", "callable": "target_overhead:answer", "app_dir": str(HERE)}


def _called() -> dict[str, tuple[int, int]]:
    import target_overhead  # the module the python target imports (this file is __main__)

    return target_overhead.CALLED


def errors(kind: str, result: RunResult, server: Server) -> tuple[list[float], list[float], int]:
    """(TTFT errors, E2E errors, requests without a reference or not ok), in ms."""
    if kind == "python":
        called = _called()
        seen = {q: ((t1 - t0) / 1e6, (t1 - t0) / 1e6) for q, (t0, t1) in called.items()}
    else:
        seen = server.stats()
    ttft, e2e, missing = [], [], 0
    for case in result.cases:
        for scored in case.samples:
            obs = scored.observation
            text = obs.request.messages[-1].content
            key = text if kind == "python" else f"{text}\x00{obs.request.seed}"
            if not obs.ok or key not in seen or obs.ttft_ms is None or obs.e2e_ms is None:
                missing += 1
                continue
            ttft.append(obs.ttft_ms - seen[key][0])
            e2e.append(obs.e2e_ms - seen[key][1])
    return ttft, e2e, missing


def run_one(kind: str, scoring: str, base: str, args: argparse.Namespace) -> dict[str, Any]:
    """One measured run in this process (a fresh one: lingua and the rest load cold)."""
    server = Attached(base)
    plan = plan_from_dict(
        {
            "target": target_for(kind, base),
            "samples": args.samples,
            "concurrency": args.concurrency,
            "timeout": 30,
            **({"scorers": []} if scoring == "none" else {}),
        }
    )
    n = args.cases
    if kind == "python":  # the callable sees only the message: one sample each, more cases
        plan = plan.model_copy(update={"samples": 1})
        n *= args.samples
        _called().clear()
    cases = make_cases(n)
    server.reset()
    busy0, t0 = busy_cpu_s(), time.perf_counter()
    runner = Runner(plan, scoring="loop" if scoring == "none" else scoring)  # type: ignore[arg-type]
    result = asyncio.run(runner.run_async(cases))
    wall = time.perf_counter() - t0
    busy = (busy_cpu_s() - busy0) / wall
    ttft, e2e, missing = errors(kind, result, server)
    row = {
        "kind": kind,
        "scoring": scoring,
        "requests": len(ttft),
        "missing": missing,
        "wall_s": round(wall, 2),
        "machine_busy_cores": round(busy, 2),
        "scoring_ms_per_request": round(
            sum(runner.scorer_seconds.values()) * 1000 / max(1, len(ttft)), 3
        ),
    }
    for name, values in (("ttft_err_ms", ttft), ("e2e_err_ms", e2e)):
        row[name] = {q: round(pct(values, p), 2) for q, p in (("p50", 0.5), ("p95", 0.95),
                     ("p99", 0.99), ("max", 1.0))}  # fmt: skip
    return row


class Attached(Server):
    """The server the parent started, seen from a row's own process."""

    def __init__(self, base: str) -> None:  # nothing to start: the parent did
        self.base = base


def in_child(kind: str, scoring: str, base: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--row", f"{kind}:{scoring}", "--server", base,
           "--cases", str(args.cases), "--samples", str(args.samples),
           "--concurrency", str(args.concurrency)]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    row: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated")
    parser.add_argument(
        "--scoring", default="process,loop,none", help="process, loop, none (no scorers)"
    )
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--row", help=argparse.SUPPRESS)  # KIND:SCORING, run in this process
    parser.add_argument("--server", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        kind, scoring = args.row.split(":")
        print(json.dumps(run_one(kind, scoring, args.server, args)))
        return
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print("machine:", machine())
    print(f"endpoint: first chunk {FIRST_MS} ms, whole reply {TOTAL_MS} ms; default scorers;",
          f"{args.cases} cases x {args.samples} samples; concurrency {args.concurrency};",
          "each row in a fresh process")  # fmt: skip
    server = Server(None, "--first-ms", str(FIRST_MS), "--total-ms", str(TOTAL_MS))
    rows = []
    try:
        for kind in args.kinds.split(","):
            for scoring in args.scoring.split(","):
                row = in_child(kind, scoring, server.base, args)
                rows.append(row)
                t, e = row["ttft_err_ms"], row["e2e_err_ms"]
                print(f"{kind:15s} {scoring:8s} n={row['requests']:4d} "
                      f"TTFT err p50/p95/p99/max {t['p50']}/{t['p95']}/{t['p99']}/{t['max']} ms  "
                      f"E2E err {e['p50']}/{e['p95']}/{e['p99']}/{e['max']} ms  "
                      f"busy {row['machine_busy_cores']} cores, wall {row['wall_s']} s",
                      flush=True)  # fmt: skip
    finally:
        server.stop()
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
