"""``Secrets.mask``: no configured value (of at least 8 characters) survives, whole or as the
cut-off tail of a capped text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive._secrets import MIN_SECRET_CHARS, Secrets

_TEXT = st.text(alphabet="ab-", max_size=80)
_SECRET = st.text(alphabet="ab-", min_size=MIN_SECRET_CHARS, max_size=20)


@given(text=_TEXT, secrets=st.lists(_SECRET, min_size=1, max_size=3), cut=st.integers(0, 40))
def test_no_secret_survives_masking(text: str, secrets: list[str], cut: int) -> None:
    masker = Secrets(secrets)
    for candidate in (text + secrets[0] + text, text + secrets[0][: len(secrets[0]) - cut]):
        masked = masker.mask(candidate)
        for secret in secrets:
            assert secret not in masked
        kept = len(secrets[0]) - cut
        if kept >= MIN_SECRET_CHARS and candidate.endswith(secrets[0][:kept]):
            assert not masked.endswith(secrets[0][:kept])


def test_from_args_reads_env_headers_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_TEST_SECRET_KEY", "env-key-value-123")
    found = Secrets.from_args(
        {
            "api_key_env": "GOLIVE_TEST_SECRET_KEY",
            "url": "http://user-name-1:pass%20word-2@h/v1?key=query-value-3&v=1",
            "headers": {"X-A": "header-value-4", "X-B": "shown-value-5", "X-C": "tiny"},
            "show_headers": ["x-b"],
        }
    )
    text = "env-key-value-123 user-name-1 pass word-2 pass%20word-2 query-value-3 header-value-4"
    assert found.mask(text) == " ".join(["***"] * 6)
    assert found.mask("shown-value-5 tiny") == "shown-value-5 tiny"
