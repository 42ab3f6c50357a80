"""How long `golive --help` takes, against a bare Python start measured in the same run.

    .venv/bin/python benchmarks/cli_startup.py [--runs 15]

Goal (DESIGN.md): `golive --help` under 0.5 s, which needs heavy modules imported lazily.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    bare = timed([sys.executable, "-c", "pass"], args.runs)
    help_ = timed([sys.executable, "-m", "golive", "--help"], args.runs)
    run_help = timed([sys.executable, "-m", "golive", "run", "--help"], args.runs)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"command: {' '.join(sys.argv)}  ({args.runs} runs each, median)")
    ref = statistics.median(bare)
    for name, samples in (
        ("python -c pass", bare),
        ("golive --help", help_),
        ("golive run --help", run_help),
    ):
        med = statistics.median(samples)
        print(f"{name:20} {med * 1000:7.0f} ms   {med / ref:5.1f}x bare python")


if __name__ == "__main__":
    main()
