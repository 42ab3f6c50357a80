"""Structure assertions: ``json_schema`` (→ schema_violation) and ``length``.

``length`` fails a too-long output as ``oversized`` and a too-short one as ``wrong_answer``
(an empty output is already its own visible finding, ``empty_output``, so a short reply
that is not empty is judged an incomplete answer).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema
from pydantic import Field, model_validator

from golive.errors import ConfigError
from golive.registry import scorer
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring._common import judged
from golive.scoring.base import ScorerArgs

__all__ = ["JsonSchemaArgs", "LengthArgs", "extract_json", "json_schema", "length"]

_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n(.*?)```", re.DOTALL)


class JsonSchemaArgs(ScorerArgs):
    kind: Literal["json_schema"] = "json_schema"
    schema_: dict[str, Any] = Field(alias="schema")
    """A JSON Schema the output must satisfy (the JSON may sit in a ```json fenced block)."""


class LengthArgs(ScorerArgs):
    kind: Literal["length"] = "length"
    min_chars: int | None = Field(default=None, ge=0)
    """Fewest characters allowed (after stripping whitespace)."""
    max_chars: int | None = Field(default=None, ge=1)
    """Most characters allowed."""
    min_words: int | None = Field(default=None, ge=0)
    """Fewest words allowed."""
    max_words: int | None = Field(default=None, ge=1)
    """Most words allowed."""

    @model_validator(mode="after")
    def _some_bound(self) -> LengthArgs:
        bounds = (self.min_chars, self.max_chars, self.min_words, self.max_words)
        if all(b is None for b in bounds):
            raise ValueError("give at least one of min_chars, max_chars, min_words, max_words")
        return self


def extract_json(text: str) -> Any:
    """Parse the JSON in a model reply: the first fenced block if there is one, else all of it.

    Raises ``ValueError`` when there is no valid JSON, or JSON nested deeper than the parser
    can follow (``[[[[…`` from a looping model).
    """
    match = _FENCE.search(text)
    try:
        return json.loads(match.group(1) if match else text.strip())
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None


@dataclass
class _JsonSchema:
    args: JsonSchemaArgs
    validator: Any = field(init=False)
    name: str = "json_schema"
    scope: Literal["sample"] = "sample"

    def __post_init__(self) -> None:
        try:
            cls = jsonschema.validators.validator_for(self.args.schema_)
            cls.check_schema(self.args.schema_)
        except jsonschema.SchemaError as exc:
            raise ConfigError(f"invalid JSON Schema: {exc.message}", field="schema") from None
        self.validator = cls(self.args.schema_)

    async def score(self, observation: Observation, case: Case) -> Score:
        mode, override = FailureMode.SCHEMA_VIOLATION, self.args.mode
        try:
            data = extract_json(observation.output)
        except ValueError as exc:
            return judged(self.name, False, f"not valid JSON ({exc})", mode, override)
        try:
            error = jsonschema.exceptions.best_match(self.validator.iter_errors(data))
        except RecursionError:
            return judged(self.name, False, "JSON nested too deeply to check", mode, override)
        if error is None:
            return judged(self.name, True, "JSON matches the schema", mode, override)
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return judged(
            self.name, False, f"schema violation at {where}: {error.message}"[:200], mode, override
        )


@dataclass
class _Length:
    args: LengthArgs
    name: str = "length"
    scope: Literal["sample"] = "sample"

    async def score(self, observation: Observation, case: Case) -> Score:
        a = self.args
        text = observation.output.strip()
        chars, words = len(text), len(text.split())
        checks: list[tuple[int | None, int, str, bool]] = [
            (a.max_chars, chars, "chars", True),
            (a.max_words, words, "words", True),
            (a.min_chars, chars, "chars", False),
            (a.min_words, words, "words", False),
        ]
        for bound, actual, unit, is_max in checks:
            if bound is None:
                continue
            if is_max and actual > bound:
                return judged(
                    self.name,
                    False,
                    f"{actual} {unit} > max {bound}",
                    FailureMode.OVERSIZED,
                    a.mode,
                    value=float(actual),
                )
            if not is_max and actual < bound:
                return judged(
                    self.name,
                    False,
                    f"{actual} {unit} < min {bound}",
                    FailureMode.WRONG_ANSWER,
                    a.mode,
                    value=float(actual),
                )
        return judged(
            self.name,
            True,
            f"{chars} chars, {words} words within bounds",
            FailureMode.OVERSIZED,
            a.mode,
            value=float(chars),
        )


@scorer("json_schema", args=JsonSchemaArgs)
def json_schema(args: JsonSchemaArgs) -> _JsonSchema:
    """The output is JSON that satisfies a JSON Schema."""
    return _JsonSchema(args)


@scorer("length", args=LengthArgs)
def length(args: LengthArgs) -> _Length:
    """The output's length in characters or words is within bounds."""
    return _Length(args)
