"""Scorers: assertions (match, structure), semantic similarity, language, refusal, leaks
and consistency. Importing this package stays light: models load on first use."""

from golive.scoring._pii import PiiMatch, find_pii
from golive.scoring.base import SampleSetScorer, Scorer, ScorerArgs, Warmable, warm_all
from golive.scoring.refusal import is_refusal
from golive.scoring.semantic import semantic_similarity

__all__ = [
    "PiiMatch",
    "SampleSetScorer",
    "Scorer",
    "ScorerArgs",
    "Warmable",
    "find_pii",
    "is_refusal",
    "semantic_similarity",
    "warm_all",
]
