"""The store's own defences: secret-named keys dropped, hostile text made storable."""

from __future__ import annotations

import math

import pytest

from golive.store._sanitize import clean_json, clean_text, drop_secrets, is_secret_key


@pytest.mark.parametrize(
    "key",
    [
        "api_key",
        "apiKey",
        "API-KEY",
        "x-api-key",
        "Authorization",
        "token",
        "access_token",
        "accessToken",
        "client_secret",
        "password",
        "db_passwd",
        "Cookie",
        "credentials",
        "refresh_token",
        "token_value",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "max_tokens",
        "prompt_tokens",
        "api_key_env",
        "url",
        "model",
        "keyboard",
        "tokenizer",
        "token_source",  # load.token_source: where token counts came from
        "tokenCount",
    ],
)
def test_ordinary_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_drop_secrets_at_any_depth() -> None:
    value = {
        "a": [{"b": {"password": "p", "keep": 1}}],
        "headers": {"Authorization": "x"},
        "note": "Bearer abcdef",
        "key": "sk-abcdefghijklmnopqrstu",
    }
    assert drop_secrets(value) == {
        "a": [{"b": {"keep": 1}}],
        "headers": {},
        "note": "[redacted]",
        "key": "[redacted]",
    }


def test_clean_text() -> None:
    assert clean_text("a\x00b") == "a\ufffdb"
    assert clean_text("x\udc80y") == "x\ufffdy"
    assert clean_text("plain é") == "plain é"


def test_clean_json_makes_any_value_json() -> None:
    cleaned = clean_json({"t": (1, 2), "nan": math.nan, "inf": math.inf, 3: {"s": "\x00"}})
    assert cleaned == {"t": [1, 2], "nan": None, "inf": None, "3": {"s": "\ufffd"}}
