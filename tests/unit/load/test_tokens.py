"""Output token counting without usage: the bundled tokenizer, never a download."""

from __future__ import annotations

from golive.load.tokens import TokenCounter, token_counter


def test_bundled_tokenizer_counts() -> None:
    counter = token_counter()
    counts = counter.count(["hello world", "", "Reset your password in Settings."])
    assert counts[1] == 0 and counts[0] >= 2 and counts[2] > counts[0]
    assert counter.name


def test_regex_estimate() -> None:
    counter = TokenCounter(None, "estimate")
    assert not counter.exact
    assert counter.count(["Hello, world!"]) == [4]
