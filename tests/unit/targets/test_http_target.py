"""The http target's body template and config checks (the wire is tested in integration)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from golive.errors import ConfigError
from golive.registry import registry
from golive.schemas import Message, Request
from golive.targets.http import render_body

REQUEST = Request(
    messages=(
        Message(role="system", content="be kind"),
        Message(role="user", content='He said "{{system}}" \\n }]'),
    ),
    max_tokens=64,
)


def test_whole_placeholders_keep_their_type() -> None:
    body = render_body(
        {"m": "{{messages}}", "n": "{{ max_tokens }}", "t": "{{temperature}}", "k": [1, True]},
        REQUEST,
    )
    assert body == {
        "m": [
            {"role": "system", "content": "be kind"},
            {"role": "user", "content": 'He said "{{system}}" \\n }]'},
        ],
        "n": 64,
        "t": None,
        "k": [1, True],
    }


def test_embedded_placeholders_are_text_and_input_is_never_re_expanded() -> None:
    body = render_body({"q": "Q: {{input}} (max {{max_tokens}}, t={{temperature}})"}, REQUEST)
    assert body == {"q": 'Q: He said "{{system}}" \\n }] (max 64, t=)'}
    assert json.loads(json.dumps(body)) == body  # still valid JSON, whatever the input


def parse(**spec: Any) -> Any:
    full = {"kind": "http", "url": "http://127.0.0.1:1/x", "output_path": "$.a", **spec}
    return registry.parse("target", full, field="target")


@pytest.mark.parametrize(
    ("spec", "field", "needle"),
    [
        ({"output_path": "$.a[("}, "target.output_path", "not a valid JSONPath"),
        ({"body": {"x": "{{inptu}}"}}, "target.body", "unknown placeholder {{inptu}}"),
        ({"url": "ftp://x"}, "target.url", "http://"),
        ({"method": "DELETE"}, "target.method", ""),
    ],
)
def test_config_errors_name_the_field(spec: dict[str, Any], field: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(**spec)
    assert info.value.field == field
    assert needle in str(info.value)


def test_all_builtin_targets_are_registered() -> None:
    assert {"openai", "http", "python", "demo"} <= set(registry.names("target"))
