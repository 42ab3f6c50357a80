"""Config redaction: URL credentials, every header value unless shown, secret-named fields."""

from __future__ import annotations

import json

import pytest

from golive._redact import REDACTED, redact, redact_url, redact_urls_in
from golive.config import plan_from_dict
from golive.errors import ConfigError
from golive.registry import registry


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://user:pw@host:8000/v1", "http://***@host:8000/v1"),
        ("http://apikey@host/v1", "http://***@host/v1"),
        (
            "https://x.openai.azure.com/openai?api-version=2024-02-01&api-key=SEKRIT",
            "https://x.openai.azure.com/openai?api-version=***&api-key=***",
        ),
        (
            "https://fn.azurewebsites.net/api/chat?code=abc%3D%3D",
            "https://fn.azurewebsites.net/api/chat?code=***",
        ),
        ("postgresql+psycopg://golive:pw@db/golive", "postgresql+psycopg://***@db/golive"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://host:notaport@x", "http://***@x"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_urls_inside_text_lose_userinfo_and_secret_params_only() -> None:
    text = "serve --upstream http://u:pw@h:1/v1?key=K1&page=2 --docs https://d.example/?q=cats"
    assert redact_urls_in(text) == (
        "serve --upstream http://***@h:1/v1?key=***&page=2 --docs https://d.example/?q=cats"
    )
    assert redact_urls_in("no url here") == "no url here"


def test_every_header_value_is_masked_unless_shown() -> None:
    config = {
        "target": {
            "kind": "openai",
            "url": "http://user:hunter2@api.example/v1?key=K-123",
            "headers": {
                "Ocp-Apim-Subscription-Key": "apim-secret",
                "x-functions-key": "fn-secret",
                "X-Auth-Key": "auth-secret",
                "X-Custom": "custom-secret",
                "X-Request-Source": "golive-ci",
                "Authorization": "Bearer sk-abc",
            },
            # Authorization is never shown, even when listed.
            "show_headers": ["x-request-source", "Authorization"],
            "api_key_env": "OPENAI_API_KEY",
        },
        "store": "postgresql://golive:dbpass@db/golive",
        "max_tokens": 128,
    }
    out = redact(config)
    text = json.dumps(out)
    for secret in (
        "hunter2",
        "K-123",
        "apim-secret",
        "fn-secret",
        "auth-secret",
        "custom-secret",
        "sk-abc",
        "dbpass",
    ):
        assert secret not in text, secret
    headers = out["target"]["headers"]
    assert headers["X-Request-Source"] == "golive-ci"
    assert headers["X-Custom"] == REDACTED and headers["Authorization"] == REDACTED
    assert out["target"]["api_key_env"] == "OPENAI_API_KEY"  # a variable's name, kept
    assert out["target"]["url"] == "http://***@api.example/v1?key=***"
    assert out["max_tokens"] == 128
    assert config["target"]["headers"]["X-Custom"] == "custom-secret"  # a copy, not in place


def test_a_plan_snapshot_is_redacted_the_same_way() -> None:
    plan = plan_from_dict(
        {
            "target": {
                "kind": "http",
                "url": "http://127.0.0.1:9/chat?code=AZ-FUNCTION-CODE",
                "output_path": "$.text",
                "headers": {"x-functions-key": "FUNCTION-KEY-42", "X-Team": "search"},
                "show_headers": ["X-Team"],
            }
        }
    )
    text = json.dumps(redact(plan.model_dump(mode="json")))
    assert "AZ-FUNCTION-CODE" not in text and "FUNCTION-KEY-42" not in text
    assert '"X-Team": "search"' in text


@pytest.mark.parametrize(
    ("show", "message"),
    [
        (["X-Nope"], "'X-Nope' is not one of the configured headers (X-Team)"),
        (["X-Api-Key"], "'X-Api-Key' names a credential"),
    ],
)
def test_show_headers_is_validated(show: list[str], message: str) -> None:
    headers = {"X-Team": "search"} if show == ["X-Nope"] else {"X-Api-Key": "k"}
    for kind, extra in (("openai", {"model": "m"}), ("http", {"output_path": "$.t"})):
        spec = {
            "kind": kind,
            "url": "http://127.0.0.1:9/v1",
            "headers": headers,
            "show_headers": show,
            **extra,
        }
        with pytest.raises(ConfigError, match=r"^target\.show_headers: ") as caught:
            registry.parse("target", spec, field="target")
        assert message in str(caught.value)
        assert "'k'" not in str(caught.value)
