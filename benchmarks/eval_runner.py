"""Eval-runner benchmark: golive's real runner against a server that answers in 51 ms.

DESIGN.md's goal: N cases × 3 samples at concurrency 16 within 0.7 of the ideal wall time
(the server's own time per request × requests / concurrency), with the default scorers, cost
linear in N, and recorded latencies within 2 ms of what the server saw.

The server (benchmarks/_slow_server.py) runs in its own process pinned to core 0; this
process, the client, pins itself to core 1. Each measured run is a fresh
``Runner(plan).run_async(cases)``; the last one goes through ``pipeline.execute_async`` with
the SQLite store and every default report, to show what those add.

    .venv/bin/python benchmarks/eval_runner.py            # N = 250, 500, 1000 + pipeline
    .venv/bin/python benchmarks/eval_runner.py --quick    # N = 200
    .venv/bin/python benchmarks/eval_runner.py --loop uvloop --profile /tmp/runner.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _slow_server import make_question, make_reference  # noqa: E402

from golive.config import plan_from_dict  # noqa: E402
from golive.runner import Runner  # noqa: E402
from golive.schemas import Case, RunResult  # noqa: E402

T = TypeVar("T")
RUNNER: type[Runner] = Runner


@dataclass
class Measured:
    label: str
    n: int
    requests: int
    wall_s: float
    cpu_s: float
    server_e2e_ms: list[float]
    ttft_err_ms: list[float]
    e2e_err_ms: list[float]
    failed: int
    foreign_cpu_share: float = float("nan")
    scorer_s: dict[str, float] = field(default_factory=dict)
    runner_wall_s: float | None = None  # pipeline only: the runner's part of the wall time

    def ideal_s(self, concurrency: int) -> float:
        # Zero client overhead: each of the `concurrency` slots runs its share back to back.
        return sum(self.server_e2e_ms) / 1000 / concurrency


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "?"
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {sys.platform}"


def busy_cpu_s() -> float:
    """CPU seconds all processes spent so far (Linux /proc/stat; 0 elsewhere)."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def make_cases(n: int) -> list[Case]:
    return [
        Case(id=f"c{i:05d}", input=make_question(i), reference=make_reference(i)) for i in range(n)
    ]


