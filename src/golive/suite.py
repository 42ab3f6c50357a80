"""Suites: load cases from JSONL or YAML, with errors that name the file, line and field."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from golive._validation import config_error_from
from golive.errors import ConfigError, SuiteError
from golive.registry import registry
from golive.schemas import Case

__all__ = ["Suite", "load_suite", "suite_hash"]


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


def _records(path: Path) -> list[tuple[str, Any]]:
    """(where, raw record) pairs; ``where`` is used in error messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(
            f"suite file {str(path)!r} not found; pass an existing .jsonl or .yaml file "
            "(`golive init` writes an example).",
            field="suite",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read suite file {str(path)!r}: {exc}.", field="suite") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SuiteError(f"{path} is not valid YAML: {exc}.", field="suite") from None
        if isinstance(data, dict) and "cases" in data:
            data = data["cases"]
        if not isinstance(data, list):
            raise SuiteError(
                f"{path} must hold a list of cases (or a `cases:` list).", field="suite"
            )
        return [(f"{path}: case {i + 1}", item) for i, item in enumerate(data)]
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            records.append((f"{path}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise SuiteError(
                f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno}); "
                "each line of a .jsonl suite is one JSON object.",
                field="suite",
            ) from None
    return records


def load_suite(path: Path) -> Suite:
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for where, raw in _records(path):
        try:
            case = Case.model_validate(raw)
        except ValidationError as exc:
            err = config_error_from(exc, model=Case)
            raise SuiteError(f"{where}: {err}") from None
        if case.id in seen:
            raise SuiteError(
                f"{where}: duplicate case id {case.id!r} (first at {seen[case.id]}); "
                "ids must be unique."
            )
        seen[case.id] = where
        for i, spec in enumerate(case.assertions):
            try:
                registry.parse("scorer", spec, field=f"assertions[{i}]")
            except ConfigError as exc:
                raise SuiteError(f"{where}: case {case.id!r}: {exc}") from None
        cases.append(case)
    return Suite(cases, str(path))


def suite_hash(cases: list[Case]) -> str:
    """A stable hash of the cases' content, to tell whether two runs used the same suite."""
    digest = hashlib.sha256()
    for case in cases:
        digest.update(case.model_dump_json().encode())
    return digest.hexdigest()[:16]
