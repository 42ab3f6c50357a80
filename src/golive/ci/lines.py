"""Where each case sits in its suite file, so an annotation can point at the line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

__all__ = ["case_line", "case_lines"]


def _jsonl(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            found.setdefault(record["id"], number)
    return found


def _yaml(text: str) -> dict[str, int]:
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if isinstance(root, yaml.MappingNode):  # `cases:` under a top-level mapping
        root = next((v for k, v in root.value if k.value == "cases"), None)
    if not isinstance(root, yaml.SequenceNode):
        return {}
    found: dict[str, int] = {}
    for item in root.value:
        if not isinstance(item, yaml.MappingNode):
            continue
        for key, value in item.value:
            if key.value == "id" and isinstance(value, yaml.ScalarNode):
                found.setdefault(str(value.value), key.start_mark.line + 1)
    return found


def case_lines(path: Path) -> dict[str, int]:
    """Case id → 1-based line in a .jsonl or .yaml suite; empty when the file is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return _yaml(text) if path.suffix.lower() in (".yaml", ".yml") else _jsonl(text)


def case_line(lines: dict[str, int], case_id: str) -> int | None:
    """The line of a case, or of the case a variant (``id~mutator~n``) was made from."""
    if case_id in lines:
        return lines[case_id]
    return lines.get(case_id.split("~", 1)[0])
