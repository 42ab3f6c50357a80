"""Added TTFT of golive proxy with the demo server, the proxy and the load client each in its
own process: ``golive mock-server``, ``golive proxy`` and ``golive load``.

Run: PYTHONPATH=src .venv/bin/python benchmarks/proxy_overhead_procs.py [--reps 8] [--users 32]
     [--duration 8] [--no-store] [--holdback N] [--upstream demo|exact] [--itl-ms 10]
     [--workers N] [--tokens-max M] [--no-guards]

The demo server runs at real speed without a cold start and with a batch as large as the
users (``--max-batch``), so it queues nothing; the proxy runs its default guards (input:
validate, pii, injection; output: output_pii) and logs every exchange to a SQLite store
unless ``--no-store`` (``--no-guards``: none at all, the relay's own cost); ``--holdback N``
sets the stream holdback (default: the proxy's own, 64).

``--upstream exact`` replaces the demo by benchmarks/_load_server.py: exactly 100 ms TTFT,
64 tokens ``--itl-ms`` apart. The demo batches, so its TTFT moves by up to a decode step with
the moment a request joins the batch, which hides a 2 ms difference at p50. With 64 tokens
every reply ends in the same instant and the 32 users send their next requests together (the
worst case: one burst); ``--tokens-max M`` draws each reply's length from 16..M (seeded), so
the users drift apart as a real model's varied replies make them.

Each repetition runs ``golive load --concurrency USERS`` twice, once direct and once through
the proxy, in a fresh client process each time, the order alternating between repetitions so
that drift (other work on the machine) hits both paths alike. TTFT is golive load's
c_1 - t_send. Reported: per-run p50/p99, and the median over repetitions of the paired
differences (proxy - direct). The 1-minute load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

_URL = re.compile(r"http://127\.0\.0\.1:\d+/v1")


def _start(argv: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    out: IO[str] | None = proc.stdout
    assert out is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = out.readline()
        if not line:
            break
        if found := _URL.search(line):
            return proc, found.group()
    proc.kill()
    raise RuntimeError(f"{argv[3]} printed no URL")


def _stop(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _load(url: str, users: int, duration: float, out: Path) -> dict[str, float]:
    argv = [
        sys.executable, "-m", "golive", "load", "--url", url, "--model", "nimbus-support-1",
        "--concurrency", str(users), "--duration", str(duration), "--warmup", "1",
        "--no-store", "--json", str(out), "--out", str(out.parent / "report"),
    ]  # fmt: skip
    subprocess.run(argv, check=False, capture_output=True, timeout=duration * 4 + 60)
    level: dict[str, Any] = json.loads(out.read_text())["load"]["levels"][0]
    return {
        "p50": level["ttft_ms"]["p50"],
        "p99": level["ttft_ms"]["p99"],
        "n": level["requests"],
        "valid": level["valid"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--no-store", action="store_true")
    parser.add_argument("--holdback", type=int, default=None)
    parser.add_argument("--upstream", choices=["demo", "exact"], default="demo")
    parser.add_argument("--itl-ms", type=float, default=10.0, help="exact upstream's ITL")
    parser.add_argument("--workers", type=int, default=1, help="golive proxy --workers")
    parser.add_argument("--no-guards", action="store_true", help="input: [], output: []")
    parser.add_argument("--tokens-max", type=int, default=None, help="exact: vary 16..M tokens")
    args = parser.parse_args()
    golive = [sys.executable, "-m", "golive"]
    tmp = Path(tempfile.mkdtemp(prefix="golive-proxy-bench-"))
    load_before = os.getloadavg()[0]
    if args.upstream == "exact":
        demo = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_load_server.py")), "--ttft-ms",
             "100", "--itl-ms", str(args.itl_ms),
             *(["--tokens", "64"] if args.tokens_max is None
               else ["--tokens", "16", "--tokens-max", str(args.tokens_max)])],
            stdout=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        assert demo.stdout is not None
        demo_url = f"http://127.0.0.1:{demo.stdout.readline().split()[1]}/v1"
    else:
        demo, demo_url = _start(
            [*golive, "mock-server", "--port", "0", "--cold-start-s", "0",
             "--max-batch", str(args.users), "--max-queue", "1024"]
        )  # fmt: skip
    store = ["--no-store"] if args.no_store else ["--store", f"sqlite:///{tmp}/proxy.db"]
    config: list[str] = []
    lines = [f"holdback_chars: {args.holdback}"] if args.holdback is not None else []
    lines += ["input: []", "output: []"] if args.no_guards else []
    if lines:
        (tmp / "guard.yaml").write_text("\n".join(lines) + "\n")
        config = ["--config", str(tmp / "guard.yaml")]
    proxy, proxy_url = _start(
        [
            *golive,
            "proxy",
            "--upstream",
            demo_url,
            "--port",
            "0",
            *store,
            *config,
            "--workers",
            str(args.workers),
        ]
    )
    runs: dict[str, list[dict[str, float]]] = {"direct": [], "proxy": []}
    try:
        _load(demo_url, args.users, 2, tmp / "warm-d.json")  # warm both paths up
        _load(proxy_url, args.users, 2, tmp / "warm-p.json")
        for rep in range(args.reps):
            order = [("direct", demo_url), ("proxy", proxy_url)]
            for path, url in order if rep % 2 == 0 else order[::-1]:
                result = _load(url, args.users, args.duration, tmp / f"{path}-{rep}.json")
                runs[path].append(result)
                print(f"rep {rep} {path:6s} p50 {result['p50']:8.1f} ms  p99 "
                      f"{result['p99']:8.1f} ms  n={result['n']:.0f} valid={result['valid']}",
                      flush=True)  # fmt: skip
    finally:
        _stop(proxy)
        _stop(demo)
    load_after = os.getloadavg()[0]
    for stat in ("p50", "p99"):
        d = [r[stat] for r in runs["direct"]]
        p = [r[stat] for r in runs["proxy"]]
        diffs = [b - a for a, b in zip(d, p, strict=True)]
        print(f"TTFT {stat}: direct median {statistics.median(d):.1f} ms, proxy median "
              f"{statistics.median(p):.1f} ms, added (median of paired differences) "
              f"{statistics.median(diffs):+.1f} ms, "
              f"range [{min(diffs):+.1f}, {max(diffs):+.1f}]")  # fmt: skip
    holdback = "default" if args.holdback is None else args.holdback
    print(f"users={args.users} reps={args.reps} duration={args.duration}s store="
          f"{'off' if args.no_store else 'sqlite'} holdback={holdback} upstream={args.upstream} "
          f"{'' if args.upstream == 'demo' else f'itl={args.itl_ms:g}ms '}"
          f"{'' if args.tokens_max is None else f'tokens=16..{args.tokens_max} '}"
          f"workers={args.workers} {'guards=none ' if args.no_guards else ''}"
          f"cores={os.cpu_count()} "
          f"loadavg(1 min) before {load_before:.2f} after {load_after:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
