"""The ``load:`` section of golive.yaml (and what ``golive load``'s flags build): ``LoadSpec``.

SLOs are upper bounds on level metrics, keyed by metric name (``ttft_from_schedule_ms.p95``).
Short spellings are accepted everywhere, in YAML keys and in ``--slo`` strings:
``ttft_p95=500ms`` is the queue-inclusive TTFT (c_1 − t_sched, what gates use so that
coordinated omission cannot hide a queue), ``ttft_send_p95`` the TTFT from send (c_1 − t_send),
``e2e_p99=3s`` the queue-inclusive E2E, ``e2e_send_p99`` E2E from send, ``tpot_p50``,
``itl_p99``. Durations take ``ms`` or ``s`` (a bare number is milliseconds).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from golive.errors import ConfigError
from golive.load.metrics import LATENCIES, STATS
from golive.load.monitor import DEFAULT_MAX_CPU_PCT, DEFAULT_MAX_LAG_MS

if TYPE_CHECKING:
    from golive.registry import ComponentArgs

__all__ = [
    "SHORT_LATENCIES",
    "AbandonmentSpec",
    "ClientSpec",
    "ColdStartSpec",
    "LoadSpec",
    "parse_number_list",
    "parse_slo",
    "slo_key",
]

# Short latency names (SLO strings, gate names) -> the level metric they read.
SHORT_LATENCIES: dict[str, str] = {
    "ttft": "ttft_from_schedule_ms",
    "ttft_send": "ttft_ms",
    "e2e": "e2e_from_schedule_ms",
    "e2e_send": "e2e_ms",
    "tpot": "tpot_ms",
    "itl": "itl_ms",
    "send_delay": "send_delay_ms",
}
_SHORT = re.compile(r"^(?P<name>[a-z0-9_]+?)_(?P<stat>p50|p90|p95|p99|max|mean)(?:_ms)?$")
_DURATION = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?P<unit>ms|s)?\s*$")


def slo_key(key: str, *, field: str = "slo") -> str:
    """The level-metric name an SLO key means: ``ttft_p95`` → ``ttft_from_schedule_ms.p95``."""
    key = key.strip()
    name, dot, stat = key.partition(".")
    if dot and name in LATENCIES and stat in STATS:
        return key
    match = _SHORT.match(key)
    if match and match["name"] in SHORT_LATENCIES:
        return f"{SHORT_LATENCIES[match['name']]}.{match['stat']}"
    raise ConfigError(
        f"unknown SLO {key!r}; use e.g. ttft_p95 (queue-inclusive TTFT), ttft_send_p95, "
        "e2e_p99, tpot_p50, itl_p99, or a metric name such as ttft_ms.p95.",
        field=field,
    )


def _duration_ms(raw: object, *, field: str) -> float:
    if isinstance(raw, bool):
        raise ConfigError(f"{raw!r} is not a duration", field=field)
    if isinstance(raw, int | float):
        return float(raw)
    match = _DURATION.match(str(raw))
    if not match:
        raise ConfigError(
            f"cannot read the duration {str(raw)!r}; write e.g. 500ms or 3s", field=field
        )
    value = float(match["num"])
    return value * 1000.0 if match["unit"] == "s" else value


def parse_slo(raw: str | dict[str, Any] | None, *, field: str = "slo") -> dict[str, float]:
    """``"ttft_p95=500ms,e2e_p99=3s"`` or a mapping → ``{metric name: bound in ms}``."""
    if raw is None:
        return {}
    items: list[tuple[str, object]]
    if isinstance(raw, str):
        items = []
        for part in (p.strip() for p in raw.split(",")):
            if not part:
                continue
            key, sep, text = part.partition("=")
            if not sep or not key.strip():
                raise ConfigError(
                    f"cannot read {part!r}; write NAME=VALUE, e.g. ttft_p95=500ms", field=field
                )
            items.append((key, text))
    elif isinstance(raw, dict):
        items = [(str(k), v) for k, v in raw.items()]
    else:
        raise ConfigError("must be a mapping such as {ttft_p95: 500ms}", field=field)
    out: dict[str, float] = {}
    for key, value in items:
        name = slo_key(key, field=field)
        bound = _duration_ms(value, field=f"{field}.{key.strip()}")
        if bound <= 0:
            raise ConfigError(f"{key.strip()} must be above 0", field=field)
        out[name] = bound
    return out


def parse_number_list(raw: str, *, field: str, integer: bool) -> list[float]:
    """``"1,8,32"`` → ``[1.0, 8.0, 32.0]``; every value must be positive."""
    values: list[float] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            value = float(part)
        except ValueError:
            raise ConfigError(
                f"{part!r} is not a number (write e.g. 1,8,32)", field=field
            ) from None
        if value <= 0 or (integer and value != int(value)):
            kind = "a positive whole number" if integer else "a positive number"
            raise ConfigError(f"{part!r} must be {kind}", field=field)
        values.append(value)
    if not values:
        raise ConfigError("needs at least one value, e.g. 1,8,32", field=field)
    return values


class ColdStartSpec(BaseModel):
    """Measure cold start: launch → first token, and optionally a probe after idling."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str | None = Field(
        default=None,
        description="Shell command that starts the target; none with the demo target: the "
        "in-process demo server's own cold start is timed.",
    )
    url: str | None = Field(
        default=None, description="Base URL once started (default: the first URL it prints)."
    )
    model: str | None = Field(default=None, description="Model name (default: the target's).")
    ready_timeout_s: float = Field(
        default=300.0, gt=0, allow_inf_nan=False, description="Give up after this long."
    )
    idle_probe_s: float | None = Field(
        default=None, ge=0, description="Idle this long after warm-up, then probe once."
    )


