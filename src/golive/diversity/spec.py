"""The ``diversity:`` section of golive.yaml: which mutators, how many variants, which seed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DiversitySpec", "GeneratorSpec"]


class GeneratorSpec(BaseModel):
    """An OpenAI-compatible endpoint for model-based rewrites (translation, paraphrase…)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="Base URL ending in /v1, e.g. http://127.0.0.1:8000/v1.")
    model: str = Field(description="Model name sent with every rewrite request.")
    api_key_env: str | None = Field(default=None, description="Env variable holding the key.")
    cache_dir: str = Field(
        default=".golive/cache/rewrites", description="Rewrites are cached here: re-runs are free."
    )
    temperature: float = Field(default=0.7, ge=0, le=2, description="Sampling temperature.")
    timeout: float = Field(
        default=60.0, gt=0, allow_inf_nan=False, description="Seconds per rewrite request."
    )


class DiversitySpec(BaseModel):
    """How the suite is amplified. Without ``mutators`` every rule-based mutator applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mutators: list[str | dict[str, Any]] | None = Field(
        default=None,
        description="Mutator names or specs ({kind: typos, rate: 0.2}); default: every "
        "rule-based one.",
    )
    per_case: int = Field(default=1, ge=1, le=100, description="Variants per case per mutator.")
    samples: int = Field(
        default=1, ge=1, le=100, description="Samples per variant (canonical cases keep `samples`)."
    )
    seed: int | None = Field(default=None, description="Seed of the variants; default: the run's.")
    generator: GeneratorSpec | None = Field(
        default=None, description="Endpoint for model-based rewrites; without it they are skipped."
    )
