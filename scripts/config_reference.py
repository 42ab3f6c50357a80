"""Print the config reference table of golive.yaml from the Plan model (used in README.md).

python scripts/config_reference.py            # print the table
python scripts/config_reference.py --write    # rewrite it between the README markers
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel

from golive.config import Plan, RequestOptions

START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def _default(model: type[BaseModel], name: str) -> str:
    field = model.model_fields[name]
    if field.is_required():
        return "required"
    factory = field.default_factory
    value = factory() if factory is not None else field.default  # type: ignore[call-arg]
    if isinstance(value, BaseModel):
        return "see below"
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, list):
        return "<br>".join(f"`{v}`" for v in value)
    return f"`{value}`"


def table() -> str:
    rows = ["| field | default | meaning |", "|---|---|---|"]
    for name, field in Plan.model_fields.items():
        rows.append(f"| `{name}` | {_default(Plan, name)} | {field.description or ''} |")
    for name, field in RequestOptions.model_fields.items():
        rows.append(
            f"| `request.{name}` | {_default(RequestOptions, name)} | {field.description or ''} |"
        )
    return "\n".join(rows)


def main() -> None:
    text = table()
    if "--write" not in sys.argv:
        print(text)
        return
    readme = Path(__file__).resolve().parent.parent / "README.md"
    content = readme.read_text()
    head, _, rest = content.partition(START)
    _, _, tail = rest.partition(END)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}")


if __name__ == "__main__":
    main()
