"""Output guards: ``schema`` (JSON-schema enforcement with repair and re-ask), ``output_pii``,
``leak`` (system prompt and canaries) and ``language_match``."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field

from golive.detectors.language import detect_language
from golive.guard._json_repair import parse_json
from golive.guard.base import Action, Decision, Detection, GuardArgs, Origin, Stage
from golive.registry import guard

__all__ = [
    "LanguageMatchArgs",
    "LanguageMatchGuard",
    "LeakArgs",
    "LeakGuard",
    "OutputPiiArgs",
    "SchemaArgs",
    "SchemaGuard",
    "enforce",
    "language_match",
    "leak",
    "output_pii",
    "schema",
]

_OUT: tuple[Stage, ...] = ("output",)


# --- schema -------------------------------------------------------------------------------


class SchemaArgs(GuardArgs):
    """Options of the JSON-schema output guard."""

    kind: Literal["schema"] = "schema"
    json_schema: dict[str, Any] = Field(default_factory=dict)
    """The JSON schema the output must satisfy ({} accepts any JSON)."""


def _errors(value: Any, json_schema: dict[str, Any]) -> list[str]:
    import jsonschema

    try:
        validator = jsonschema.Draft202012Validator(json_schema)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}"
            for e in list(validator.iter_errors(value))[:5]
        ]
    except RecursionError:
        return ["document nested too deeply"]
    except jsonschema.SchemaError as exc:
        return [f"invalid schema: {exc.message[:200]}"]


def reask_prompt(errors: list[str], json_schema: dict[str, Any]) -> str:
    return (
        "Your previous reply was not valid JSON for the required schema. Problems: "
        + "; ".join(errors)
        + ". Reply again with only a JSON document matching this schema:\n"
        + json.dumps(json_schema, sort_keys=True)
    )


class SchemaGuard:
    """Enforce a JSON schema on outputs: parse, one repair, then escalate with a re-ask."""

    name = "schema"
    stages = _OUT

    def __init__(self, args: SchemaArgs | None = None) -> None:
        self.args = args or SchemaArgs()
        self.reask_prompt = ""  # the last re-ask prompt (for callers without `enforce`)

    def check(
        self,
        text: str,
        *,
        stage: Stage = "output",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        value, repaired, error = parse_json(text)
        errors = [error] if error else _errors(value, self.args.json_schema)
        if not errors:
            if repaired:
                fixed = json.dumps(value, ensure_ascii=False)
                return Decision(
                    Action.REDACT,
                    (Detection("SCHEMA_REPAIRED", 1.0),),
                    text=fixed,
                    guard=self.name,
                    reasons=("repaired JSON",),
                )
            return Decision(Action.ALLOW, guard=self.name)
        self.reask_prompt = reask_prompt(errors, self.args.json_schema)
        dets = tuple(Detection("SCHEMA", 1.0, reason=e) for e in errors)
        return Decision(Action.ESCALATE, dets, guard=self.name, reasons=("re-ask", *errors))


async def enforce(
    output: str,
    json_schema: dict[str, Any] | type[Any],
    reask: Callable[[str], Awaitable[str]] | None = None,
) -> tuple[Any, Decision]:
    """Parse and validate ``output`` (repairing once); if still invalid and ``reask`` is given,
    send one re-ask and check the new output. ``json_schema`` may be a pydantic model class.
    Returns (parsed value or None, final decision)."""
    sch = json_schema if isinstance(json_schema, dict) else json_schema.model_json_schema()
    g = SchemaGuard(SchemaArgs(json_schema=sch))
    decision = g.check(output)
    if decision.action == Action.ESCALATE and reask is not None:
        output = await reask(g.reask_prompt)
        decision = g.check(output)
        if decision.action == Action.ESCALATE:
            decision = Decision(
                Action.BLOCK,
                decision.detections,
                guard=g.name,
                reasons=("invalid after re-ask", *decision.reasons[1:]),
            )
    if decision.action == Action.ESCALATE or decision.action == Action.BLOCK:
        return None, decision
    return json.loads(decision.text) if decision.text else parse_json(output)[0], decision


@guard("schema", args=SchemaArgs)
def schema(args: SchemaArgs) -> SchemaGuard:
    """JSON-schema enforcement of outputs with one repair attempt and a re-ask prompt."""
    return SchemaGuard(args)


# --- output_pii ---------------------------------------------------------------------------


class OutputPiiArgs(GuardArgs):
    """Options of the output PII guard (the ``pii`` guard applied to outputs)."""

    kind: Literal["output_pii"] = "output_pii"
    action: Literal["redact", "block"] = "redact"
    """Rewrite the personal data found in the output, or block the whole output."""
    types: list[str] | None = None
    """PII types to look for; None means all built-in types."""


@guard("output_pii", args=OutputPiiArgs)
def output_pii(args: OutputPiiArgs) -> Any:
    """PII in model outputs (reuses golive.guard.pii)."""
    from golive.guard.pii import PiiArgs, PiiGuard  # lazy: a sibling module

    extra = {"types": args.types} if args.types is not None else {}
    inner = PiiGuard(PiiArgs(action=args.action, **extra))
    inner.name = "output_pii"
    inner.stages = _OUT
    return inner


# --- leak ---------------------------------------------------------------------------------

_CANARY = re.compile(r"CANARY-[A-Z0-9-]+")
_WORD = re.compile(r"\w+")


class LeakArgs(GuardArgs):
    """Options of the system-prompt and canary leak guard."""

    kind: Literal["leak"] = "leak"
    system_prompt: str = ""
    """The system prompt; ``min_words`` of its consecutive words in an output make a leak."""
    min_words: int = Field(default=8, ge=3)
    """Consecutive words of the system prompt that make a leak (normalised: case, punctuation)."""
    canaries: list[str] = Field(default_factory=list)
    """Secret strings that must never appear in an output (besides the CANARY-… pattern)."""
    action: Literal["block", "escalate"] = "block"
    """What to do with a leaking output."""


class LeakGuard:
    """Flag outputs that repeat the system prompt or contain a canary."""

    name = "leak"
    stages = _OUT

    def __init__(self, args: LeakArgs | None = None) -> None:
        self.args = args or LeakArgs()
        words = [w.lower() for w in _WORD.findall(self.args.system_prompt)]
        n = self.args.min_words
        self._shingles = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    def check(
        self,
        text: str,
        *,
        stage: Stage = "output",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        dets: list[Detection] = []
        for m in list(_CANARY.finditer(text))[:20]:
            dets.append(Detection("CANARY_LEAK", 1.0, m.start(), m.end(), reason="canary pattern"))
        for c in self.args.canaries:
            i = text.find(c) if c else -1
            if i >= 0 and not any(d.start == i for d in dets):
                dets.append(Detection("CANARY_LEAK", 1.0, i, i + len(c), reason="listed canary"))
        if self._shingles:
            words = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
            n = self.args.min_words
            for i in range(len(words) - n + 1):
                if tuple(w for w, _, _ in words[i : i + n]) in self._shingles:
                    dets.append(
                        Detection(
                            "SYSTEM_PROMPT_LEAK",
                            1.0,
                            words[i][1],
                            words[i + n - 1][2],
                            reason=f"{n} words of the prompt",
                        )
                    )
                    break
        if not dets:
            return Decision(Action.ALLOW, guard=self.name)
        action = Action.BLOCK if self.args.action == "block" else Action.ESCALATE
        return Decision(
            action,
            tuple(dets),
            guard=self.name,
            reasons=tuple(sorted({d.kind.lower() for d in dets})),
        )


@guard("leak", args=LeakArgs)
def leak(args: LeakArgs) -> LeakGuard:
    """System-prompt and canary leaks in outputs."""
    return LeakGuard(args)


# --- language_match -----------------------------------------------------------------------


class LanguageMatchArgs(GuardArgs):
    """Options of the output language-match guard."""

    kind: Literal["language_match"] = "language_match"
    min_chars: int = Field(default=24, ge=1)
    """Both texts must be at least this long to be judged (short texts are ambiguous)."""
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    """Lingua confidence both detections need before a mismatch is flagged."""
    action: Literal["block", "escalate"] = "escalate"
    """What to do with an output in another language than its input."""


class LanguageMatchGuard:
    """Flag outputs written in another language than the input (the context)."""

    name = "language_match"
    stages = _OUT

    def __init__(self, args: LanguageMatchArgs | None = None) -> None:
        self.args = args or LanguageMatchArgs()

    def check(
        self,
        text: str,
        *,
        stage: Stage = "output",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        a = self.args
        if not context or len(text.strip()) < a.min_chars or len(context.strip()) < a.min_chars:
            return Decision(Action.ALLOW, guard=self.name)
        want, c1 = detect_language(context)
        got, c2 = detect_language(text)
        if not want or not got or want == got or min(c1, c2) < a.min_confidence:
            return Decision(Action.ALLOW, guard=self.name)
        det = Detection("LANGUAGE_MISMATCH", min(c1, c2), reason=f"input {want}, output {got}")
        action = Action.BLOCK if a.action == "block" else Action.ESCALATE
        return Decision(action, (det,), guard=self.name, reasons=(det.reason,))


@guard("language_match", args=LanguageMatchArgs)
def language_match(args: LanguageMatchArgs) -> LanguageMatchGuard:
    """The output's language must match the input's."""
    return LanguageMatchGuard(args)
