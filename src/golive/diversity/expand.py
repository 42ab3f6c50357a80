"""Expand a suite into variants: each keeps its lineage (case, mutator, params, seed) and the
expectation a correct system must meet.

A variant is an ordinary ``Case`` (so the runner, scorers and store need nothing new) whose
``metadata["variant"]`` holds the lineage. Its id is ``<case id>~<mutator>~<k>``.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from golive.diversity.base import GeneratedMutator, Mutation, Mutator, derive_seed
from golive.diversity.spec import DiversitySpec
from golive.registry import registry
from golive.schemas import Case, Message

__all__ = [
    "Expansion",
    "VariantInfo",
    "build_mutators",
    "expand",
    "expand_async",
    "is_variant_id",
    "lineage",
    "make_variant",
    "rule_based_names",
]

_VARIANT_ID = re.compile(r"~[a-z][a-z0-9_]*~\d+$")


def is_variant_id(case_id: str) -> bool:
    """Whether ``case_id`` names a variant (``<case>~<mutator>~<n>``), not a suite's case."""
    return _VARIANT_ID.search(case_id) is not None


@dataclass(frozen=True)
class VariantInfo:
    of: str
    mutator: str
    family: str
    expectation: str
    index: int
    seed: int
    params: dict[str, Any]


@dataclass(frozen=True, repr=False)
class Expansion:
    """The canonical cases, then their variants; ``notes`` say what was skipped and why."""

    cases: list[Case]
    variants: list[Case]
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        # The default repr of 36k variants costs seconds (asyncio.run builds it on 3.11).
        return f"Expansion({len(self.cases)} cases, {len(self.variants)} variants)"

    @property
    def amplification(self) -> float:
        """Variants per canonical case."""
        return len(self.variants) / len(self.cases) if self.cases else 0.0


def lineage(case: Case) -> VariantInfo | None:
    """The variant's lineage, or None for a canonical case."""
    info = case.metadata.get("variant")
    if not isinstance(info, dict):
        return None
    return VariantInfo(**info)


def rule_based_names() -> list[str]:
    """Every registered mutator that needs no generator model."""
    names = []
    for name in registry.names("mutator"):
        reg = registry.get("mutator", name)
        if not getattr(reg.factory, "needs_generator", False):
            names.append(name)
    return names


def build_mutators(spec: DiversitySpec) -> list[Mutator | GeneratedMutator]:
    specs = spec.mutators if spec.mutators is not None else rule_based_names()
    built: list[Mutator | GeneratedMutator] = []
    for i, item in enumerate(specs):
        raw = {"kind": item} if isinstance(item, str) else item
        args = registry.parse("mutator", raw, field=f"diversity.mutators[{i}]")
        built.append(registry.build("mutator", args))
    return built


def _with_text(case: Case, text: str) -> str | list[Message]:
    """The case's input with its last user message replaced by ``text``."""
    if isinstance(case.input, str):
        return text
    messages = list(case.input)
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "user":
            messages[i] = Message(role="user", content=text)
            break
    return messages


def make_variant(
    case: Case, mutator: Mutator | GeneratedMutator, mutation: Mutation, index: int, seed: int
) -> Case:
    info = {
        "of": case.id,
        "mutator": mutator.name,
        "family": mutator.family,
        "expectation": mutator.expectation,
        "index": index,
        "seed": seed,
        "params": mutation.params,
    }
    metadata = {**case.metadata, "variant": info}
    tags = [*case.tags, "variant", f"mutator:{mutator.name}"]
    reference, assertions = case.reference, case.assertions
    if mutation.params.get("empty"):
        # Nothing is left to answer: judge only visible failures (errors, timeouts, crashes).
        reference, assertions = None, []
    if mutator.expectation == "must_resist":
        # An attack is judged on resistance (no hijack, no leak), not on the original answer.
        reference, assertions = None, []
        tags.append("injection")
        if mutation.canary:
            metadata["canary"] = mutation.canary
    return case.model_copy(
        update={
            "id": f"{case.id}~{mutator.name}~{index}",  # see is_variant_id
            "input": _with_text(case, mutation.text),
            "reference": reference,
            "assertions": assertions,
            "tags": tags,
            "metadata": metadata,
        }
    )


async def expand_async(cases: Sequence[Case], spec: DiversitySpec, *, seed: int = 0) -> Expansion:
    base_seed = spec.seed if spec.seed is not None else seed
    variants: list[Case] = []
    notes: list[str] = []
    for mutator in build_mutators(spec):
        if isinstance(mutator, GeneratedMutator):
            if spec.generator is None:
                notes.append(
                    f"{mutator.name}: skipped, no generator configured "
                    "(set diversity.generator to an OpenAI-compatible endpoint)"
                )
                continue
            own = getattr(getattr(mutator, "args", None), "seed", None)
            for k in range(spec.per_case):
                run_seed = derive_seed(own if own is not None else base_seed, mutator.name, k)
                outs = await mutator.mutate_many(
                    [c.user_text() for c in cases], run_seed, generator=spec.generator, index=k
                )
                for case, out in zip(cases, outs, strict=True):
                    if out is not None:
                        variants.append(make_variant(case, mutator, out, k, run_seed))
                failures = getattr(mutator, "last_failures", None) or []
                if failures:
                    notes.append(
                        f"{mutator.name}: {len(failures)} of {len(cases)} rewrites failed "
                        f"(variant {k}) and were skipped; first: {failures[0][:200]}"
                    )
            continue
        own_seed = getattr(getattr(mutator, "args", None), "seed", None)
        for case in cases:
            original = case.user_text()
            for k in range(spec.per_case):
                case_seed = derive_seed(
                    own_seed if own_seed is not None else base_seed, case.id, mutator.name, k
                )
                out = mutator.mutate(original, random.Random(case_seed))
                if out is None or (mutator.expectation == "invariant" and out.text == original):
                    continue
                variants.append(make_variant(case, mutator, out, k, case_seed))
    return Expansion(list(cases), variants, notes)


def expand(cases: Sequence[Case], spec: DiversitySpec, *, seed: int = 0) -> Expansion:
    """Sync wrapper of ``expand_async``."""
    return asyncio.run(expand_async(cases, spec, seed=seed))
