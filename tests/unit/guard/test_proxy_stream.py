from __future__ import annotations

import json

from golive.guard._proxy_stream import HoldbackRedactor, StreamRelay, _safe_cut
from golive.guard.pii import PiiArgs, PiiGuard


def test_prose_leaves_at_once_and_strict_mode_holds_the_last_word() -> None:
    text = "Sure, you can change it in Settings and then pre"
    assert _safe_cut(text, 64) == len(text)
    assert text[_safe_cut(text, 64, strict=True) :] == "pre"
    for first in ("Hello", "Sure!", "I'm", "PDF,", "Übersicht!"):  # first tokens leave at once
        assert _safe_cut(first, 64) == len(first)
    for held in ("sk-", "jane@", "jane.", "fe80:", "+1", "DE89", "a1"):
        assert _safe_cut(held, 64) == 0


def test_digit_groups_and_a_partial_address_are_held_whole() -> None:
    assert "4242 4242 4" in "Your card 4242 4242 4"[_safe_cut("Your card 4242 4242 4", 64) :]
    assert "jane.do" in "write to jane.do"[_safe_cut("write to jane.do", 64) :]
    assert _safe_cut("x1" * 50, 64) == 36  # never more than the holdback


def test_values_split_across_chunks_never_leave_unredacted() -> None:
    redactor = HoldbackRedactor(PiiGuard(PiiArgs()), 64)
    chunks = ["Mail jane.", "doe@acme", ".io or card 4242 ", "4242 4242 ", "4242 today."]
    sent = "".join(redactor.feed(c) for c in chunks) + redactor.finish()
    assert "jane" not in sent and "4242" not in sent
    assert sent.startswith("Mail [EMAIL]") and sent.endswith("today.")


def test_a_value_that_began_before_the_cut_is_redacted_from_the_cut_on() -> None:
    redactor = HoldbackRedactor(PiiGuard(PiiArgs()), 64)
    chunks = ["Write to jane", "@acme", ".io; key sk-", "aB3dE5fG7hJ9", "kL1mN3pQ5rS7 now."]
    sent = [redactor.feed(c) for c in chunks]
    sent.append(redactor.finish())
    out = "".join(sent)
    assert sent[0] == "Write to jane"  # letters only: out at once
    assert "acme" not in out and "aB3d" not in out
    assert out.startswith("Write to jane[EMAIL]") and out.endswith(" now.")


def test_strict_mode_lets_no_part_of_a_split_value_leave() -> None:
    redactor = HoldbackRedactor(PiiGuard(PiiArgs()), 64, strict=True)
    chunks = ["Write to jane", "@acme", ".io today."]
    out = "".join(redactor.feed(c) for c in chunks) + redactor.finish()
    assert out == "Write to [EMAIL] today."


async def test_unchanged_events_leave_as_the_upstream_wrote_them() -> None:
    sent: list[bytes] = []

    async def write(data: bytes) -> None:
        sent.append(data)

    relay = StreamRelay(write, HoldbackRedactor(PiiGuard(PiiArgs()), 64))
    plain = '{"choices":[{"delta":{"content":"Caf\\u00e9 hours: "},"index":0}],"id":"c1"}'
    with_pii = '{"choices":[{"delta":{"content":"mail jane@acme.io now "},"index":0}],"id":"c1"}'
    await relay.feed(f"data: {plain}\n\ndata: {with_pii}\n\n".encode())
    out = b"".join(sent).decode()
    assert out.startswith(f"data: {plain}\n\n")  # byte for byte: escapes and key order kept
    events = [json.loads(e) for e in out.split("data: ")[1:]]
    assert events[1]["choices"][0]["delta"]["content"] == "mail [EMAIL] now "
    assert relay.released
