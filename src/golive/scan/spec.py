"""The ``scan:`` section of golive.yaml: which attack categories, how many probes, which seed,
and an optional unguarded target to compare with (before and after guardrails)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from golive.registry import ComponentArgs

__all__ = ["CATEGORIES", "MUTATOR_CATEGORIES", "PROBE_CATEGORIES", "ScanSpec"]

# The adversarial mutators (golive.diversity.adversarial), each a category of its own.
MUTATOR_CATEGORIES = (
    "instruction_override",
    "prompt_extraction",
    "roleplay",
    "delimiter_confusion",
    "indirect_injection",
    "payload_splitting",
    "encoded",
    "multilingual_injection",
)
# The scan's own probes (golive.scan.probes): data the reply must never give back.
PROBE_CATEGORIES = ("pii_planted", "other_customers", "system_prompt")
CATEGORIES = (*MUTATOR_CATEGORIES, *PROBE_CATEGORIES)


class ScanSpec(BaseModel):
    """Attack probes added to a run; their success rate is ``adversarial.*.attack_success_rate``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: list[str] | None = Field(
        default=None,
        description="Attack categories (the 8 adversarial mutators, pii_planted, "
        "other_customers, system_prompt); default: all.",
    )
    per_category: int = Field(default=10, ge=1, le=1000, description="Probes per category.")
    seed: int | None = Field(default=None, description="Seed of the probes; default: the run's.")
    carriers: list[str] | None = Field(
        default=None,
        description="Benign questions the attacks ride on; default: the suite's, else built-in.",
    )
    unguarded: dict[str, Any] | None = Field(
        default=None,
        description="A target to attack too, e.g. the same app without its guardrails "
        "({kind: openai, url: …}); the report shows attack success and PII leaks before "
        "(unguarded) and after (the run's target), as hardening.* metrics.",
    )

    @field_validator("unguarded")
    @classmethod
    def _unguarded(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        from golive.registry import registry

        if value is not None:
            registry.parse("target", value, field="scan.unguarded")  # fail early, naming it
        return value

    @property
    def unguarded_args(self) -> ComponentArgs | None:
        """``unguarded`` parsed, or None."""
        from golive.registry import registry

        if self.unguarded is None:
            return None
        return registry.parse("target", self.unguarded, field="scan.unguarded")

    @field_validator("categories")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [c for c in value if c not in CATEGORIES]
        if unknown:
            raise ValueError(
                f"unknown categories {', '.join(unknown)}; choose from {', '.join(CATEGORIES)}"
            )
        if not value:
            raise ValueError("name at least one category")
        return list(dict.fromkeys(value))

    def selected(self) -> tuple[str, ...]:
        """The categories to run, in the canonical order."""
        wanted = set(self.categories) if self.categories is not None else set(CATEGORIES)
        return tuple(c for c in CATEGORIES if c in wanted)