class AbandonmentSpec(BaseModel):
    """P(user abandons | queue-inclusive TTFT): points (seconds, probability), linear between."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: list[tuple[float, float]] = Field(
        default_factory=lambda: [(1.0, 0.0), (3.0, 0.53)], min_length=1
    )
    tail_per_s: float = Field(default=0.07, ge=0, description="Growth past the last point.")


class ClientSpec(BaseModel):
    """When a level counts as measured: golive's own client must not be the bottleneck."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_lag_ms: float = Field(
        default=DEFAULT_MAX_LAG_MS,
        gt=0,
        description="A level is invalid when its chunk times may be this late at p99: the "
        "kernel-stamped reads' delay between stamp and handling where the client reads kernel "
        "stamps (plain http:// on Linux), the event-loop lag elsewhere.",
    )
    max_cpu_pct: float = Field(
        default=DEFAULT_MAX_CPU_PCT,
        gt=0,
        description="A level is invalid when a client process used more than this share of "
        "one core (percent): it had no headroom left to measure with.",
    )


class LoadSpec(BaseModel):
    """A load test: which traffic, for how long, against which SLOs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: dict[str, Any] = Field(
        description="Traffic: {kind: closed, concurrency: [1, 8]} | {kind: poisson, rate: [5]} "
        "| constant | gamma | ramp | trace | {kind: sweep, over: concurrency, max: 256}. "
        "Shortcuts: `concurrency: [..]` (closed) or `rate: [..]` (poisson) at this level."
    )
    duration: float = Field(default=10.0, gt=0, description="Seconds per level.")
    warmup: float = Field(
        default=0.0,
        ge=0,
        description="Seconds at the start of each level "
        "whose requests are recorded but excluded from metrics.",
    )
    requests: int | None = Field(default=None, ge=1, description="Most requests per level.")
    max_concurrency: int | None = Field(
        default=None, ge=1, description="Open loop: most requests in flight; more wait (queued)."
    )
    prompts: Path | None = Field(
        default=None,
        description="Prompts file (.jsonl/.yaml suite or .txt lines); default: the suite's inputs.",
    )
    max_tokens: int | None = Field(default=128, ge=1, description="max_tokens of each request.")
    slo: dict[str, float] = Field(
        default_factory=dict, description="Upper bounds, e.g. {ttft_p95: 500ms, e2e_p99: 3s}."
    )
    max_error_rate: float = Field(
        default=0.01, ge=0, le=1, description="Most failed share a level may have and meet its SLO."
    )
    cold_start: ColdStartSpec | None = Field(default=None, description="Measure cold start.")
    abandonment: AbandonmentSpec = Field(
        default_factory=AbandonmentSpec, description="The abandonment curve (default: issue 4's)."
    )
    target: dict[str, Any] | None = Field(
        default=None,
        description="The target to load when not the run's own, e.g. the demo at its real "
        "serving speed: {kind: demo, settings: {max_batch: 8}}.",
    )
    processes: int = Field(
        default=1,
        ge=1,
        description="Client processes each level is spread over (load.multiproc), so a level "
        "past one client core is still measured validly.",
    )
    client: ClientSpec = Field(
        default_factory=ClientSpec,
        description="Client-health limits that decide whether a level is valid, e.g. "
        "{max_lag_ms: 5, max_cpu_pct: 90} (the defaults).",
    )
    seed: int = Field(default=0, description="Seeds the arrival times.")
    request_timeout_s: float = Field(
        default=60.0, gt=0, allow_inf_nan=False, description="Per-request limit."
    )
    grace_s: float = Field(
        default=5.0,
        ge=0,
        allow_inf_nan=False,
        description="In-flight requests may finish this long after a level's duration.",
    )

    @model_validator(mode="before")
    @classmethod
    def _shortcuts(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "profile" in data:
            return data
        data = dict(data)
        if "concurrency" in data:
            data["profile"] = {"kind": "closed", "concurrency": data.pop("concurrency")}
        elif "rate" in data:
            data["profile"] = {"kind": "poisson", "rate": data.pop("rate")}
        elif "sweep" in data:
            sweep = data.pop("sweep")
            data["profile"] = {"kind": "sweep", **(sweep if isinstance(sweep, dict) else {})}
        return data

    @field_validator("slo", mode="before")
    @classmethod
    def _slo(cls, value: Any) -> dict[str, float]:
        return parse_slo(value, field="load.slo")

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: dict[str, Any]) -> dict[str, Any]:
        from golive.registry import registry

        if value.get("kind") == "cold_start":
            raise ConfigError("cold start has its own section: load.cold_start", field="load")
        registry.parse("profile", value, field="load.profile")  # fail early, naming the field
        return value

    @field_validator("target")
    @classmethod
    def _target(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        from golive.registry import registry

        if value is not None:
            registry.parse("target", value, field="load.target")  # fail early, naming the field
        return value

    @property
    def target_args(self) -> ComponentArgs | None:
        """``target`` parsed, or None: the run's own target."""
        from golive.registry import registry

        if self.target is None:
            return None
        return registry.parse("target", self.target, field="load.target")

    @field_validator("processes")
    @classmethod
    def _processes(cls, value: int) -> int:
        most = (os.cpu_count() or 1) * 4
        if value > most:
            raise ConfigError(
                f"{value} client processes on {os.cpu_count() or 1} cores: at most {most} "
                "(more only share the same cores)",
                field="load.processes",
            )
        return value

    @model_validator(mode="after")
    def _warmup(self) -> LoadSpec:
        if self.warmup >= self.duration:
            raise ConfigError(
                f"warmup ({self.warmup:g} s) must be shorter than duration ({self.duration:g} s)",
                field="load.warmup",
            )
        return self

    @property
    def is_sweep(self) -> bool:
        return self.profile.get("kind") == "sweep"
