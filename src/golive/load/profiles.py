"""Traffic profiles: closed loop, constant, Poisson, gamma, ramp and trace replay, each turning
its args, the duration and a seed into ``LevelPlan``s (the same seed, the same arrivals)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import Field, PositiveFloat, PositiveInt

from golive._files import read_user_lines
from golive.errors import ConfigError
from golive.registry import ComponentArgs, profile
from golive.schemas import LevelPlan, Message, Request

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "ClosedArgs",
    "ConstantArgs",
    "GammaArgs",
    "LevelOptions",
    "PoissonArgs",
    "Profile",
    "RampArgs",
    "TraceArgs",
    "build_profile",
]


@dataclass(frozen=True)
class LevelOptions:
    """Settings every level of a load test shares."""

    warmup_s: float = 0.0
    max_concurrency: int | None = None
    max_requests: int | None = None
    request_timeout_s: float = 60.0
    grace_s: float = 5.0


class Profile(Protocol):
    def plans(self, duration_s: float, seed: int, options: LevelOptions) -> list[LevelPlan]:
        """The levels to run, in order."""

    def prompts(self) -> list[Request] | None:
        """Prompts the profile brings itself (trace replay), else None."""


def _rng(seed: int, index: int) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng([seed, index])  # independent stream per level


def _cumulative(gaps: np.ndarray, duration_s: float) -> tuple[float, ...]:
    import numpy as np

    times = np.cumsum(gaps)
    return tuple(float(t) for t in times[times < duration_s])


def _open(
    name: str, i: int, rate: float, arrivals: tuple[float, ...], d: float, o: LevelOptions
) -> LevelPlan:
    return LevelPlan(
        index=i,
        profile=name,
        duration_s=d,
        rate=rate,
        arrivals_s=arrivals,
        warmup_s=o.warmup_s,
        max_concurrency=o.max_concurrency,
        max_requests=o.max_requests,
        request_timeout_s=o.request_timeout_s,
        grace_s=o.grace_s,
    )


def _gamma_arrivals(rate: float, cv2: float, d: float, seed: int, i: int) -> tuple[float, ...]:
    """Gamma inter-arrival gaps with mean 1/rate and squared coefficient of variation cv2."""
    rng = _rng(seed, i)
    shape = 1.0 / cv2
    n = int(rate * d * 1.5 + 10 * math.sqrt(rate * d * max(cv2, 1.0)) + 16)
    while True:
        gaps = rng.gamma(shape, 1.0 / (rate * shape), size=n)
        if gaps.sum() >= d:
            return _cumulative(gaps, d)
        n *= 2


class _RateArgs(ComponentArgs):
    rate: list[PositiveFloat] = Field(
        min_length=1, description="Requests per second, one level each."
    )


class ClosedArgs(ComponentArgs):
    """Closed loop: N users, each sends, waits for the whole reply, thinks, repeats."""

    kind: Literal["closed"] = "closed"
    concurrency: list[PositiveInt] = Field(
        min_length=1, description="Concurrent users, one level each."
    )
    think_time_s: float = Field(default=0.0, ge=0, description="Pause between requests.")


@profile("closed", args=ClosedArgs)
class ClosedProfile:
    """Closed loop: N concurrent users with optional think time."""

    def __init__(self, args: ClosedArgs) -> None:
        self.args = args

    def plans(self, duration_s: float, seed: int, options: LevelOptions) -> list[LevelPlan]:
        return [
            LevelPlan(
                index=i,
                profile="closed",
                duration_s=duration_s,
                concurrency=c,
                think_time_s=self.args.think_time_s,
                warmup_s=options.warmup_s,
                max_requests=options.max_requests,
                request_timeout_s=options.request_timeout_s,
                grace_s=options.grace_s,
            )
            for i, c in enumerate(self.args.concurrency)
        ]

    def prompts(self) -> list[Request] | None:
        return None


class ConstantArgs(_RateArgs):
    """Open loop, evenly spaced arrivals."""

    kind: Literal["constant"] = "constant"


class PoissonArgs(_RateArgs):
    """Open loop, Poisson arrivals (exponential gaps)."""

    kind: Literal["poisson"] = "poisson"


class GammaArgs(_RateArgs):
    """Open loop, gamma-distributed gaps: bursty (burstiness > 1) or regular (< 1)."""

    kind: Literal["gamma"] = "gamma"
    burstiness: float = Field(
        default=1.0, gt=0, description="Squared coefficient of variation of the gaps; 1 = Poisson."
    )


class _OpenProfile:
    def __init__(self, args: _RateArgs, name: str, cv2: float | None) -> None:
        self.args, self.name, self.cv2 = args, name, cv2

    def plans(self, duration_s: float, seed: int, options: LevelOptions) -> list[LevelPlan]:
        out = []
        for i, rate in enumerate(self.args.rate):
            if self.cv2 is None:  # constant
                arrivals = tuple(k / rate for k in range(math.ceil(rate * duration_s)))
                arrivals = tuple(t for t in arrivals if t < duration_s)
            else:
                arrivals = _gamma_arrivals(rate, self.cv2, duration_s, seed, i)
            out.append(_open(self.name, i, rate, arrivals, duration_s, options))
        return out

    def prompts(self) -> list[Request] | None:
        return None


@profile("constant", args=ConstantArgs)
def constant_profile(args: ConstantArgs) -> Profile:
    """Open loop: a constant request rate."""
    return _OpenProfile(args, "constant", None)


@profile("poisson", args=PoissonArgs)
def poisson_profile(args: PoissonArgs) -> Profile:
    """Open loop: Poisson arrivals at a mean rate."""
    return _OpenProfile(args, "poisson", 1.0)


@profile("gamma", args=GammaArgs)
def gamma_profile(args: GammaArgs) -> Profile:
    """Open loop: gamma arrivals with a burstiness parameter."""
    return _OpenProfile(args, "gamma", args.burstiness)


class RampArgs(ComponentArgs):
    """A rate ramp: ``steps`` constant levels, or (steps = 1) one level rising linearly."""

    kind: Literal["ramp"] = "ramp"
    from_rate: float = Field(gt=0, description="Requests per second at the start.")
    to_rate: float = Field(gt=0, description="Requests per second at the end.")
    steps: int = Field(default=1, ge=1, description="Levels; 1 = a linear ramp within one level.")
    process: Literal["constant", "poisson"] = Field(
        default="poisson", description="Arrival process at each moment's rate."
    )


@profile("ramp", args=RampArgs)
class RampProfile:
    """A ramp from one rate to another, in steps or linearly within one level."""

    def __init__(self, args: RampArgs) -> None:
        self.args = args

    def plans(self, duration_s: float, seed: int, options: LevelOptions) -> list[LevelPlan]:
        a = self.args
        if a.steps > 1:
            out = []
            for i in range(a.steps):
                rate = a.from_rate + (a.to_rate - a.from_rate) * i / (a.steps - 1)
                arrivals = self._arrivals(rate, rate, duration_s, seed, i)
                out.append(_open("ramp", i, rate, arrivals, duration_s, options))
            return out
        arrivals = self._arrivals(a.from_rate, a.to_rate, duration_s, seed, 0)
        return [_open("ramp", 0, (a.from_rate + a.to_rate) / 2, arrivals, duration_s, options)]

    def _arrivals(self, r0: float, r1: float, d: float, seed: int, i: int) -> tuple[float, ...]:
        # Events of a unit-rate process at s_k, mapped through the inverse of the
        # cumulative rate L(t) = r0 t + (r1 - r0) t^2 / (2d).
        total = (r0 + r1) * d / 2
        if self.args.process == "constant":
            marks: list[float] = [k + 0.0 for k in range(math.ceil(total))]
        else:
            marks = list(_gamma_arrivals(1.0, 1.0, total, seed, i))
        slope = (r1 - r0) / d
        out = []
        for s in marks:
            t = s / r0 if slope == 0 else (-r0 + math.sqrt(r0 * r0 + 2 * slope * s)) / slope
            if t < d:
                out.append(t)
        return tuple(out)

    def prompts(self) -> list[Request] | None:
        return None


class TraceArgs(ComponentArgs):
    """Replay a JSONL log of ``{"t": seconds, "prompt": "..."}`` records."""

    kind: Literal["trace"] = "trace"
    path: Path = Field(description="JSONL file, one request per line.")
    speed: float = Field(default=1.0, gt=0, description="Replay this many times faster.")
    max_tokens: int | None = Field(default=None, ge=1, description="max_tokens of each request.")


@profile("trace", args=TraceArgs)
class TraceProfile:
    """Trace replay: the timestamps and prompts of a recorded log."""

    def __init__(self, args: TraceArgs) -> None:
        self.args = args
        self._times, self._prompts = self._read()

    def _read(self) -> tuple[list[float], list[str]]:
        field = "load.profile.path"
        lines = read_user_lines(self.args.path, what="trace file", field=field)
        rows: list[tuple[float, str]] = []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                t, prompt = float(obj["t"]), obj["prompt"]
            except (ValueError, KeyError, TypeError):
                raise ConfigError(
                    f'line {n} is not a {{"t": seconds, "prompt": text}} record', field=field
                ) from None
            if not isinstance(prompt, str) or not math.isfinite(t):
                raise ConfigError(f"line {n}: bad prompt or time", field=field)
            rows.append((t, prompt))
        if not rows:
            raise ConfigError("the trace holds no records", field=field)
        rows.sort(key=lambda r: r[0])
        t0 = rows[0][0]
        return [(t - t0) / self.args.speed for t, _ in rows], [p for _, p in rows]

    def plans(self, duration_s: float, seed: int, options: LevelOptions) -> list[LevelPlan]:
        keep = [i for i, t in enumerate(self._times) if t < duration_s]
        plan = _open(
            "trace",
            0,
            len(keep) / duration_s,
            tuple(self._times[i] for i in keep),
            duration_s,
            options,
        )
        # Each arrival carries its own prompt: indices into prompts().
        return [LevelPlan(**{**plan.__dict__, "prompt_indices": tuple(keep)})]

    def prompts(self) -> list[Request] | None:
        return [
            Request(messages=(Message(role="user", content=p),), max_tokens=self.args.max_tokens)
            for p in self._prompts
        ]


def build_profile(spec: dict[str, object]) -> Profile:
    """A profile from its spec, e.g. ``{"kind": "poisson", "rate": [5, 10]}``."""
    from golive.registry import registry

    args = registry.parse("profile", spec, field="load.profile")
    built: Profile = registry.build("profile", args)
    return built
