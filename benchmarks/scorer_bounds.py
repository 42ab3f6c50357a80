"""Every registered scorer on a 100,000-character reply: seconds per call.

Replies: one short support phrase repeated (what a looping model sends), random words (many
distinct words: the worst case for word-by-word matching), one word with no spaces (the worst
case for regular expressions that backtrack inside a word), PII-like text (card numbers
and e-mails repeated: the worst case for the PII recognisers), and brackets nested 100,000
deep (what broke the JSON parser). Each scorer is built the way a
plan builds it, caches are cleared before each call, and each call runs in a forked child with
a time limit, so a scorer that does not finish is reported as ``> limit`` instead of hanging
the benchmark. ``consistency`` scores three samples of the reply (three pairwise comparisons).

    PYTHONPATH=src .venv/bin/python benchmarks/scorer_bounds.py [--chars 100000] [--limit 60]

Target (issue 12): under 1 s per scorer at 100,000 characters.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import platform
import random
import string
import time
from typing import Any

import golive.scan.scorer  # noqa: F401  (registers scan_probe)
from golive.registry import registry
from golive.schemas import Case, Message, Observation, Request
from golive.scoring import _coverage as cov
from golive.scoring import _lexical as lex

PHRASE = "No, you can't reset it from Settings > Security; contact support within 30 days. "
REFERENCE = "You cannot reset it yourself: contact support within 30 days."
PII = "1234 5678 9012 3456 a@b.co 4111 1111 1111 1111 call +44 20 7946 0958 "
SPECS: list[dict[str, Any]] = [
    {"kind": "exact", "value": "Contact support."},
    {"kind": "contains", "value": "refund window"},
    {"kind": "not_contains", "value": "password"},
    {"kind": "regex", "pattern": r"\b\d{2} days\b"},
    {"kind": "json_schema", "schema": {"type": "object", "required": ["answer"]}},
    {"kind": "length", "max_chars": 2000},
    {"kind": "refusal"},
    {"kind": "language", "expected": "en"},
    {"kind": "semantic"},
    {"kind": "leaks"},
    {"kind": "scan_probe", "planted": ["dana.k@acme.io", "+44 20 7946 0321"], "foreign_pii": True},
    {"kind": "consistency"},
]


def texts(chars: int, seed: int = 0) -> dict[str, str]:
    """The replies; ``seed`` changes the random words (consistency's samples then differ)."""
    rng = random.Random(seed)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 11))))
    return {
        "repetitive": (PHRASE * (chars // len(PHRASE) + 1))[:chars],
        "random words": " ".join(words)[:chars],
        "one long word": ("abcdefghij" * (chars // 10 + 1))[:chars],
        "PII-like": (PII * (chars // len(PII) + 1))[:chars],
        "nested JSON": "[" * chars,
    }


def _clear() -> None:
    for fn in (lex.normalize, lex._words, lex._content_stems, lex._char_grams, lex._negated):
        fn.cache_clear()
    lex._numbers.cache_clear()
    cov.features.cache_clear()


def _time_one(spec: dict[str, Any], outputs: list[str], conn: Any) -> None:
    args = registry.parse("scorer", spec, field="scorers[0]")
    scorer = registry.build("scorer", args)
    if hasattr(scorer, "warm"):
        scorer.warm()
    _clear()
    case = Case(id="c", input="How do I reset my password?", reference=REFERENCE)
    request = Request(messages=(Message(role="user", content=case.user_text()),))
    samples = [Observation("c", i, request, text, 0, 0) for i, text in enumerate(outputs)]
    t0 = time.perf_counter()
    if scorer.scope == "case":
        score = asyncio.run(scorer.score_samples(samples, case))
    else:
        score = asyncio.run(scorer.score(samples[0], case))
    conn.send((time.perf_counter() - t0, score.passed, (score.reason or "")[:60]))


def measure(spec: dict[str, Any], outputs: list[str], limit: float) -> tuple[float | None, str]:
    """Seconds for one call in a forked child (None past ``limit``), and the score's gist."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_time_one, args=(spec, outputs, child))
    proc.start()
    child.close()
    try:
        if not parent.poll(limit):
            return None, "did not finish"
        seconds, passed, reason = parent.recv()
        return seconds, f"{passed}: {reason}"
    except EOFError:
        return None, "crashed"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before giving up")
    parser.add_argument("--reasons", action="store_true", help="print each score's reason")
    opts = parser.parse_args()
    inputs = texts(opts.chars)
    samples = [texts(opts.chars, seed) for seed in range(3)]
    print(f"{opts.chars:,} characters; Python {platform.python_version()}, {platform.machine()}")
    header = "| scorer | " + " | ".join(inputs) + " |"
    print(f"\n{header}\n|" + "---|" * (len(inputs) + 1))
    notes: list[str] = []
    worst = 0.0
    for spec in SPECS:
        cells = []
        for name in inputs:
            seconds, gist = measure(spec, [s[name] for s in samples], opts.limit)
            worst = max(worst, seconds if seconds is not None else float("inf"))
            if seconds is not None:
                cells.append(f"{seconds:.3f} s")
            else:
                cells.append("crashed" if gist == "crashed" else f"> {opts.limit:.0f} s")
            notes.append(f"{spec['kind']} / {name}: {gist}")
        print(f"| {spec['kind']} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nslowest: {worst:.3f} s (target: under 1 s)")
    if opts.reasons:
        print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
