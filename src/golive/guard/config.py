"""The proxy's guard.yaml: which guards run on inputs and outputs, and the upstream's limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from golive._validation import config_error_from
from golive.errors import ConfigError
from golive.guard.chain import GuardChain, build_chain

__all__ = ["ProxyConfig", "load_proxy_config"]

GuardSpec = str | dict[str, Any]


class ProxyConfig(BaseModel):
    """What ``golive proxy`` applies. Example guard.yaml::

    input: [validate, pii, injection]
    output: [output_pii, {kind: leak, canaries: [CANARY-1234]}]
    upstream_timeout_s: 60
    max_scan_chars: 50000
    client_body_timeout_s: 60
    """

    model_config = ConfigDict(extra="forbid")

    input: list[GuardSpec] = Field(
        default_factory=lambda: list[GuardSpec](["validate", "pii", "injection"])
    )
    """Guards run on the last user message before it is forwarded (names or specs)."""
    output: list[GuardSpec] = Field(default_factory=lambda: list[GuardSpec](["output_pii"]))
    """Guards run on the reply; PII is redacted as the stream flows, the rest at its end."""
    upstream_timeout_s: float = Field(default=120.0, gt=0.0, allow_inf_nan=False)
    """Seconds an upstream request may take in all before the client gets a 504."""
    connect_timeout_s: float = Field(default=10.0, gt=0.0, allow_inf_nan=False)
    """Seconds to connect to the upstream before the client gets a 502."""
    holdback_chars: int = Field(default=64, ge=0, le=4096)
    """Characters of a streamed reply held back so PII split across chunks is still caught:
    any PII value up to this long is redacted before any of it leaves."""
    strict_stream_pii: bool = False
    """Also hold back an unfinished word of letters only (an e-mail's local part, a key's
    prefix may follow it): nothing of a split value leaves, at the cost of one decode step of
    time to first token. Off: such a word leaves, the rest of the value is still redacted."""
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    """Largest request body accepted; larger ones get a 413 (at once when the client declares
    its length)."""
    max_scan_chars: int = Field(default=50_000, ge=1)
    """Longest text (a user message, a reply) the guards scan. A longer one is blocked
    unscanned, as ``oversized``: an input gets a 400, a reply the refusal (a stream ends with
    ``finish_reason: "content_filter"``). Fail closed: no part of a text goes unchecked. At
    the default a guard decision on the most hostile text takes well under 100 ms."""
    inline_scan_chars: int = Field(default=2_000, ge=0)
    """Texts up to this long are checked on the event loop (about a millisecond); longer
    ones in the guard process, so that no one request's guard work delays the others."""
    guard_processes: int = Field(default=1, ge=0, le=64)
    """Processes that check the longer texts (forked at start-up, warm, at a lower priority
    than the proxy). 0: a thread of the proxy's own process does it instead, which shares
    the interpreter lock with the event loop (up to 5 ms of delay at a time)."""
    client_header_timeout_s: float = Field(default=20.0, gt=0.0, allow_inf_nan=False)
    """Seconds a client connection may stay open without sending a complete request head
    (the first request, or the next one on a kept-alive connection); then it is closed."""
    client_body_timeout_s: float = Field(default=60.0, gt=0.0, allow_inf_nan=False)
    """Seconds a client has to send the whole request body once its head has arrived; then it
    gets a 408 and the connection is closed."""
    log_max_chars: int = Field(default=8_000, ge=200)
    """Longest text stored in the exchange log: a longer input or reply is stored as its
    first and last halves of this with a note of its full length in between."""

    def chains(self) -> tuple[GuardChain | None, GuardChain | None]:
        """The input and output chains (None where the list is empty); ConfigError on a bad
        guard, naming its place, e.g. ``output[1]``."""
        cap = self.max_scan_chars
        inp = build_chain(self.input, field="input", max_chars=cap) if self.input else None
        out = build_chain(self.output, field="output", max_chars=cap) if self.output else None
        return inp, out


def load_proxy_config(path: Path | str | None) -> ProxyConfig:
    """Read and validate guard.yaml (None: the defaults). Raises ConfigError naming the field."""
    import yaml

    from golive._files import read_user_text
    from golive._yaml import load_yaml, problem

    if path is None:
        return ProxyConfig()
    where = Path(path)
    try:
        # A regular file of at most a megabyte, and no alias bomb: see golive._files, _yaml.
        raw = load_yaml(read_user_text(where, what="guard config", field="--config"))
    except FileNotFoundError:
        raise ConfigError(f"no such file: {where}", field="--config") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot read {where}: {problem(exc)}", field="--config") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must hold a mapping (input:, output:, …)", field="--config")
    try:
        return ProxyConfig.model_validate(raw)
    except ValidationError as exc:
        # The project's one formatter: field path, what is wrong, and the fix.
        raise config_error_from(exc, model=ProxyConfig) from None
