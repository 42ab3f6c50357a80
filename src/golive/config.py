"""The Plan: one validated document for a whole run (golive.yaml, flags, or Python).

Component sections (``target``, ``scorers``, ``reporters``) are validated against the
args model their ``kind`` registered, so every error names its field path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError, field_validator

from golive._files import check_out_dir, read_user_text
from golive._unicode import clean_tree
from golive._validation import config_error_from
from golive._yaml import load_yaml, problem
from golive.defaults import DEFAULT_GATES, DEFAULT_SCORERS, DEFAULT_STORE
from golive.diversity.spec import DiversitySpec
from golive.errors import ConfigError
from golive.load.spec import LoadSpec
from golive.registry import ComponentArgs, registry
from golive.scan.spec import ScanSpec
from golive.suite import SuiteLimits

__all__ = [
    "DEFAULT_GATES",
    "DEFAULT_SCORERS",
    "DEFAULT_STORE",
    "CacheSpec",
    "Plan",
    "RequestOptions",
    "load_plan",
    "plan_from_dict",
    "set_dotted",
]

_PATH_FIELDS = frozenset({"suite", "out", "store", "cache"})


class RequestOptions(BaseModel):
    """Generation parameters sent with every request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_tokens: int | None = Field(default=512, ge=1, description="Upper bound on output tokens.")
    temperature: float | None = Field(
        default=None, ge=0, le=2, description="None: the target's default."
    )
    system_prompt: str | None = Field(
        default=None, description="Prepended to every case as a system message."
    )


class CacheSpec(BaseModel):
    """The opt-in response cache: replay a target's successful replies to unchanged requests."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True, description="Use the cache (false keeps the section but turns it off)."
    )
    dir: Path = Field(
        default=Path(".golive/cache"),
        description="Folder of the cache database (relative paths: from the working directory).",
    )


class Plan(BaseModel):
    """A whole run. Field docs double as the config reference in the README."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    target: SerializeAsAny[ComponentArgs] = Field(
        description="What to test: {kind: openai|http|python|demo, …}."
    )
    suite: Path | None = Field(
        default=None, description="Cases file (.jsonl, .yaml); the demo target brings its own."
    )
    suite_limits: SuiteLimits = Field(
        default_factory=SuiteLimits,
        description="How much of the suite file golive reads: max_bytes (100 MiB) and, for "
        ".jsonl, max_line_bytes (1 MiB); past them the suite is refused (exit 4).",
    )
    samples: int = Field(
        default=3, ge=1, le=100, description="Samples per case, to expose non-determinism."
    )
    concurrency: int = Field(default=8, ge=1, le=1024, description="Requests in flight at once.")
    timeout: float = Field(
        default=60.0,
        gt=0,
        allow_inf_nan=False,  # `inf` would let a stalled target hang the run for ever
        description="Seconds allowed per request, whole stream included.",
    )
    max_output_chars: int = Field(
        default=100_000, ge=1, description="Longer output is cut off and classified oversized."
    )
    request: RequestOptions = Field(
        default_factory=RequestOptions, description="Generation parameters sent with every request."
    )
    scorers: list[SerializeAsAny[ComponentArgs]] = Field(
        default_factory=list, description="Scorers applied to every case."
    )
    gates: list[str] = Field(
        default_factory=lambda: list(DEFAULT_GATES),
        description="Gate expressions; all must hold for go.",
    )
    reporters: list[str] = Field(
        default_factory=lambda: ["terminal", "html", "json", "junit"],
        description="Reports to write into `out`: terminal, html, json, junit, markdown.",
    )
    store: str = Field(default=DEFAULT_STORE, description="SQLAlchemy URL of the results store.")
    out: Path = Field(default=Path("golive-report"), description="Report folder.")
    seed: int = Field(default=0, description="Seeds everything random (sampling seeds, demo).")
    tags: list[str] = Field(
        default_factory=list, description="Only run cases carrying one of these tags."
    )
    diversity: DiversitySpec | None = Field(
        default=None,
        description="Amplify the suite with mutators (typos, languages, formats, attacks); "
        "see `golive perturb --list`.",
    )
    scan: ScanSpec | None = Field(
        default=None,
        description="Add attack probes (adversarial mutators, planted PII, other customers' "
        "data, system-prompt extraction); gate on adversarial.attack_success_rate.",
    )
    load: LoadSpec | None = Field(
        default=None,
        description="Load test after the quality run, against a fresh instance of the target; "
        "its metrics (load.ttft_p95_ms@c=8, load.capacity_at_slo, …) can be gated.",
    )
    cache: CacheSpec | None = Field(
        default=None,
        description="Replay cached replies to requests already answered (same target, same "
        "request, same sample): unchanged cases cost nothing. Successful replies only; never "
        "used by load tests; cached samples are left out of latency metrics.",
    )

    @field_validator("out")
    @classmethod
    def _out_is_a_folder(cls, value: Path) -> Path:
        # Checked before the run, not when its reports are written at the end.
        why = check_out_dir(value)
        if why:
            raise ValueError(why)
        return value

    @field_validator("gates")
    @classmethod
    def _gates_parse(cls, value: list[str]) -> list[str]:
        from golive.gates import parse_gate

        for expr in value:
            parse_gate(expr)
        return value


