"""The OpenAI wire format of the demo server, and the package's public surface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import golive.demo
from golive.demo import _openai as oa


def test_parse_a_full_streaming_request() -> None:
    chat = oa.parse_chat_request(
        {
            "model": "anything",
            "messages": [
                {"role": "system", "content": "x"},
                {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image"}]},
            ],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_completion_tokens": 5,
            "seed": 7,
        }
    )
    assert chat.messages == (("system", "x"), ("user", "hi"))
    assert chat.stream and chat.include_usage
    assert (chat.max_tokens, chat.seed) == (5, 7)


def test_usage_is_only_streamed_when_streaming() -> None:
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "stream_options": {"include_usage": True},
    }
    assert not oa.parse_chat_request(body).include_usage


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ([], None),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "user", "content": 3}]}, "messages[0].content"),
        ({"messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "stream"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "seed": True}, "seed"),
        ({"messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
    ],
)
def test_bad_requests_name_the_parameter(body: Any, param: str | None) -> None:
    with pytest.raises(oa.BadRequest) as info:
        oa.parse_chat_request(body)
    assert info.value.param == param


def test_response_shapes() -> None:
    use = oa.usage(3, 4)
    assert use == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    done = oa.completion("id1", 1, "m", "hello", "stop", use)
    assert done["object"] == "chat.completion"
    assert done["choices"][0]["message"] == {
        "role": "assistant",
        "content": "hello",
        "refusal": None,
    }
    piece = oa.chunk("id1", 1, "m", {"content": "he"}, with_usage=True)
    assert piece["object"] == "chat.completion.chunk" and piece["usage"] is None
    assert piece["choices"][0]["delta"] == {"content": "he"}
    assert "usage" not in oa.chunk("id1", 1, "m", {}, "stop")
    assert oa.usage_chunk("id1", 1, "m", use)["choices"] == []
    assert oa.sse("[DONE]") == b"data: [DONE]\n\n"
    assert oa.sse({"a": "é"}) == 'data: {"a": "é"}\n\n'.encode()


def test_public_surface_matches_all() -> None:
    exported = {
        name
        for name, value in vars(golive.demo).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    exported -= {"annotations", "TYPE_CHECKING", "Any"}
    assert exported <= set(golive.demo.__all__)
    for name in golive.demo.__all__:
        assert getattr(golive.demo, name) is not None


def test_importing_the_package_does_not_import_aiohttp() -> None:
    # Measured from after `import golive`, so only the demo package's own imports count.
    code = (
        "import sys, golive; before = set(sys.modules); import golive.demo; "
        "new = set(sys.modules) - before; "
        "print(sorted(m for m in new if m.split('.')[0] == 'aiohttp' or m.endswith('.server')))"
    )
    src = Path(golive.demo.__file__).parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(src)},
    )
    assert out.stdout.strip() == "[]"
