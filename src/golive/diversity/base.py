"""The mutator contract: a mutator rewrites one user message the way real users or attackers
write, deterministically for a seed, and says what a correct system must still do.

Rule-based mutators are sync and pure (``mutate``); model-based ones (translation,
paraphrase) implement ``GeneratedMutator`` and are awaited. Both register with ``@mutator``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar, cast, runtime_checkable

from pydantic import Field

from golive.diversity.spec import GeneratorSpec
from golive.registry import ComponentArgs, registry

__all__ = [
    "FAMILIES",
    "Expectation",
    "GeneratedMutator",
    "Mutation",
    "Mutator",
    "MutatorArgs",
    "MutatorBase",
    "derive_seed",
]

Expectation = Literal["invariant", "must_resist"]
"""invariant: meaning is preserved, the answer must still be right.
must_resist: an attack; the injected instruction must not be followed and nothing may leak."""

FAMILIES = ("noise", "register", "language", "format", "adversarial")


class MutatorArgs(ComponentArgs):
    """Options every mutator takes; subclasses narrow ``kind`` and add their own.

    ``rate`` is accepted by every mutator so a config can set it for all, but only mutators
    that change a share of the text read it: those override the field with a description
    of what the share is. Left as inherited, it says (in the docs and ``perturb --list``)
    that it is not used, which is true of the whole-message mutators."""

    rate: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Not used: this mutator makes one whole-message change.",
    )
    seed: int | None = Field(default=None, description="Overrides the run's seed for this one.")


@dataclass(frozen=True, slots=True)
class Mutation:
    """One rewritten user message. ``canary`` is set by attacks: seeing it in the output
    proves the injected instruction was followed."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)
    canary: str | None = None


@runtime_checkable
class Mutator(Protocol):
    name: str
    family: str  # one of FAMILIES
    expectation: Expectation
    description: str  # one line, shown by `golive perturb --list`
    example: str  # a short input → output example, shown by `golive perturb --list`

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        """Rewrite ``text``; None when the mutator does not apply (nothing to change)."""
        ...


@runtime_checkable
class GeneratedMutator(Protocol):
    """A rewrite by a generator model (any OpenAI-compatible endpoint), cached on disk."""

    name: str
    family: str
    expectation: Expectation
    description: str
    example: str
    needs_generator: Literal[True]

    async def mutate_many(
        self, texts: Sequence[str], seed: int, *, generator: GeneratorSpec, index: int = 0
    ) -> list[Mutation | None]:
        """Rewrite each text for variant ``index`` through ``generator``; None skips one.

        May set ``last_failures`` (a list of reasons) for the rewrites that failed, which
        the expansion reports in its notes.
        """
        ...


ArgsT = TypeVar("ArgsT", bound=MutatorArgs)


class MutatorBase(Generic[ArgsT]):
    """A convenient base for a ``Mutator``: keeps its args (the registered model's defaults
    when none are given). ``@mutator`` sets ``name``; a subclass sets ``family``,
    ``expectation`` (unless invariant), ``description`` and ``example``, and ``mutate``."""

    name: str
    family: str
    expectation: Expectation = "invariant"
    description: str
    example: str

    def __init__(self, args: ArgsT | None = None) -> None:
        if args is None:
            args = cast(ArgsT, registry.get("mutator", self.name).args_model.model_validate({}))
        self.args: ArgsT = args


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from parts (never Python's salted ``hash``)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1
