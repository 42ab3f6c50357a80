from __future__ import annotations

from golive.guard._proxy_stream import HoldbackRedactor, _safe_cut
from golive.guard.pii import PiiArgs, PiiGuard


def test_prose_is_held_back_by_one_word_only() -> None:
    text = "Sure, you can change it in Settings and then pre"
    assert text[_safe_cut(text, 64) :] == "pre"


def test_digit_groups_and_a_partial_address_are_held_whole() -> None:
    assert "4242 4242 4" in "Your card 4242 4242 4"[_safe_cut("Your card 4242 4242 4", 64) :]
    assert "jane.do" in "write to jane.do"[_safe_cut("write to jane.do", 64) :]
    assert _safe_cut("x" * 100, 64) == 36  # never more than the holdback


def test_values_split_across_chunks_never_leave_unredacted() -> None:
    redactor = HoldbackRedactor(PiiGuard(PiiArgs()), 64)
    chunks = ["Mail jane.", "doe@acme", ".io or card 4242 ", "4242 4242 ", "4242 today."]
    sent = "".join(redactor.feed(c) for c in chunks) + redactor.finish()
    assert "jane" not in sent and "4242" not in sent
    assert sent.startswith("Mail [EMAIL]") and sent.endswith("today.")
