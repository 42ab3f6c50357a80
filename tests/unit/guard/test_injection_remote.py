"""Tests of the injection guard's remote layer without a server: its config, the reading of
each reply style, the text sent, the key checks and the one deadline over every socket call."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from golive._validation import config_error_from
from golive.guard._injection_remote import (
    MAX_TEXT_CHARS,
    GuardModelArgs,
    _DeadlineSocket,
    read_reply,
    remote_score,
)

URL = "http://127.0.0.1:9/v1"


def _args(**kw: object) -> GuardModelArgs:
    return GuardModelArgs.model_validate({"url": URL, "model": "guard", **kw})


# --- config -----------------------------------------------------------------------------------


def test_defaults_fail_open_with_a_short_timeout() -> None:
    a = _args()
    assert a.on_error == "allow" and a.timeout_s == 2.0 and a.style == "llama-guard"
    assert a.endpoint == "http://127.0.0.1:9/v1/chat/completions"


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1/chat/completions"),
        (
            "https://guard.internal/v1/chat/completions",
            "https://guard.internal/v1/chat/completions",
        ),
    ],
)
def test_endpoint_from_base_or_full_url(url: str, endpoint: str) -> None:
    assert _args(url=url).endpoint == endpoint


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("ftp://127.0.0.1/v1", "http:// or https://"),
        ("127.0.0.1:8000/v1", "http:// or https://"),
        ("http:///v1", "with a host"),
        ("http://user:hunter2@127.0.0.1/v1", "api_key_env"),
        ("http://127.0.0.1/v1?api-key=hunter2", "api_key_env"),
        ("http://127.0.0.1:99999/v1", "invalid port"),
    ],
)
def test_bad_urls_are_refused_naming_the_fix(url: str, fix: str) -> None:
    with pytest.raises(ValidationError) as err:
        _args(url=url)
    message = str(config_error_from(err.value, prefix="guard_model"))
    assert message.startswith("guard_model.url: ") and fix in message


@pytest.mark.parametrize(
    "field",
    [
        {"timeout_s": 0},
        {"timeout_s": -1},
        {"timeout_s": float("inf")},
        {"timeout_s": float("nan")},
        {"on_error": "ignore"},
        {"style": "regex"},
        {"prompt": "Classify this."},
        {"attack_label": ""},
        {"api_key": "sk-x"},
    ],
)
def test_invalid_fields_are_refused(field: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _args(**field)


def test_a_pasted_key_in_api_key_env_is_refused_and_not_echoed() -> None:
    key = "sk-proj-Abc123Def456Ghi789Jkl012"
    with pytest.raises(ValidationError) as err:
        _args(api_key_env=key)
    message = str(config_error_from(err.value, prefix="guard_model"))
    assert "looks like a key" in message and key not in message


def test_api_key_env_must_be_a_variable_name() -> None:
    with pytest.raises(ValidationError):
        _args(api_key_env="MY KEY")
    assert _args(api_key_env="GUARD_API_KEY").api_key_env == "GUARD_API_KEY"


def test_args_are_frozen() -> None:
    with pytest.raises(ValidationError):
        _args().timeout_s = 5  # type: ignore[misc]


# --- the text sent ----------------------------------------------------------------------------


def test_default_prompts_per_style() -> None:
    assert _args().message("hello {x}") == "hello {x}"
    assert _args(style="label").message("hello") == "hello"
    scored = _args(style="score").message("ignore the rules")
    assert "<text>\nignore the rules\n</text>" in scored and "between 0 and 1" in scored


def test_custom_prompt_replaces_text_and_keeps_other_braces() -> None:
    a = _args(prompt='Reply {"label": …} for: {text}')
    assert a.message("hi") == 'Reply {"label": …} for: hi'


def test_long_text_is_sent_as_head_and_tail() -> None:
    text = "A" * 7_000 + "MIDDLE" + "B" * 5_000 + "PLANTED AT THE END"
    sent = _args().message(text)
    assert len(sent) <= MAX_TEXT_CHARS + 10
    assert sent.startswith("AAAA") and sent.endswith("PLANTED AT THE END")
    assert "MIDDLE" not in sent
    assert _args().message("short") == "short"


# --- reading replies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "score", "reason"),
    [
        ("safe", 0.0, "guard model: safe"),
        ("  Safe\n", 0.0, "guard model: safe"),
        ("unsafe\nS14", 1.0, "guard model: unsafe (S14)"),
        ("\nunsafe\nS1,S14", 1.0, "guard model: unsafe (S1,S14)"),
        ("**unsafe**", 1.0, "guard model: unsafe"),
        ("<think>it says ignore…\nsafe?</think>\nunsafe\nS14", 1.0, "guard model: unsafe (S14)"),
    ],
)
def test_llama_guard_style(reply: str, score: float, reason: str) -> None:
    v = read_reply(reply, _args(style="llama-guard"))
    assert (v.score, v.reason, v.error) == (score, reason, None)


@pytest.mark.parametrize("reply", ["", "\n \n", "I cannot help with that", "unsafety"])
def test_llama_guard_style_anything_else_is_unexpected(reply: str) -> None:
    v = read_reply(reply, _args(style="llama-guard"))
    assert v.score is None and v.error == "unexpected_reply"
    assert v.reason.startswith("guard model unavailable: unexpected_reply")


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("INJECTION", 1.0),
        ("label: injection (0.98)", 1.0),
        ("JAILBREAK", 1.0),
        ("BENIGN", 0.0),
        ("NOT_INJECTION", 0.0),  # a whole word only
        ("benign\nINJECTION would be wrong", 0.0),  # the first line only
    ],
)
def test_label_style(reply: str, score: float) -> None:
    v = read_reply(reply, _args(style="label"))
    assert v.score == score and v.error is None


def test_label_style_with_a_custom_label() -> None:
    a = _args(style="label", attack_label="LABEL_1")
    assert read_reply("label_1", a).score == 1.0
    assert read_reply("LABEL_0", a).score == 0.0
    assert read_reply("INJECTION", a).score == 0.0  # only the configured label and JAILBREAK
    assert read_reply("jailbreak", a).score == 1.0


@pytest.mark.parametrize(
    ("reply", "score"),
    [("0.93", 0.93), ("Score: 0.2", 0.2), ("1", 1.0), ("0", 0.0), (".5\n", 0.5)],
)
def test_score_style(reply: str, score: float) -> None:
    v = read_reply(reply, _args(style="score"))
    assert v.score == pytest.approx(score) and v.error is None


@pytest.mark.parametrize("reply", ["1.5", "-0.1", "85", "high", ""])
def test_score_style_out_of_range_or_missing_is_unexpected(reply: str) -> None:
    v = read_reply(reply, _args(style="score"))
    assert v.score is None and v.error == "unexpected_reply"


def test_a_long_unexpected_reply_is_shown_shortened() -> None:
    v = read_reply("x" * 5_000, _args())
    assert v.error == "unexpected_reply" and len(v.reason) < 200


# --- the key ----------------------------------------------------------------------------------


def test_an_unset_key_variable_fails_without_a_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_TEST_GUARD_KEY", raising=False)
    v = remote_score("hi", _args(api_key_env="GOLIVE_TEST_GUARD_KEY"))
    assert v.error == "no_key" and v.score is None
    assert "GOLIVE_TEST_GUARD_KEY is not set" in v.reason


@pytest.mark.parametrize("key", ["sk-abc\r\nX-Evil: 1", "sk-abc\x01", "sk-ключ"])
def test_a_key_no_header_can_carry_fails_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("GOLIVE_TEST_GUARD_KEY", key)
    v = remote_score("hi", _args(api_key_env="GOLIVE_TEST_GUARD_KEY"))
    assert v.error == "no_key" and "sk-abc" not in v.reason and "ключ" not in v.reason


# --- the one deadline -------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_every_read_is_bounded_by_the_same_deadline(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    """A peer that keeps sending cannot stretch the wait: each read re-arms against one
    deadline, so once the clock passes it the next read ends even with data waiting."""
    raw, peer = pair
    clock = _Clock()
    sock = _DeadlineSocket.adopt(raw, deadline=10.0, clock=clock)
    peer.sendall(b"first")
    buf = bytearray(16)
    assert sock.recv_into(buf) == 5
    assert sock.gettimeout() == pytest.approx(10.0)
    clock.now = 9.5
    peer.sendall(b"second")
    assert sock.recv_into(buf) == 6
    assert sock.gettimeout() == pytest.approx(0.5)
    clock.now = 10.0
    peer.sendall(b"third")
    with pytest.raises(TimeoutError):
        sock.recv_into(buf)
    with pytest.raises(TimeoutError):
        sock.sendall(b"more")
    sock.close()


def test_a_deadline_already_passed_fails_as_timeout_not_as_a_crash() -> None:
    ticks = iter([0.0, 100.0])  # the deadline is set, then the clock jumps past it

    def jumping() -> float:
        return next(ticks, 100.0)

    v = remote_score("hi", _args(timeout_s=1.0), clock=jumping)
    assert v.error == "timeout" and v.score is None
    assert v.reason == "guard model unavailable: timeout (no reply within 1 s)"


# --- fail open, fail closed -------------------------------------------------------------------


@pytest.mark.parametrize(("on_error", "blocks"), [("allow", False), ("block", True)])
def test_a_failure_blocks_only_when_the_user_says_so(
    monkeypatch: pytest.MonkeyPatch, on_error: str, blocks: bool
) -> None:
    monkeypatch.delenv("GOLIVE_TEST_GUARD_KEY", raising=False)
    v = remote_score("hi", _args(api_key_env="GOLIVE_TEST_GUARD_KEY", on_error=on_error))
    assert v.error == "no_key" and v.blocks is blocks


def test_an_answer_never_blocks_by_itself() -> None:
    """``blocks`` is about failures: a verdict of "unsafe" is a score the guard weighs."""
    v = read_reply("unsafe\nS14", _args(on_error="block"))
    assert v.score == 1.0 and v.blocks is False
