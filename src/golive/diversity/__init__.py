"""Input diversity: rewrite cases the way real users and attackers write."""

from golive.diversity.base import (
    FAMILIES,
    Expectation,
    GeneratedMutator,
    Mutation,
    Mutator,
    MutatorArgs,
    derive_seed,
)
from golive.diversity.expand import Expansion, VariantInfo, expand, expand_async, lineage
from golive.diversity.spec import DiversitySpec, GeneratorSpec

__all__ = [
    "FAMILIES",
    "DiversitySpec",
    "Expansion",
    "Expectation",
    "GeneratedMutator",
    "GeneratorSpec",
    "Mutation",
    "Mutator",
    "MutatorArgs",
    "VariantInfo",
    "derive_seed",
    "expand",
    "expand_async",
    "lineage",
]