class Server:
    """The slow server as a child process pinned to ``cpu``."""

    def __init__(self, cpu: int | None, *flags: str) -> None:
        cmd = [sys.executable, str(HERE / "_slow_server.py"), *flags]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"

    def cpu_s(self) -> float:
        """The server process's CPU seconds so far (Linux only; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.base + "/reset", method="POST")).read()

    def stats(self) -> dict[str, tuple[float, float]]:
        with urllib.request.urlopen(self.base + "/stats") as resp:
            raw: dict[str, list[float]] = json.loads(resp.read())
        return {k: (v[0], v[1]) for k, v in raw.items()}

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=5)


def plan_for(server: Server, args: argparse.Namespace, *, scorers: bool, out: Path) -> Any:
    data: dict[str, Any] = {
        "target": {"kind": "openai", "url": server.base + "/v1", "model": "bench"},
        "samples": args.samples,
        "concurrency": args.concurrency,
        "store": f"sqlite:///{out / 'golive.db'}",
        "out": str(out / "report"),
    }
    if not scorers:
        data["scorers"] = []
    return plan_from_dict(data)


def run_loop(coro: Coroutine[Any, Any, T], loop_kind: str) -> T:
    if loop_kind == "uvloop":
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)


def _time_scorers(runner: Any, into: dict[str, float]) -> None:
    """Add each scorer's own time in the runner's last run (summed wherever it scored)."""
    for name, seconds in getattr(runner, "scorer_seconds", {}).items():
        into[name] += seconds


def _rusage() -> float:
    """CPU seconds of this process and of its finished children: the runner's scoring
    process ends with each run (the server, still running, is not counted)."""
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(
    label: str,
    server: Server,
    cases: list[Case],
    body: Callable[[dict[str, float]], Coroutine[Any, Any, tuple[RunResult, float | None]]],
    loop_kind: str,
    profile: Path | None = None,
) -> Measured:
    server.reset()
    scorer_s: dict[str, float] = defaultdict(float)
    before = _rusage()
    busy0, server0 = busy_cpu_s(), server.cpu_s()
    prof = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    result, runner_wall = run_loop(body(scorer_s), loop_kind)
    if prof:
        prof.disable()
    wall = time.perf_counter() - t0
    after = _rusage()
    busy1, server1 = busy_cpu_s(), server.cpu_s()
    if prof and profile:
        prof.dump_stats(str(profile))
    cpu = after - before
    seen = server.stats()
    ttft_err, e2e_err, server_e2e, failed = [], [], [], 0
    for case_result in result.cases:
        for scored in case_result.samples:
            obs = scored.observation
            key = f"{obs.request.messages[-1].content}\x00{obs.request.seed}"
            if not obs.ok or key not in seen:
                failed += 1
                continue
            s_ttft, s_e2e = seen[key]
            server_e2e.append(s_e2e)
            if obs.ttft_ms is not None and obs.e2e_ms is not None:
                ttft_err.append(obs.ttft_ms - s_ttft)
                e2e_err.append(obs.e2e_ms - s_e2e)
    requests = sum(len(c.samples) for c in result.cases)
    # CPU used by other processes while this ran, as a share of the whole machine: a noisy
    # neighbour shows here instead of silently in the numbers.
    foreign = (busy1 - busy0) - cpu - (server1 - server0)
    foreign_share = max(0.0, foreign) / (wall * (os.cpu_count() or 1))
    return Measured(
        label, len(cases), requests, wall, cpu, server_e2e, ttft_err, e2e_err, failed,
        foreign_share, dict(scorer_s), runner_wall,
    )  # fmt: skip


def runner_body(
    server: Server, args: argparse.Namespace, cases: list[Case], out: Path, *, scorers: bool
) -> Callable[[dict[str, float]], Coroutine[Any, Any, tuple[RunResult, float | None]]]:
    async def body(scorer_s: dict[str, float]) -> tuple[RunResult, float | None]:
        runner = RUNNER(plan_for(server, args, scorers=scorers, out=out))
        result = await runner.run_async(cases)
        _time_scorers(runner, scorer_s)
        return result, None

    return body


def pipeline_body(
    server: Server, args: argparse.Namespace, cases: list[Case], out: Path
) -> Callable[[dict[str, float]], Coroutine[Any, Any, tuple[RunResult, float | None]]]:
    from rich.console import Console

    from golive.pipeline import execute_async

    async def body(scorer_s: dict[str, float]) -> tuple[RunResult, float | None]:
        console = Console(file=io.StringIO(), width=100)
        outcome = await execute_async(
            plan_for(server, args, scorers=True, out=out), console=console, cases=cases
        )
        r = outcome.result
        return r, (r.finished_at - r.started_at).total_seconds()

    return body


def _load_runner(path: Path) -> type[Runner]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("golive._bench_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    runner: type[Runner] = module.Runner
    return runner


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(m: Measured, concurrency: int) -> dict[str, Any]:
    ideal = m.ideal_s(concurrency)
    nominal = m.requests * 0.051 / concurrency
    scoring = sum(m.scorer_s.values())
    timed = m.runner_wall_s is None  # execute_async builds its own Runner: scorers not timed
    row: dict[str, Any] = {
        "run": m.label,
        "cases": m.n,
        "requests": m.requests,
        "failed": m.failed,
        "wall_s": round(m.wall_s, 3),
        "ideal_s": round(ideal, 3),
        "ideal_nominal_51ms_s": round(nominal, 3),
        "ratio_ideal_over_wall": round(ideal / m.wall_s, 3),
        "req_per_s": round(m.requests / m.wall_s, 1),
        "wall_ms_per_request": round(m.wall_s * 1000 / m.requests, 3),
        "client_cpu_ms_per_request": round(m.cpu_s * 1000 / m.requests, 3),
        "client_cpu_share_of_wall": round(m.cpu_s / m.wall_s, 3),
        "other_processes_cpu_share": round(m.foreign_cpu_share, 3),
        "server_e2e_ms_p50": round(statistics.median(m.server_e2e_ms), 3),
        "ttft_err_ms_p50": round(pct(m.ttft_err_ms, 0.5), 3),
        "ttft_err_ms_p99": round(pct(m.ttft_err_ms, 0.99), 3),
        "e2e_err_ms_p50": round(pct(m.e2e_err_ms, 0.5), 3),
        "e2e_err_ms_p99": round(pct(m.e2e_err_ms, 0.99), 3),
        "scoring_ms_per_request": round(scoring * 1000 / m.requests, 3) if timed else None,
        "scoring_share_of_wall": round(scoring / m.wall_s, 3) if timed else None,
        "scorer_ms_per_request": {
            k: round(v * 1000 / m.requests, 3) for k, v in sorted(m.scorer_s.items())
        }
        if timed
        else None,
    }
    if m.runner_wall_s is not None:
        row["runner_part_s"] = round(m.runner_wall_s, 3)
        row["after_run_s (store close + reports)"] = round(m.wall_s - m.runner_wall_s, 3)
    return row


def print_row(row: dict[str, Any]) -> None:
    print(f"\n== {row['run']}: {row['cases']} cases, {row['requests']} requests")
    for key, value in row.items():
        if key not in ("run", "cases", "requests"):
            print(f"  {key:40s} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000", help="comma-separated case counts")
    parser.add_argument("--quick", action="store_true", help="N = 200 only")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the execute_async run")
    parser.add_argument("--no-baseline", action="store_true", help="skip the no-scorer run")
    parser.add_argument("--profile", type=Path, help="cProfile the largest runner run to FILE")
    parser.add_argument(
        "--runner-file", type=Path, help="take Runner from this file (A/B against another version)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.runner_file:
        global RUNNER
        RUNNER = _load_runner(args.runner_file)
    sizes = [200] if args.quick else [int(s) for s in args.sizes.split(",")]
    pinned = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
    if pinned:
        os.sched_setaffinity(0, {1})
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print("machine:", machine())
    print("pinning: server core 0, client core 1" if pinned else "pinning: none")
    print(f"loop: {args.loop}; samples {args.samples}; concurrency {args.concurrency}")
    server = Server(0 if pinned else None)
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            # Warm-up (imports, lingua's detector build, first connections): not measured.
            warm = make_cases(32)
            measure("warm-up", server, warm,
                    runner_body(server, args, warm, out, scorers=True), args.loop)  # fmt: skip
            for n in sizes:
                cases = make_cases(n)
                body = runner_body(server, args, cases, out, scorers=True)
                m = measure(f"runner N={n}", server, cases, body, args.loop)
                rows.append(report(m, args.concurrency))
                print_row(rows[-1])
            n = max(sizes)
            cases = make_cases(n)
            if not args.no_baseline:
                body = runner_body(server, args, cases, out, scorers=False)
                m = measure(f"runner N={n}, no scorers", server, cases, body, args.loop)
                rows.append(report(m, args.concurrency))
                print_row(rows[-1])
            if not args.no_pipeline:
                m = measure(f"execute_async N={n} (store + reports)", server, cases,
                            pipeline_body(server, args, cases, out), args.loop)  # fmt: skip
                rows.append(report(m, args.concurrency))
                print_row(rows[-1])
            if args.profile:  # a run of its own: cProfile doubles the client's CPU time
                body = runner_body(server, args, cases, out, scorers=True)
                measure("profiled", server, cases, body, args.loop, args.profile)
                print(f"\nprofile of a runner N={n} run written to {args.profile}")
    finally:
        server.stop()
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
