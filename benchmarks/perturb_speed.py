"""How long `golive perturb` takes on 1,000 cases with every rule-based mutator, against the
CLI's start-up and a plain JSON read+write of the same cases, measured in the same run.

    .venv/bin/python benchmarks/perturb_speed.py [--cases 1000] [--runs 3]

Goal (issue 3): seconds, not minutes. The cases are the demo suite repeated with new ids.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOLIVE = str(Path(sys.executable).parent / "golive")
PLAIN = (
    "import json, sys\n"
    "rows = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]\n"
    "with open(sys.argv[2], 'w', encoding='utf-8') as f:\n"
    "    f.write(''.join(json.dumps(r, ensure_ascii=False) + '\\n' for r in rows))\n"
)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}"


def build_suite(path: Path, n: int) -> None:
    from golive.demo import demo_suite_path

    base = [json.loads(line) for line in demo_suite_path().read_text("utf-8").splitlines()]
    rows = []
    for i in range(n):
        case = dict(base[i % len(base)])
        case["id"] = f"{case['id']}-r{i // len(base)}"
        rows.append(case)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def timed(cmd: list[str], runs: int) -> tuple[list[float], str]:
    samples, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        samples.append(time.perf_counter() - start)
        out = done.stdout
    return samples, out


def per_mutator(suite: Path) -> list[tuple[str, float, int]]:
    """In-process: each rule-based mutator's own time over the cases (µs per case)."""
    from golive.diversity.base import derive_seed
    from golive.diversity.expand import rule_based_names
    from golive.registry import registry

    texts = []
    for line in suite.read_text("utf-8").splitlines():
        value = json.loads(line)["input"]
        texts.append(value if isinstance(value, str) else value[-1]["content"])
    rows = []
    for name in rule_based_names():
        reg = registry.get("mutator", name)
        mut = reg.factory(reg.args_model(kind=name))
        rngs = [random.Random(derive_seed(0, i, name, 0)) for i in range(len(texts))]
        start = time.perf_counter()
        made = sum(mut.mutate(t, rng) is not None for t, rng in zip(texts, rngs, strict=True))
        rows.append((name, (time.perf_counter() - start) / len(texts) * 1e6, made))
    return sorted(rows, key=lambda r: -r[1])


def phases(suite: Path) -> tuple[float, float, float]:
    """In-process: load the suite, expand it, serialise it (what the command does, timed)."""
    from golive.diversity.expand import expand
    from golive.diversity.spec import DiversitySpec
    from golive.suite import load_suite

    start = time.perf_counter()
    cases = load_suite(suite).cases
    loaded = time.perf_counter()
    expansion = expand(cases, DiversitySpec(seed=0), seed=0)
    expanded = time.perf_counter()
    for case in (*expansion.cases, *expansion.variants):
        json.dumps(case.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False)
    return loaded - start, expanded - loaded, time.perf_counter() - expanded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="median of this many runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        suite, out, plain_out = Path(tmp, "cases.jsonl"), Path(tmp, "v.jsonl"), Path(tmp, "p")
        build_suite(suite, args.cases)
        startup, _ = timed([GOLIVE, "perturb", "--list"], args.runs)
        plain, _ = timed([sys.executable, "-c", PLAIN, str(suite), str(plain_out)], args.runs)
        cmd = [GOLIVE, "perturb", str(suite), "--seed", "0", "-o", str(out), "--json"]
        wall, stdout = timed(cmd, args.runs)
        summary = json.loads(stdout.strip().splitlines()[-1])
        lines = len(out.read_text("utf-8").splitlines())
        size = out.stat().st_size
        detail = per_mutator(suite)
        load, expand_s, dump = phases(suite)

    variants = summary["variants"]
    w, s, p = statistics.median(wall), statistics.median(startup), statistics.median(plain)
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}  (median of {args.runs} runs each)")
    print(f"golive perturb CASES.jsonl --seed 0 -o V.jsonl  ({args.cases} cases, "
          f"{summary['mutators']} rule-based mutators, per-case 1)")  # fmt: skip
    print(f"  wall            {w:7.2f} s   (runs: {', '.join(f'{x:.2f}' for x in wall)})")
    print(f"  variants        {variants:7d}     amplification {summary['amplification']}x; "
          f"{lines} lines, {size / 1e6:.1f} MB written")  # fmt: skip
    print(f"  variants/s      {variants / w:7.0f}     excluding start-up: "
          f"{variants / max(w - s, 1e-9):.0f}")  # fmt: skip
    print(f"golive perturb --list (start-up)  {s:6.2f} s   perturb = {w / s:.1f}x start-up")
    print(f"plain python json read+write      {p:6.2f} s   perturb = {w / p:.1f}x plain")
    print("per mutator, in-process (µs per case, variants made), slowest first:")
    for name, us, made in detail:
        print(f"  {name:24} {us:8.1f} µs  {made:5d}")
    mutate = sum(us for _, us, _ in detail) * args.cases / 1e6
    print(f"  sum of mutators: {mutate:.2f} s")
    print(f"in-process phases: load suite {load:.2f} s, expand {expand_s:.2f} s (of which "
          f"mutate {mutate:.2f} s, building variant cases {expand_s - mutate:.2f} s), "
          f"serialise {dump:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
