"""Guards on hostile texts: PII overlaps resolved in O(n log n) with the old answers, a scan
limit, the chain stopping at the first block, and the proxy's log excerpt and URL display."""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.detectors.pii import _RECOGNIZERS, Span, find_spans
from golive.guard._proxy_body import excerpt
from golive.guard.base import Action, Decision, Origin, Stage
from golive.guard.chain import GuardChain
from golive.guard.pii import PiiGuard
from golive.guard.proxy import display_url
from golive.guard.validation import ValidateGuard

UNIT = "1234 5678 9012 3456 a@b.co "
T = TypeVar("T")


def _pairwise(text: str) -> list[Span]:
    """The old resolution (every span against every span kept): the reference answer."""
    found: list[Span] = []
    for _, recognizer in _RECOGNIZERS:
        for span in recognizer(text):
            if all(span.end <= s.start or span.start >= s.end for s in found):
                found.append(span)
    return sorted(found, key=lambda s: s.start)


PIECES = ["4111 1111 1111 1111", "jo@acme.io", "+44 20 7946 0000", "DE89370400440532013000",
          "078-05-1120", "SSN 078051120", "192.168.1.20", "::ffff:192.0.2.1", "2001:db8::1",
          "sk-proj-Ab3dEf6hIj9kLm2nOp5q", "call 030 1234567", "(415) 555-0134", "v1.2.3.4",
          "AKIAIOSFODNN7EXAMPLE", "order no. 4111111111111111", " ", "-", ".", "@",
          "\n"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_sorted_resolution_gives_the_pairwise_answer(text: str) -> None:
    assert find_spans(text) == _pairwise(text)


def test_the_same_answer_on_real_prose() -> None:
    text = ("Mail jane.doe@example.com or call +1 415 555 0134; card 4111-1111-1111-1111, "
            "IBAN GB82 WEST 1234 5698 7654 32, host 10.0.0.1, key sk-ant-api03-Zx9Yw8Vu7Ts6Rq5P"
            "o4N. ") * 50  # fmt: skip
    assert find_spans(text) == _pairwise(text)


def _within(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, or a failure once ``seconds`` have passed (the call is left running, in
    a daemon thread, so that a call that would take hours does not hold up pytest's exit)."""
    done: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        try:
            done.set_result(fn(*args))
        except BaseException as exc:
            done.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return done.result(timeout=seconds)


def test_a_text_full_of_values_is_resolved_in_linear_time() -> None:
    """1,000,000 characters, 37,037 spans: about a second here; a minute and more before the
    fix, which checked each span against all those kept so far."""
    text = (UNIT * (1_000_000 // len(UNIT) + 1))[:1_000_000]
    spans = _within(20, find_spans, text)  # generous: 20 times what it takes here
    assert len(spans) == 37_037 and {s.kind for s in spans} == {"EMAIL"}


class _Counting:
    name = "counting"
    stages: tuple[Stage, ...] = ("input", "output")

    def __init__(self) -> None:
        self.calls = 0

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        self.calls += 1
        return Decision(Action.ALLOW, guard=self.name)


def test_a_text_over_the_limit_is_blocked_unscanned() -> None:
    counting = _Counting()
    chain = GuardChain([counting], max_chars=1000)
    outcome = chain.check_detailed("x" * 1001)
    assert outcome.decision.action == Action.BLOCK and counting.calls == 0
    assert [d.kind for d in outcome.decision.detections] == ["OVERSIZED"]
    assert [r.guard for r in outcome.results] == ["oversized"]
    assert "1001 characters" in outcome.decision.reasons[0]
    assert chain.check("x" * 1000).action == Action.ALLOW and counting.calls == 1


def test_the_chain_stops_at_the_first_block() -> None:
    counting = _Counting()
    chain = GuardChain([ValidateGuard(), PiiGuard(), counting])
    outcome = chain.check_detailed(UNIT * 2000)  # 54,000 characters: validate blocks
    assert [r.guard for r in outcome.results] == ["validate"] and counting.calls == 0
    assert outcome.decision.action == Action.BLOCK


def test_a_4mb_decision_is_immediate_at_the_proxy_default() -> None:
    from golive.guard.config import ProxyConfig

    inp, out = ProxyConfig(input=["pii", "injection"]).chains()
    assert inp is not None and out is not None
    text = (UNIT * 150_000)[:3_900_000]
    for chain in (inp, out):
        assert _within(30, chain.check, text).action == Action.BLOCK  # ~0.02 ms here


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://u:p@host:8000/v1", "http://***@host:8000/v1"),
        (
            "https://api.example.com/v1?api-key=K&x=1",
            "https://api.example.com/v1?api-key=***&x=***",
        ),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://tok@[::1]:9/v1?code", "http://***@[::1]:9/v1?code="),
    ],
)
def test_display_url_masks_credentials_and_query_values(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_excerpt_keeps_both_ends_and_the_size() -> None:
    assert excerpt("short", 100) == "short"
    kept = excerpt("a" * 500 + "b" * 500, 200)
    assert kept.startswith("a" * 100) and kept.endswith("b" * 100)
    assert "800 of 1000 characters not stored" in kept and len(kept) < 300


def test_a_large_body_comes_back_small_when_its_message_is_too_long_to_scan() -> None:
    import json

    from golive.guard._proxy_body import BodyError, Oversized, parse_body

    user = {"role": "user", "content": [{"type": "text", "text": UNIT * 1000}]}
    messages = [{"role": "assistant", "content": "x" * 10}, user]
    raw = json.dumps({"model": "m", "stream": True, "messages": messages}).encode()
    got = parse_body(raw, max_chars=1000, keep=200)
    assert isinstance(got, Oversized) and got.chars == 27_000 and got.stream and got.model == "m"
    assert len(got.excerpt) < 300 and "27000 characters" in got.excerpt
    assert isinstance(parse_body(raw, max_chars=None), dict)
    assert isinstance(parse_body(raw, max_chars=27_000), dict)
    with pytest.raises(BodyError, match="non-empty list"):
        parse_body(b'{"messages": []}')
