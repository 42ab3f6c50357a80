"""The injection guard measured on public data it was not tuned on: leave-one-source-out.

    PYTHONPATH=src .venv/bin/python benchmarks/guard_injection_public.py DATA_DIR [--json OUT]

DATA_DIR holds the public sources listed in benchmarks/injection_sources.py (how to fetch each
one, at which commit, and its licence are in that module's docstring and its ``SOURCES``).

For every source in turn, the learned layer is trained the way the shipped one is (golive's
own examples and the permissively licensed public sources, injection_training.shippable) but
without that source's group, and the guard, at its default threshold, is measured on the
group left out: an attack source gives recall, a benign source the false-positive rate. The
learned layer counts as the guard counts it: on user messages, and on its own only when
confident (_injection_model.evidence). The pooled figures put every source's held-out
predictions together. Indirect injection (``--as document``) is measured the same way on
document pairs (clean, and with an instruction planted), grouped by source. Then a model
trained like the shipped one is measured on benchmarks/data/injection_holdout*.jsonl,
written for golive and never trained or tuned on, and on the tuned set (in-distribution,
labelled as such).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from injection_sources import group_of
from injection_training import (
    ROOT,
    Example,
    Model,
    Pair,
    project_examples,
    public_examples,
    shippable,
    shippable_source,
    train,
)

from golive.guard._injection_model import evidence
from golive.guard.injection import DEFAULT_THRESHOLD, learned_probability, score

HOLDOUT = ROOT / "benchmarks/data/injection_holdout.jsonl"
HOLDOUT_DOCS = ROOT / "benchmarks/data/injection_holdout_documents.jsonl"
KEYWORDS = (
    "ignore",
    "disregard",
    "previous instructions",
    "system prompt",
    "jailbreak",
    "dan",
    "developer mode",
)


def keyword_baseline(text: str) -> bool:
    low = text.lower()
    padded = f" {low} "
    return any((f" {k} " in padded) if k == "dan" else (k in low) for k in KEYWORDS)


def base_score(text: str, origin: str) -> float:
    """Heuristics and similarity: every layer but the learned one (they do not depend on
    what the learned layer is trained on, so they are computed once)."""
    return score(text, origin=origin).score  # type: ignore[arg-type]


def combine(base: float, prob: float, origin: str = "user") -> float:
    """The guard's score with the learned layer, as InjectionGuard counts it."""
    return max(base, evidence(prob)) if origin == "user" else base


def train_shippable(examples: Sequence[Example], pairs: Sequence[Pair]) -> Model:
    """A model trained the way the shipped one is (what its licence allows)."""
    return train(
        shippable(examples), [p for p in pairs if all(shippable_source(x) for x in p.parts())]
    )


def rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def prf(tp: int, fp: int, fn: int, neg: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "fpr": fp / neg if neg else float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--json", type=Path, help="write every figure here as JSON")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument(
        "--holdout-only",
        action="store_true",
        help="only the hand-written hold-out set: the guard without and with the learned layer",
    )
    args = ap.parse_args()
    th = args.threshold
    if args.holdout_only:
        public, pairs = public_examples(args.data_dir)
        trained = train_shippable(public + project_examples(), pairs)
        both = {"without_learned": holdout(None, th), "default": holdout(trained, th)}
        print(json.dumps(both, indent=1))
        return
    t0 = time.perf_counter()
    public, pairs = public_examples(args.data_dir)
    own = project_examples()
    everything = public + own
    print(f"{len(public)} public rows, {len(pairs)} document pairs, {len(own)} golive rows")
    base = {id(e): base_score(e.text, e.origin) for e in everything}
    pbase = {
        id(p): (base_score(p.clean, "document"), base_score(p.attacked, "document")) for p in pairs
    }
    print(f"heuristic layers scored in {time.perf_counter() - t0:.0f} s")

    results: dict[str, dict[str, float | int | str]] = {}
    held: list[tuple[Example, float, float]] = []  # example, full score, score without learned
    groups = sorted({e.group for e in everything if e.group != "golive-tuned"})
    for i, grp in enumerate(groups, 1):
        t = time.perf_counter()
        model = train_shippable(
            [e for e in everything if e.group != grp],
            [p for p in pairs if grp not in {group_of(x) for x in p.parts()}],
        )
        for e in (e for e in everything if e.group == grp):
            prob = learned_probability(e.text, e.origin, model)
            held.append((e, combine(base[id(e)], prob, e.origin), base[id(e)]))
        for s, lab in sorted({(e.source, e.label) for e in everything if e.group == grp}):
            mine = [h for h in held if h[0].source == s and h[0].label == lab]
            key = s if all(e.label == lab for e in everything if e.source == s) else f"{s}:{lab}"
            r = results[key] = {
                "group": grp,
                "kind": mine[0][0].kind or mine[0][0].origin,
                "label": mine[0][0].label,
                "n": len(mine),
                "flagged": rate([sc >= th for _, sc, _ in mine]),
                "flagged_without_learned": rate([b >= th for _, _, b in mine]),
                "flagged_keywords": rate([keyword_baseline(e.text) for e, _, _ in mine]),
            }
            print(
                f"  [{i}/{len(groups)}] {key:<30} {r['kind']:<21} label {r['label']} n {r['n']:>4}"
                f"  flagged {r['flagged']:.3f} (no learned {r['flagged_without_learned']:.3f},"
                f" keywords {r['flagged_keywords']:.3f})  {time.perf_counter() - t:.0f} s",
                flush=True,
            )

    def pooled(sel: Callable[[Example], bool], idx: int) -> dict[str, float]:
        hs = [h for h in held if sel(h[0])]
        tp = sum(h[idx] >= th for h in hs if h[0].label == 1)
        fp = sum(h[idx] >= th for h in hs if h[0].label == 0)
        pos = sum(h[0].label == 1 for h in hs)
        neg = sum(h[0].label == 0 for h in hs)
        return prf(tp, fp, pos - tp, neg) | {"attacks": pos, "benign": neg}

    public_user = lambda e: e.origin == "user" and not e.source.startswith("golive")  # noqa: E731
    summary = {
        "public_direct_loso": pooled(public_user, 1),
        "public_direct_without_learned": pooled(public_user, 2),
        "all_user_loso": pooled(lambda e: e.origin == "user", 1),
    }
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for e, sc, _ in held:
        if e.label == 0 and e.origin == "user":
            by_kind[e.kind or "benign"].append(sc >= th)
    summary["benign_fpr_by_kind"] = {k: rate(v) for k, v in sorted(by_kind.items())}

    # Indirect injection: hold out the pairs' document source, then their instruction source
    # (with every row of its group), so neither the page nor the planted text was trained on.
    for side in (0, 1):
        flags: dict[str, list[bool]] = defaultdict(list)
        for held_out in sorted({p.parts()[side] for p in pairs}):
            grp = group_of(held_out)
            model = train_shippable(
                [e for e in everything if e.group != grp],
                [p for p in pairs if grp not in {group_of(x) for x in p.parts()}],
            )
            for p in (p for p in pairs if p.parts()[side] == held_out):
                bc, ba = pbase[id(p)]
                pc = learned_probability(p.clean, "document", model)
                pa = learned_probability(p.attacked, "document", model)
                flags["clean"].append(combine(bc, pc, "document") >= th)
                flags["attacked"].append(combine(ba, pa, "document") >= th)
                flags["clean_nl"].append(bc >= th)
                flags["attacked_nl"].append(ba >= th)
        name = ("indirect_loso_by_document_source", "indirect_loso_by_instruction_source")[side]
        summary[name] = {
            "pairs": len(flags["clean"]),
            "recall": rate(flags["attacked"]),
            "fpr": rate(flags["clean"]),
            "recall_without_learned": rate(flags["attacked_nl"]),
            "fpr_without_learned": rate(flags["clean_nl"]),
        }
        print(f"{name}: {summary[name]}", flush=True)

    # The shipped model: trained on everything, measured on what it never saw.
    shipped = train_shippable(everything, pairs)
    summary["holdout_without_learned"] = holdout(None, th)
    summary["holdout_default"] = holdout(shipped, th)
    tuned = [e for e in own if e.source == "golive-tuned"]
    tp = sum(full(e.text, "user", shipped) >= th for e in tuned if e.label)
    fp = sum(full(e.text, "user", shipped) >= th for e in tuned if not e.label)
    pos = sum(e.label for e in tuned)
    summary["tuned_in_distribution"] = prf(tp, fp, pos - tp, len(tuned) - pos)
    for k, v in summary.items():
        print(f"{k}: {json.dumps(v, default=float)}")
    print(f"total {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"sources": results, "summary": summary}, indent=2))


def full(text: str, origin: str, model: Model | None) -> float:
    """The guard's score: default layers, plus the learned one when ``model`` is given."""
    prob = learned_probability(text, origin, model) if model is not None else 0.0
    return combine(base_score(text, origin), prob, origin)


def holdout(model: Model | None, th: float) -> dict[str, object]:
    """Figures on the hand-written hold-out set (never trained or tuned on)."""
    out: dict[str, object] = {}
    if HOLDOUT.is_file():
        rows = [json.loads(x) for x in HOLDOUT.read_text("utf-8").splitlines() if x.strip()]
        for origin in ("user", "document"):
            sel = [r for r in rows if r.get("origin", "user") == origin]
            flags = [full(r["text"], origin, model) >= th for r in sel]
            tp = sum(f for f, r in zip(flags, sel, strict=True) if r["label"] == 1)
            fp = sum(f for f, r in zip(flags, sel, strict=True) if r["label"] == 0)
            pos = sum(r["label"] == 1 for r in sel)
            out[origin] = prf(tp, fp, pos - tp, len(sel) - pos) | {"n": len(sel)}
    if HOLDOUT_DOCS.is_file():
        rows = [json.loads(x) for x in HOLDOUT_DOCS.read_text("utf-8").splitlines() if x.strip()]
        out["document_pairs"] = {
            "pairs": len(rows),
            "recall": rate([full(r["attacked"], "document", model) >= th for r in rows]),
            "fpr": rate([full(r["clean"], "document", model) >= th for r in rows]),
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
