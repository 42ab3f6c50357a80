"""A chain of guards run as one: the most severe action wins, every detection is kept with
offsets into the ORIGINAL text, redactions compose, and each guard's time is measured.

Every guard sees the original text (so detection offsets never drift); the redactions are
applied once at the end. Guards that expose ``replacement(text, detection) -> str`` (the
``pii`` guard does) are merged span by span; a guard that redacts without saying how is
applied afterwards, on the text the others already rewrote.

The first block ends the chain: the text is refused whatever the guards after it would say,
so they spend no time on it. A chain built with ``max_chars`` refuses a longer text outright
(``OVERSIZED``) before any guard scans it: no guard's cost depends on what a client sends.

``origin`` (who wrote an input, see ``golive.guard.base.Origin``) reaches every guard. A guard
written before the contract had it (a third party's ``check`` without an ``origin`` keyword)
still runs: it is called without it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from golive.detectors.warm import warm_all
from golive.errors import ConfigError
from golive.guard.base import Action, Decision, Detection, Guard, Origin, Stage

__all__ = [
    "OVERSIZED",
    "ChainOutcome",
    "GuardChain",
    "GuardResult",
    "SpanRedactor",
    "build_chain",
]

OVERSIZED = "oversized"  # the name a chain's own size check goes by in its results


@runtime_checkable
class SpanRedactor(Protocol):
    """A guard that can say what one of its spanned detections becomes when redacted."""

    def replacement(self, text: str, detection: Detection) -> str: ...


@dataclass(frozen=True, slots=True)
class GuardResult:
    """One guard's decision in a chain, and how long it took."""

    guard: str
    decision: Decision
    seconds: float


@dataclass(frozen=True, slots=True)
class ChainOutcome:
    decision: Decision
    results: tuple[GuardResult, ...]

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)


def _spanned(d: Detection) -> bool:
    return d.start is not None and d.end is not None