def plan_from_dict(data: dict[str, Any], *, base_dir: Path | None = None) -> Plan:
    """Validate a plan given as a dict (parsed YAML merged with flags)."""
    if not isinstance(data, dict):
        raise ConfigError("the config must be a mapping of fields (target:, suite:, …).")
    # Flags may carry lone surrogates (bytes of a command line that are not UTF-8): made
    # visible escapes here, as replies and cases are (see golive._unicode). Paths keep them:
    # they name files by their bytes.
    data = {k: v if k in _PATH_FIELDS else clean_tree(v) for k, v in data.items()}
    target_spec = data.get("target")
    if target_spec is None:
        raise ConfigError(
            "this field is required; add e.g. `target: {kind: openai, url: …, model: …}`.",
            field="target",
        )
    if isinstance(target_spec, str):
        target_spec = {"kind": target_spec}
    if not isinstance(target_spec, dict):
        raise ConfigError("must be a mapping with a `kind`.", field="target")
    data["target"] = registry.parse("target", target_spec, field="target")
    scorer_specs = data.get("scorers", DEFAULT_SCORERS)
    if not isinstance(scorer_specs, list):
        raise ConfigError(
            "must be a list of scorer specs such as `- kind: semantic`.", field="scorers"
        )
    data["scorers"] = [
        registry.parse("scorer", {"kind": s} if isinstance(s, str) else s, field=f"scorers[{i}]")
        for i, s in enumerate(scorer_specs)
    ]
    for reporter in data.get("reporters", []) or []:
        registry.get("reporter", str(reporter)) if isinstance(reporter, str) else None
    if base_dir is not None and isinstance(data.get("suite"), str):
        suite = Path(data["suite"])
        data["suite"] = suite if suite.is_absolute() else base_dir / suite
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise config_error_from(exc, model=Plan) from None


def load_plan(path: Path, overrides: dict[str, Any] | None = None) -> Plan:
    """Read golive.yaml, apply flag overrides (dotted keys allowed), validate."""
    try:
        # A regular file of at most CONFIG_MAX_BYTES: not /dev/zero, not a FIFO.
        text = read_user_text(path, what="config file", field=None)
    except FileNotFoundError:
        raise ConfigError(
            f"config file {str(path)!r} not found; create one with `golive init`."
        ) from None
    try:
        data = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or problem(exc)
        raise ConfigError(f"{path} is not valid YAML{where}: {what}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of fields (target:, suite:, …).")
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value)
    return plan_from_dict(data, base_dir=path.parent)


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``data[a][b] = value`` for the key ``a.b``; a scalar parent becomes ``{kind: it}``."""
    node = data
    *parents, last = key.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {} if child is None else {"kind": child}
            node[part] = child
        node = child
    node[last] = value
