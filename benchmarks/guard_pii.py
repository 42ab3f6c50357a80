"""PII guard benchmark: precision and recall per type on tests/data/pii_labelled.jsonl, and
latency per guard on a 200-character input against a bare ``re.search`` measured in the
same run.

    PYTHONPATH=src .venv/bin/python benchmarks/guard_pii.py [--runs 5000]

Matching is span-level and EXACT: a detection counts only if its (start, end, type) equals
a gold span; "overlap" (same type, spans intersect) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from golive.guard.pii import PII_TYPES, PiiGuard, detect

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "pii_labelled.jsonl"
# 200 characters with an email and a phone number in them, the rest ordinary support text.
INPUT = (
    "Hi, I ordered the blue kettle on 2024-05-01 (order #55812) and it still has not "
    "arrived. Could you check? You can reach me at dana.k@acme.io or +44 20 7946 0321. "
    "Thanks a lot and have a nice day, Dana K."
)[:200]
assert len(INPUT) == 200
# The same length, dense with numbers that reach libphonenumber or are traps for it.
DIGITS = (
    "Call 345-899-3560x4587 or 01 42 68 53 00 (Paris); order 2024-05-01 #55812, "
    "ZIP 94105-1234, total $1,299.99 at 12:30, v2.3.4. Or +49 30 12345678 / 0161 496 0123, "
    "ref 24681357K, tel 912 345 678 today ok"
)[:200]
assert len(DIGITS) == 200


def quality() -> dict[str, dict[str, float]]:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    tp, fp, fn, otp, ofp, ofn = (Counter[str]() for _ in range(6))
    for r in rows:
        gold = {(s["start"], s["end"], s["type"]) for s in r["spans"]}
        got = {(d.start or 0, d.end or 0, d.kind) for d in detect(r["text"], min_score=0.5)}
        for key in got | gold:
            (tp if key in got and key in gold else fp if key in got else fn)[key[2]] += 1

        def hits(a: tuple[int, int, str], pool: set[tuple[int, int, str]]) -> bool:
            return any(a[2] == b[2] and a[0] < b[1] and b[0] < a[1] for b in pool)

        for g in got:
            (otp if hits(g, gold) else ofp)[g[2]] += 1
        for g in gold:
            if not hits(g, got):
                ofn[g[2]] += 1
    out: dict[str, dict[str, float]] = {}
    for kind in (*PII_TYPES, "ALL"):
        t, p, n, ot, op_, on = (
            sum(c.values()) if kind == "ALL" else c[kind] for c in (tp, fp, fn, otp, ofp, ofn)
        )
        out[kind] = {
            "gold": t + n,
            "precision": t / (t + p) if t + p else 1.0,
            "recall": t / (t + n) if t + n else 1.0,
            "overlap_precision": ot / (ot + op_) if ot + op_ else 1.0,
            "overlap_recall": ((t + n) - on) / (t + n) if t + n else 1.0,
        }
    out["_set"] = {"texts": len(rows), "negatives": sum(1 for r in rows if not r["spans"])}
    return out


def latency(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(200):  # warm up (regex caches, lazy corpora)
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * len(samples)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()

    q = quality()
    s = q.pop("_set")
    print(f"labelled set: {s['texts']:.0f} texts, {s['negatives']:.0f} without PII; exact spans")
    print(f"{'type':<12} {'gold':>5} {'precision':>10} {'recall':>8} {'ovl P':>7} {'ovl R':>7}")
    for kind, m in q.items():
        print(f"{kind:<12} {m['gold']:>5.0f} {m['precision']:>10.3f} {m['recall']:>8.3f} "
              f"{m['overlap_precision']:>7.3f} {m['overlap_recall']:>7.3f}")  # fmt: skip

    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
    pii = PiiGuard()
    cases: list[tuple[str, Callable[[], object]]] = [
        ("reference: re.search(email)", lambda: email.search(INPUT)),
        ("pii (builtin)", lambda: pii.check(INPUT)),
        ("pii (builtin), digit-heavy", lambda: pii.check(DIGITS)),
    ]
    try:  # the other input guards, where they exist, and the whole input chain
        from golive.guard.chain import build_chain

        for name in ("validate", "injection"):
            g = build_chain([name]).guards[0]
            cases.append((name, lambda g=g: g.check(INPUT)))  # type: ignore[misc]
        chain = build_chain(["validate", "pii", "injection"])
        cases.append(("chain validate+pii+injection", lambda: chain.check(INPUT)))
    except Exception as exc:  # a benchmark reports what it could not run
        print(f"(other guards not measured: {exc})")
    print(f"\nlatency on a {len(INPUT)}-character input, {args.runs} runs each (µs)")
    print(f"{'guard':<30} {'p50':>8} {'p95':>8}")
    for name, fn in cases:
        p50, p95 = latency(fn, args.runs)
        print(f"{name:<30} {p50:>8.1f} {p95:>8.1f}")
    print(f"\nmachine: {platform.processor() or platform.machine()}, {platform.python_version()}")


if __name__ == "__main__":
    main()