class GuardChain:
    """Guards run in order on the same text; see the module docstring for how they combine."""

    name = "chain"

    def __init__(self, guards: Sequence[Guard], *, max_chars: int | None = None) -> None:
        """``max_chars``: longest text the guards scan; a longer one is blocked unscanned
        (None: no limit)."""
        self.guards = tuple(guards)
        self.max_chars = max_chars
        self._takes_origin = tuple(_takes_origin(g) for g in self.guards)

    @property
    def stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in ("input", "output") if all(s in g.stages for g in self.guards))

    def warm(self) -> None:
        """Build now what the guards build on first use (the injection corpus index, the
        language detector, a local classifier), so that no request waits for it."""
        warm_all(self.guards)
        if "input" in self._any_stages:
            self.check_detailed("How do I reset my password?", stage="input")
            document = "Order 1042 shipped on 3 May; the parcel is at the depot."
            self.check_detailed(document, stage="input", origin="document")
        if "output" in self._any_stages:
            reply = "Open Settings, then Security, and choose Reset password."
            self.check_detailed(reply, stage="output", context="How do I reset my password?")

    @property
    def _any_stages(self) -> set[str]:
        return {s for g in self.guards for s in g.stages}

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        return self.check_detailed(text, stage=stage, context=context, origin=origin).decision

    def check_detailed(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> ChainOutcome:
        if self.max_chars is not None and len(text) > self.max_chars:
            return self.oversized(len(text))
        results: list[GuardResult] = []
        for g, takes_origin in zip(self.guards, self._takes_origin, strict=True):
            if stage not in g.stages:
                continue
            t0 = time.perf_counter_ns()
            try:
                if takes_origin:
                    decision = g.check(text, stage=stage, context=context, origin=origin)
                else:
                    decision = g.check(text, stage=stage, context=context)
            except Exception as exc:  # a guard that breaks its contract must not break the app
                decision = Decision(
                    Action.ALLOW, guard=g.name, reasons=(f"{g.name} failed: {exc!r}",)
                )
            results.append(GuardResult(g.name, decision, (time.perf_counter_ns() - t0) / 1e9))
            if decision.action == Action.BLOCK:
                break  # refused already: the guards after it would only spend time
        return ChainOutcome(self._combine(text, stage, context, origin, results), tuple(results))

    def oversized(self, chars: int) -> ChainOutcome:
        """The outcome for a text of ``chars`` characters over ``max_chars`` (unscanned)."""
        why = (
            f"text of {chars} characters is longer than the guards scan "
            f"({self.max_chars}; max_scan_chars)"
        )
        decision = Decision(Action.BLOCK, (Detection("OVERSIZED", 1.0),), None, OVERSIZED, (why,))
        return ChainOutcome(decision, (GuardResult(OVERSIZED, decision, 0.0),))

    def _combine(
        self,
        text: str,
        stage: Stage,
        context: str | None,
        origin: Origin,
        results: list[GuardResult],
    ) -> Decision:
        action = max((r.decision.action for r in results), default=Action.ALLOW)
        detections = tuple(d for r in results for d in r.decision.detections)
        reasons = tuple(why for r in results for why in r.decision.reasons)
        redactors = [r for r in results if r.decision.text is not None and r.decision.text != text]
        rewritten = self._redact(text, stage, context, origin, redactors) if redactors else None
        if action == Action.ALLOW:
            rewritten = None
        return Decision(action, detections, rewritten, self.name, reasons)

    def _redact(
        self,
        text: str,
        stage: Stage,
        context: str | None,
        origin: Origin,
        redactors: list[GuardResult],
    ) -> str:
        by_name = {g.name: g for g in self.guards}
        takes = {g.name: t for g, t in zip(self.guards, self._takes_origin, strict=True)}
        spans: list[tuple[int, int, str]] = []  # (start, end, replacement) on the original
        opaque: list[Guard] = []
        for r in redactors:
            g = by_name[r.guard]
            if isinstance(g, SpanRedactor) and all(_spanned(d) for d in r.decision.detections):
                spans += [
                    (d.start or 0, d.end or 0, g.replacement(text, d))
                    for d in r.decision.detections
                ]
            else:
                opaque.append(g)
        out, pos = [], 0
        # Earliest start first; on overlap the longer span wins, the other is dropped.
        for start, end, repl in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
            if start < pos:
                continue
            out += [text[pos:start], repl]
            pos = end
        out.append(text[pos:])
        current = "".join(out)
        if len(redactors) == 1 and opaque:
            return redactors[0].decision.text or current
        for g in opaque:
            try:
                if takes[g.name]:
                    again = g.check(current, stage=stage, context=context, origin=origin)
                else:
                    again = g.check(current, stage=stage, context=context)
            except Exception:  # never raise; keep what is already redacted
                continue
            if again.text is not None:
                current = again.text
        return current


def _takes_origin(g: Guard) -> bool:
    """Whether ``g.check`` accepts ``origin`` (by name or through ``**kwargs``)."""
    try:
        params = inspect.signature(g.check).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): pass it, as contracted
        return True
    return any(p.name == "origin" or p.kind is p.VAR_KEYWORD for p in params)


def build_chain(
    specs: Sequence[str | Mapping[str, Any]], *, field: str = "guards", max_chars: int | None = None
) -> GuardChain:
    """A chain from names or specs: ``["pii", "injection"]`` or
    ``[{"kind": "pii", "mode": "mask"}, ...]``, validated through the registry.
    ``max_chars``: see ``GuardChain``."""
    from golive.registry import registry

    guards: list[Guard] = []
    for i, spec in enumerate(specs):
        item = {"kind": spec} if isinstance(spec, str) else dict(spec)
        args = registry.parse("guard", item, field=f"{field}[{i}]")
        built = registry.build("guard", args)
        if not isinstance(built, Guard):
            raise ConfigError(f"guard {args.kind!r} does not implement check()", field=field)
        guards.append(built)
    if not guards:
        raise ConfigError("name at least one guard, e.g. pii,injection", field=field)
    return GuardChain(guards, max_chars=max_chars)
