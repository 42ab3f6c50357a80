"""Suites: load cases from JSONL or YAML, with errors that name the file, line and field."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from golive._files import decode, iter_lines, open_regular, read_limited
from golive._unicode import clean_tree
from golive._validation import config_error_from, quote
from golive._yaml import load_yaml, problem
from golive.errors import ConfigError, SuiteError
from golive.registry import registry
from golive.schemas import Case

__all__ = ["MAX_DEPTH", "Suite", "SuiteLimits", "load_suite", "suite_hash"]

# Nesting deeper than this in one case is not a test case; deeper JSON also exhausts the
# recursion of whatever walks it later (validation, reports).
MAX_DEPTH = 64
# A JSON escape of a UTF-16 surrogate: the only way one gets into strictly decoded UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


_RAISE = (
    "check the path, or raise the limit if the suite is meant to be this large "
    "(golive.yaml: `suite_limits: {{{0}: N}}`, or --set suite_limits.{0}=N)"
)


class SuiteLimits(BaseModel):
    """How much of a suite file golive reads before refusing it (a wrong path such as
    ``/dev/zero`` or a runaway generator must not take the machine's memory)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1,
        description="Largest suite file, in bytes (100 MiB); a larger one is refused.",
    )
    max_line_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Longest line of a .jsonl suite (one case), in bytes (1 MiB).",
    )


class Suite:
    """An ordered, id-unique collection of cases."""

    def __init__(self, cases: list[Case], source: str = "") -> None:
        self.cases = cases
        self.source = source

    def __len__(self) -> int:
        return len(self.cases)

    def select(self, tags: list[str]) -> Suite:
        if not tags:
            return self
        wanted = set(tags)
        return Suite([c for c in self.cases if wanted & set(c.tags)], self.source)


def _depth_over(value: Any, limit: int) -> bool:
    """Whether ``value`` nests containers more than ``limit`` deep (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, dict)):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(where: str) -> SuiteError:
    return SuiteError(
        f"{where}: the case nests more than {MAX_DEPTH} levels of lists or objects; flatten it.",
        field="suite",
    )


def _open(path: Path) -> Any:
    try:
        return open_regular(path, what="suite file", field="suite", error=SuiteError)
    except FileNotFoundError:
        raise SuiteError(
            f"suite file {str(path)!r} not found; pass an existing .jsonl or .yaml file "
            "(`golive init` writes an example).",
            field="suite",
        ) from None


def _yaml_records(path: Path, limits: SuiteLimits) -> list[tuple[str, Any]]:
    with _open(path) as handle:
        data = read_limited(
            handle,
            max_bytes=limits.max_bytes,
            path=path,
            what="suite file",
            field="suite",
            fix=_RAISE.format("max_bytes"),
            error=SuiteError,
        )
    text = decode(data, path=path, what="suite file", field="suite", error=SuiteError)
    try:
        loaded = load_yaml(text)
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path} is not valid YAML: {problem(exc)}.", field="suite") from None
    if isinstance(loaded, dict) and "cases" in loaded:
        loaded = loaded["cases"]
    if not isinstance(loaded, list):
        raise SuiteError(f"{path} must hold a list of cases (or a `cases:` list).", field="suite")
    # load_yaml bounds the depth; libyaml refuses lone surrogates, the pure-Python parser not.
    return [(f"{path}: case {i + 1}", clean_tree(item)) for i, item in enumerate(loaded)]


def _jsonl_records(path: Path, limits: SuiteLimits) -> Iterator[tuple[str, Any]]:
    """Records read line by line: memory is bounded by the cases, not by the file."""
    with _open(path) as handle:
        lines = iter_lines(
            handle,
            max_line_bytes=limits.max_line_bytes,
            max_bytes=limits.max_bytes,
            path=path,
            what="suite file",
            field="suite",
            line_fix=_RAISE.format("max_line_bytes"),
            total_fix=_RAISE.format("max_bytes"),
            error=SuiteError,
        )
        for number, line in lines:
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SuiteError(
                    f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                    "each line of a .jsonl suite is one JSON object.",
                    field="suite",
                ) from None
            except RecursionError:  # the C decoder gives up at Python's recursion limit
                raise _too_deep(where) from None
            # Two cheap looks at the line spare nearly every case the walks below: nesting
            # needs an opening bracket per level, a lone surrogate a \\uDXXX escape.
            if line.count("[") + line.count("{") > MAX_DEPTH and _depth_over(record, MAX_DEPTH):
                raise _too_deep(where)
            if _SURROGATE_ESCAPE.search(line):
                record = clean_tree(record)
            yield where, record


def _records(path: Path, limits: SuiteLimits) -> Iterator[tuple[str, Any]]:
    """(where, raw record) pairs; ``where`` is used in error messages."""
    if path.suffix.lower() in (".yaml", ".yml"):
        yield from _yaml_records(path, limits)
    else:
        yield from _jsonl_records(path, limits)


def load_suite(path: Path, limits: SuiteLimits | None = None) -> Suite:
    """Read and validate a suite (.jsonl, else .yaml/.yml), within ``limits``.

    Text is cleaned as it enters: a lone UTF-16 surrogate (``"\\ud800"`` in JSON) becomes
    the visible escape ``\\ud800``, so every report can write it.

    Raises:
        SuiteError: a missing, unreadable, oversized or non-regular file, or a bad case.
    """
    limits = limits or SuiteLimits()
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for where, raw in _records(path, limits):
        try:
            case = Case.model_validate(raw)
        except ValidationError as exc:
            err = config_error_from(exc, model=Case)
            raise SuiteError(f"{where}: {err}") from None
        if case.id in seen:
            raise SuiteError(
                f"{where}: duplicate case id {quote(case.id)} (first at {seen[case.id]}); "
                "ids must be unique."
            )
        seen[case.id] = where
        for i, spec in enumerate(case.assertions):
            try:
                registry.parse("scorer", spec, field=f"assertions[{i}]")
            except ConfigError as exc:
                raise SuiteError(f"{where}: case {quote(case.id)}: {exc}") from None
        cases.append(case)
    return Suite(cases, str(path))


def suite_hash(cases: list[Case]) -> str:
    """A stable hash of the cases' content, to tell whether two runs used the same suite."""
    digest = hashlib.sha256()
    for case in cases:
        digest.update(case.model_dump_json().encode())
    return digest.hexdigest()[:16]
