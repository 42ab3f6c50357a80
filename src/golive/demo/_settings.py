"""The demo server's knobs: one validated model, each field a documented CLI flag."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FAST_SPEED", "DemoSettings"]

# How much faster than real time ``fast=True`` runs the serving model.
FAST_SPEED = 100.0


class DemoSettings(BaseModel):
    """Settings of the bundled demo application and of its simulated inference server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(default="127.0.0.1", description="Address to bind; loopback by default.")
    port: int = Field(default=0, ge=0, le=65535, description="Port to bind; 0 picks a free one.")
    seed: int = Field(
        default=0,
        description="Seed of the answers' variation; same seed and requests, same answers.",
    )
    hardened: bool = Field(
        default=False,
        description="Put the same flawed assistant behind golive.guard: input validation, PII "
        "redaction and injection blocking; output PII, prompt/canary leak and language checks.",
    )
    model: str = Field(
        default="nimbus-support-1", min_length=1, description="Model name the server reports."
    )
    cold_start_s: float = Field(
        default=1.5,
        ge=0.0,
        description="Seconds after start before the model has loaded; earlier requests wait.",
    )
    prefill_ms_per_token: float = Field(
        default=0.5, ge=0.0, description="Prefill time per prompt token, in milliseconds."
    )
    decode_ms_base: float = Field(
        default=8.0, ge=0.0, description="Fixed time of one decode step, in milliseconds."
    )
    decode_ms_per_seq: float = Field(
        default=2.0,
        ge=0.0,
        description="Extra decode-step time per sequence in the batch, in milliseconds.",
    )
    max_batch: int = Field(
        default=8, ge=1, description="Most sequences decoded together; the rest wait in a queue."
    )
    max_queue: int = Field(
        default=256,
        ge=0,
        description="Most requests waiting beyond a full batch; more are refused with 429.",
    )
    speed: float = Field(
        default=1.0, gt=0.0, description="Run the serving model this many times faster."
    )
    fast: bool = Field(
        default=False,
        description=f"Shortcut for tests: no cold start and {FAST_SPEED:g}x speed.",
    )
    wrong_article_rate: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="Chance that an answer uses a plausible but wrong article (silent failure).",
    )

    @property
    def effective_speed(self) -> float:
        """The speed factor the engine applies, ``fast`` included."""
        return self.speed * (FAST_SPEED if self.fast else 1.0)

    @property
    def effective_cold_start_s(self) -> float:
        """The cold start in real seconds: none when ``fast``, scaled by ``speed``."""
        return 0.0 if self.fast else self.cold_start_s / self.speed
