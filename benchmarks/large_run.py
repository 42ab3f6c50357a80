"""Large runs in the dashboard and in ``golive compare``: bytes, time and peak memory.

Writes two synthetic runs of N cases × S samples (``tests/large_runs.py``, through the real
``StoreRecorder``) into a SQLite store, then measures, per N:

- ``golive serve``: the run page ``/runs/<head>`` (its first page for a large run): bytes,
  seconds to the last byte, and the serving process's peak RSS (VmHWM) after the request,
  beside its RSS when idle;
- ``golive compare base head``: wall time and the process's peak RSS (``wait4`` rusage).

Each command runs as a child process of this one, with ``PYTHONPATH`` set by ``--src`` so the
same script measures another checkout (the code before a change) side by side:

    .venv/bin/python benchmarks/large_run.py                      # N = 10,000 and 30,000
    .venv/bin/python benchmarks/large_run.py --cases 3000 --samples 3
    .venv/bin/python benchmarks/large_run.py --src /tmp/golive-before/src --workdir /tmp/lr

The stores are kept in ``--workdir`` and reused when present (writing 30,000 cases takes
about a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def _build(workdir: Path, cases: int, samples: int) -> str:
    """The store with runs ``base-N`` and ``head-N`` (head: other cases fail), built once."""
    path = workdir / f"large-{cases}x{samples}.db"
    url = f"sqlite:///{path}"
    done = path.with_suffix(".done")
    if done.exists():
        return url
    path.unlink(missing_ok=True)
    sys.path.insert(0, str(ROOT / "tests"))
    from large_runs import record_large_run

    t = time.perf_counter()
    record_large_run(url, f"base-{cases}", cases, samples)
    record_large_run(url, f"head-{cases}", cases, samples, shift=3)
    done.write_text("ok\n")
    print(f"  wrote {path} in {time.perf_counter() - t:.1f} s ({path.stat().st_size >> 20} MiB)")
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _get(url: str, timeout: float = 600) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return int(response.status), response.read()


def measure_serve(url: str, run_id: str, src: Path | None) -> dict[str, Any]:
    port = _free_port()
    cmd = [sys.executable, "-m", "golive", "serve", "--store", url, "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=_env(src), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "golive dashboard: URL ..." once it listens
        if "dashboard" not in line:
            raise RuntimeError(f"golive serve did not start: {line}{proc.stdout.read()}")
        base = f"http://127.0.0.1:{port}"
        _get(base + "/")  # warm: imports, the store's first connection
        idle = _status_kb(proc.pid, "VmRSS")
        t = time.perf_counter()
        status, body = _get(f"{base}/runs/{run_id}")
        seconds = time.perf_counter() - t
        peak = _status_kb(proc.pid, "VmHWM")
        return {
            "status": status,
            "bytes": len(body),
            "seconds": round(seconds, 2),
            "idle_rss_mib": round(idle / 1024, 1),
            "peak_rss_mib": round(peak / 1024, 1),
            "case_rows": body.count(b'<tr class="case-row'),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure_compare(url: str, base: str, head: str, src: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "golive", "compare", base, head, "--store", url]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(src), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": proc.returncode,
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/golive-large-run"))
    parser.add_argument("--src", type=Path, default=None, help="PYTHONPATH for the commands")
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    code = args.src or ROOT / "src"
    print(f"code under test: {code}")
    results = []
    for n in args.cases:
        print(f"N = {n} cases × {args.samples} samples")
        url = _build(args.workdir, n, args.samples)
        row: dict[str, Any] = {"cases": n, "samples": args.samples}
        row["serve"] = measure_serve(url, f"head-{n}", args.src)
        print(f"  serve   {json.dumps(row['serve'])}")
        if not args.skip_compare:
            row["compare"] = measure_compare(url, f"base-{n}", f"head-{n}", args.src)
            print(f"  compare {json.dumps(row['compare'])}")
        results.append(row)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
