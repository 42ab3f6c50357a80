"""The ``injection`` guard: prompt-injection and jailbreak detection in layers.

(a) heuristics on normalised, de-obfuscated and decoded variants of the text; (b) cosine
similarity to a bundled corpus of attack patterns (with benign anchors that pull look-alike
questions back); (c) an optional text-classification model loaded from a local directory.
The layers' scores combine by noisy-or into one score in [0, 1] compared with ``threshold``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from golive.errors import ConfigError
from golive.guard._injection_corpus import index
from golive.guard._injection_heuristics import HeuristicHit, normalise, scan
from golive.guard.base import Action, Decision, Detection, GuardArgs, Origin, Stage
from golive.registry import guard

__all__ = ["InjectionArgs", "InjectionGuard", "InjectionScore", "injection", "score"]

# Chosen with benchmarks/guard_injection.py on tests/data/injection_labelled.jsonl.
DEFAULT_THRESHOLD = 0.5
_CLASSIFIER_HINT = (
    "classifier_path must be a local Hugging Face text-classification model directory "
    "(config.json + weights) and needs `pip install transformers torch`; nothing is downloaded"
)
# Cosine to the nearest attack pattern mapped to [0, 1]: below _SIM_LO is unrelated text.
_SIM_LO, _SIM_HI = 0.22, 0.55


@dataclass(frozen=True, slots=True)
class InjectionScore:
    score: float  # combined, 0..1
    heuristic: float
    similarity: float
    classifier: float | None
    reasons: tuple[str, ...]


class InjectionArgs(GuardArgs):
    """Options of the prompt-injection guard."""

    kind: Literal["injection"] = "injection"
    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    """Combined score in [0, 1] at or above which the text is flagged."""
    action: Literal["block", "escalate"] = "block"
    """What to do with flagged text: block it, or let it through flagged for a human."""
    similarity: bool = True
    """Use the nearest-neighbour layer (corpus of attack patterns bundled with golive)."""
    classifier_path: str | None = None
    """Local directory of a text-classification model (transformers); never downloaded."""
    classifier_label: str = "INJECTION"
    """The classifier's label for attacks (case-insensitive); its probability is the score."""


def _heuristic(hits: list[HeuristicHit]) -> tuple[float, list[str]]:
    per_name: dict[str, float] = {}
    obfuscated = False
    for h in hits:
        per_name[h.pattern] = max(per_name.get(h.pattern, 0.0), h.weight)
        obfuscated |= h.variant != "plain"
    miss = 1.0
    for w in per_name.values():
        miss *= 1.0 - w
    score = 1.0 - miss
    if obfuscated and score > 0:  # hiding an instruction is evidence of intent in itself
        score = min(1.0, score + 0.05)
    reasons = sorted({f"heuristic:{h.pattern}({h.variant})" for h in hits})
    return score, reasons


def _similarity(normalised: str) -> tuple[float, str]:
    n = index().query(normalised)
    raw = (n.attack - _SIM_LO) / (_SIM_HI - _SIM_LO)
    if n.benign >= n.attack:  # closer to a benign look-alike than to any attack
        raw *= 0.3
    return max(0.0, min(1.0, raw)), n.text


class _Classifier:
    def __init__(self, path: str, label: str) -> None:
        if not (Path(path) / "config.json").is_file():
            raise ConfigError(f"no model at {path!r}: {_CLASSIFIER_HINT}", field="classifier_path")
        try:
            from transformers import pipeline
        except ImportError:
            raise ConfigError(_CLASSIFIER_HINT, field="classifier_path") from None
        self._pipe: Any = pipeline("text-classification", model=path, tokenizer=path, top_k=None)
        self._label = label.lower()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> float:
        with self._lock:
            out = self._pipe(text[:4000], truncation=True)
        rows = out[0] if out and isinstance(out[0], list) else out
        return max(
            (float(r["score"]) for r in rows if str(r["label"]).lower() == self._label), default=0.0
        )


def score(
    text: str, *, similarity: bool = True, classifier: Any = None, origin: Origin = "user"
) -> InjectionScore:
    """Score ``text`` for prompt injection. Never raises on a str."""
    heur, reasons = _heuristic(scan(text))
    sim = 0.0
    if similarity:
        sim, nearest = _similarity(normalise(text))
        if sim > 0:
            reasons.append(f"similarity:{sim:.2f} to {nearest[:60]!r}")
    clf = classifier(text) if classifier is not None else None
    if clf:
        reasons.append(f"classifier:{clf:.2f}")
    combined = 1.0 - (1.0 - heur) * (1.0 - 0.8 * sim) * (1.0 - (clf or 0.0))
    return InjectionScore(round(combined, 4), heur, sim, clf, tuple(reasons))


class InjectionGuard:
    """Detect prompt-injection and jailbreak attempts in inputs and retrieved documents."""

    name = "injection"
    stages: tuple[Stage, ...] = ("input", "output")

    def __init__(self, args: InjectionArgs | None = None) -> None:
        self.args = args or InjectionArgs()
        self._classifier: _Classifier | None = None
        if self.args.classifier_path:
            self._classifier = _Classifier(self.args.classifier_path, self.args.classifier_label)

    def score(self, text: str, *, origin: Origin = "user") -> InjectionScore:
        return score(
            text, similarity=self.args.similarity, classifier=self._classifier, origin=origin
        )

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        if not isinstance(text, str):
            text = str(text)
        text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
        s = self.score(text, origin=origin)
        if s.score < self.args.threshold:
            return Decision(Action.ALLOW, guard=self.name, score=s.score)
        reason = "; ".join(s.reasons) or "injection"
        det = Detection("INJECTION", s.score, reason=reason)
        action = Action.BLOCK if self.args.action == "block" else Action.ESCALATE
        return Decision(
            action, (det,), guard=self.name, reasons=(f"injection score {s.score}",), score=s.score
        )


@guard("injection", args=InjectionArgs)
def injection(args: InjectionArgs) -> InjectionGuard:
    """Prompt-injection and jailbreak detection: heuristics, corpus similarity, classifier."""
    return InjectionGuard(args)
