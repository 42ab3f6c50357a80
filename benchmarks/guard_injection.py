"""Injection guard on tests/data/injection_labelled.jsonl (the set its heuristics were TUNED
on: an in-distribution figure, see benchmarks/guard_injection_public.py for held-out ones),
and its latency per layer on one core.

PYTHONPATH=src .venv/bin/python benchmarks/guard_injection.py
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

from golive.guard._injection_corpus import index
from golive.guard._injection_heuristics import normalise, scan, scan_planted
from golive.guard._injection_model import shipped
from golive.guard.injection import DEFAULT_THRESHOLD, InjectionGuard, learned_probability, score

ROWS = [
    json.loads(x)
    for x in (Path(__file__).parents[1] / "tests/data/injection_labelled.jsonl")
    .read_text("utf-8")
    .splitlines()
    if x
]


def metrics(scores: list[float], th: float) -> tuple[float, float, float, float]:
    tp = fp = fn = neg = 0
    for r, s in zip(ROWS, scores, strict=True):
        p = s >= th
        tp += p and r["label"] == 1
        fp += p and r["label"] == 0
        fn += (not p) and r["label"] == 1
        neg += r["label"] == 0
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn)
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, fp / neg


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[int(q * (len(xs) - 1))] * 1e6


def main() -> None:
    full = [score(r["text"]).score for r in ROWS]
    heur = [score(r["text"], similarity=False).score for r in ROWS]
    print(f"{len(ROWS)} examples, {sum(r['label'] == 0 for r in ROWS)} hard negatives")
    print("threshold  precision  recall  F1     FPR(hard neg)")
    for th in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        p, r, f, fpr = metrics(full, th)
        mark = " <- default" if th == DEFAULT_THRESHOLD else ""
        print(f"{th:<9}  {p:.3f}      {r:.3f}   {f:.3f}  {fpr:.3f}{mark}")
    p, r, f, fpr = metrics(heur, DEFAULT_THRESHOLD)
    print(f"heuristics only @ {DEFAULT_THRESHOLD}: P {p:.3f} R {r:.3f} F1 {f:.3f} FPR {fpr:.3f}")
    g = InjectionGuard()
    text = (
        "Could you summarise the attached quarterly report and list the three main risks "
        "the board raised? It is for a meeting with finance tomorrow at ten, thanks!"
    )[:200]
    text = text.ljust(200, ".")
    rx = re.compile(r"ignore (all )?previous instructions", re.I)
    g.check(text)
    lat, ref = [], []
    for _ in range(2000):
        t = time.perf_counter()
        g.check(text)
        lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        rx.search(text)
        ref.append(time.perf_counter() - t)
    print(
        f"latency on 200 chars: p50 {pct(lat, 0.5):.0f} µs, p95 {pct(lat, 0.95):.0f} µs; "
        f"reference (one compiled regex search) p50 {pct(ref, 0.5):.1f} µs, "
        f"p95 {pct(ref, 0.95):.1f} µs; mean {statistics.mean(lat) * 1e6:.0f} µs"
    )
    doc = (text + " ") * 8  # 1,600 characters of untrusted content
    model = shipped()
    assert model is not None, "the learned model is missing from golive/guard/data"
    layers = {
        "heuristics": lambda: scan(text),
        "similarity": lambda: index().query(normalise(text)),
        "learned layer (user messages)": lambda: learned_probability(text, "user", model),
        "planted-task check (documents only)": lambda: scan_planted(text),
        "whole guard, --as document, 1,600 chars": lambda: g.check(doc, origin="document"),
    }
    for name, fn in layers.items():
        fn()
        xs = []
        for _ in range(1000):
            t = time.perf_counter()
            fn()
            xs.append(time.perf_counter() - t)
        print(f"  {name}: p50 {pct(xs, 0.5):.0f} µs, p95 {pct(xs, 0.95):.0f} µs")


if __name__ == "__main__":
    main()
