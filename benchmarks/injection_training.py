"""Training data and training for the learned injection layer that
benchmarks/guard_injection_public.py measures leave-one-source-out (the guard does not use
it: see src/golive/guard/_injection_model.py for why).

Every example is an ``Example``: text, label, origin (who wrote it: "user" or "document") and
source (the group left out together). Sources:
- public sources read by benchmarks/injection_sources.py from a data directory outside the
  repository (their text never enters the repository);
- benchmarks/data/injection_written_train.jsonl: written for golive, every attack family and
  the hard negatives (persona prompts, system prompts, security talk, documents);
- tests/data/injection_labelled.jsonl and src/golive/guard/data/injection_corpus.txt: the set
  the heuristics were tuned on.
benchmarks/data/injection_holdout*.jsonl is never read here: it is for measurement only.
"""

from __future__ import annotations

import functools
import json
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from golive.guard._injection_model import Head, Model, features, fit, segments  # noqa: E402
from golive.guard.injection import _folded  # noqa: E402

WRITTEN = ROOT / "benchmarks/data/injection_written_train.jsonl"
TUNED = ROOT / "tests/data/injection_labelled.jsonl"
CORPUS = ROOT / "src/golive/guard/data/injection_corpus.txt"
# A benign look-alike costs more than a missed attack is worth: the default FPR target is 2%.
BENIGN_WEIGHT = 1.5


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: int
    origin: str  # "user" or "document"
    source: str
    kind: str = ""
    group: str = ""  # what leave-one-source-out holds out together (a source, or its family)


@dataclass(frozen=True, slots=True)
class Pair:
    """A document as the application fetched it, and the same with an instruction planted."""

    clean: str
    attacked: str
    source: str  # "<document source>/<instruction source>"

    def parts(self) -> tuple[str, str]:
        doc, _, instr = self.source.partition("/")
        return doc, instr


def project_examples(*, tuned: bool = True) -> list[Example]:
    out: list[Example] = []
    if WRITTEN.is_file():
        for line in WRITTEN.read_text("utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                origin = r.get("origin", "user")
                kind = r.get("family", origin)
                out.append(
                    Example(
                        r["text"], int(r["label"]), origin, "golive-written", kind, "golive-written"
                    )
                )
    if tuned:
        for line in TUNED.read_text("utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out.append(
                    Example(r["text"], int(r["label"]), "user", "golive-tuned", "", "golive-tuned")
                )
        for line in CORPUS.read_text("utf-8").splitlines():
            label, _, text = line.partition("\t")
            if label in ("A", "B") and text.strip():
                out.append(
                    Example(
                        text.strip(), int(label == "A"), "user", "golive-tuned", "", "golive-tuned"
                    )
                )
    return out


_ORIGIN = {"document": "document", "indirect": "document"}


def public_examples(data_dir: Path) -> tuple[list[Example], list[Pair]]:
    """Rows of every public source, and the indirect-injection document pairs."""
    import injection_sources as src

    rows = [
        # "indirect" rows are payloads written to be planted in content: judged as documents.
        Example(
            r.text, r.label, _ORIGIN.get(r.kind, "user"), r.source, r.kind, src.group_of(r.source)
        )
        for r in src.load(data_dir)
    ]
    pairs = [Pair(c, a, s) for c, a, s in src.indirect_pairs(data_dir)]
    return rows, pairs


@functools.lru_cache(maxsize=200_000)
def _feat(text: str) -> npt.NDArray[np.int64]:
    """Features of a text, computed once: leave-one-source-out trains on the same texts
    once per source."""
    return features(_folded(text))


def _new_segments(pair: Pair) -> list[str]:
    clean = set(segments(pair.clean))
    return [s for s in segments(pair.attacked) if s not in clean]


def user_head_data(
    examples: Iterable[Example],
) -> tuple[list[npt.NDArray[np.int64]], list[int], list[float]]:
    xs, ys, ws = [], [], []
    for e in examples:
        if e.origin != "user":
            continue
        xs.append(_feat(e.text))
        ys.append(e.label)
        ws.append(1.0 if e.label else BENIGN_WEIGHT)
    return xs, ys, ws


def document_head_data(
    examples: Iterable[Example], pairs: Iterable[Pair], *, seed: int = 0
) -> tuple[list[npt.NDArray[np.int64]], list[int], list[float]]:
    """Segments: an instruction addressed to the assistant (any attack, any request a user
    would type, the sentences planted in a pair) against the text of documents."""
    rng = random.Random(seed)
    xs, ys, ws = [], [], []

    def add(text: str, label: int, weight: float) -> None:
        xs.append(_feat(text))
        ys.append(label)
        ws.append(weight)

    for e in examples:
        if e.origin == "user":
            # An attack, or a request a user types: either is an instruction to the assistant.
            # Persona and system prompts are instructions too; security talk is not.
            if e.label == 1 or e.kind not in ("benign-security",):
                for seg in segments(e.text)[:2]:
                    add(seg, 1, 1.0 if e.label else 0.5)
        elif e.label == 0:
            for seg in segments(e.text):
                add(seg, 0, BENIGN_WEIGHT)
        elif e.source != "golive-written":  # a payload alone (a written one is a whole page)
            for seg in segments(e.text)[:2]:
                add(seg, 1, 1.0)
    for p in pairs:
        for seg in _new_segments(p):
            add(seg, 1, 1.0)
        segs = segments(p.clean)
        for seg in rng.sample(segs, min(len(segs), 6)):
            add(seg, 0, BENIGN_WEIGHT)
    return xs, ys, ws


def shippable(examples: Iterable[Example]) -> list[Example]:
    """What a model golive ships may be trained on: golive's own examples and the public
    sources whose licence allows it (injection_sources.permissive)."""
    import injection_sources as src

    return [e for e in examples if e.source.startswith("golive") or src.permissive(e.source)]


def train(examples: Sequence[Example], pairs: Sequence[Pair]) -> Model:
    ux, uy, uw = user_head_data(examples)
    dx, dy, dw = document_head_data(examples, pairs)
    return Model(fit(ux, uy, sample_weight=uw), fit(dx, dy, sample_weight=dw))


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(
        description="Train the learned injection layer golive ships, on golive's own examples "
        "and the permissively licensed public sources in DATA_DIR (see injection_sources.py).",
        epilog="Example: python benchmarks/injection_training.py /work/data/injection "
        "--write src/golive/guard/data/injection_model.npz",
    )
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--write", type=Path, required=True, help="where to write the model (.npz)")
    args = ap.parse_args()
    public, pairs = public_examples(args.data_dir)
    examples = shippable(public) + project_examples()
    pairs = [p for p in pairs if all(shippable_source(x) for x in p.parts())]
    model = train(examples, pairs)
    # The guard reads the user head only (the document head flagged most clean documents held
    # out): ship it empty, half the file.
    model = Model(model.user, Head(np.zeros(model.user.weights.size, dtype=np.float32), 0.0))
    args.write.write_bytes(model.to_bytes())
    sources = sorted({e.source for e in examples})
    print(f"{len(examples)} examples from {len(sources)} sources, {len(pairs)} document pairs")
    print(f"wrote {args.write} ({args.write.stat().st_size / 1024:.0f} KiB)")


def shippable_source(source: str) -> bool:
    import injection_sources as src

    return source.startswith("golive") or src.permissive(source)


__all__ = [
    "Example",
    "Head",
    "Model",
    "Pair",
    "project_examples",
    "public_examples",
    "shippable",
    "train",
]


if __name__ == "__main__":
    main()
