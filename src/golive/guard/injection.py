"""The ``injection`` guard: prompt-injection and jailbreak detection in layers.

(a) heuristics on normalised, de-obfuscated and decoded variants of the text, one pattern per
attack family; (b) cosine similarity to a bundled corpus of attack patterns (with benign
anchors that pull look-alike questions back); (c) a learned layer over hashed n-grams
(``_injection_model``), trained on public attacks and benign prompts, that flags a user's text
on its own only when it is confident (``learned: false`` turns it off); (d) an optional
text-classification model loaded from a local directory; (e) an optional guard model the user
serves (``guard_model``). The layers' scores combine by noisy-or into one score in [0, 1],
and the learned layer's evidence is taken when higher, compared with ``threshold``.

Content the application did not write (``origin="document"``: retrieved pages, emails, tool
output) is judged differently: any instruction addressed to the assistant is an attack there,
so patterns that speak to "the assistant" in the third person count in full, and a sentence
that gives an AI a task ("Write a haiku about autumn.") is flagged (``scan_planted``). The
learned layer does not judge documents (its document head flagged most clean ones held out).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from golive.errors import ConfigError
from golive.guard._injection_corpus import index
from golive.guard._injection_heuristics import (
    HeuristicHit,
    scan,
    scan_planted,
    variants,
)
from golive.guard._injection_model import Model, evidence, features, segments, shipped
from golive.guard._injection_remote import GuardModelArgs, RemoteVerdict, remote_score
from golive.guard.base import Action, Decision, Detection, GuardArgs, Origin, Stage
from golive.registry import guard

__all__ = [
    "InjectionArgs",
    "InjectionGuard",
    "InjectionScore",
    "injection",
    "learned_probability",
    "score",
]

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
    learned: float = 0.0
    remote: RemoteVerdict | None = None  # the guard model's answer, when one is configured


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
    guard_model: GuardModelArgs | None = None
    """An OpenAI-compatible guard model you run (Llama Guard, Prompt Guard, any chat model)
    asked about every text as one more layer, with a timeout and ``on_error``; off by default."""
    learned: bool = True
    """Use the learned layer shipped with golive (hashed n-grams, trained on public attacks and
    benign prompts) on user messages; it flags on its own only when confident (p >= 0.9)."""


# Patterns that speak of "the assistant" in the third person: an attack inside a document, but
# also how applications write their own system prompts, so they count less in a user's input.
_DOCUMENT_PATTERNS = frozenset({"addressed"})
_USER_DISCOUNT = 0.6
# Talk about attacks quotes them: "how do I stop 'ignore previous instructions' attacks?". When
# the text speaks of attacks or defences and every pattern hit sits inside quotes, the
# heuristics count for less.
_META_TALK = re.compile(
    r"\b(?:attacks?|injections?|jailbreak(?:s|ing)|red[- ]?team\w*|techniques?|protect\w*|"
    r"defen[cs]\w*|detect\w*|prevent\w*|mitigat\w*|classifier|filters?|owasp|vulnerab\w*|"
    r"pentest\w*|security|stop(?:ping)? (?:users|people|attackers|someone)|exploit\w*|"
    r"payloads?|guardrails?|flags?|bug bounty|in scope)\b"
)
_QUOTED = re.compile(
    r"\"[^\"\n]{3,300}\"|“[^”\n]{3,300}”|`[^`\n]{3,300}`|(?<!\w)'[^'\n]{3,300}'(?!\w)"
)
_QUOTE_DISCOUNT = 0.45
_ABOUT_A_BOT = re.compile(
    r"\b(?:my|our|the|a|an|their|his|her|its) (?:chat ?bot|bot|model|llm|assistant|ai|agent|gpt|"
    r"app|application|system)s?\b"
)
_YOU = re.compile(r"\b(?:you|your|yours|yourself|u|ur)\b")
_USER_MAY_TRY = re.compile(
    r"\b(?:the |a )?users? (?:may|might|will|could|can|often|sometimes) (?:\w+ )?"
    r"(?:try|attempt|ask)|"
    r"\bif (?:the |a |any )?users? (?:asks?|tries|requests?|attempts?|wants?)\b"
)
_DECLINE = re.compile(
    r"\b(?:decline|refuse|do not comply|don't comply|never (?:reveal|share|disclose|comply)|"
    r"do not (?:reveal|share|disclose)|politely|stay in scope|within scope)\b"
)


def _heuristic(hits: list[HeuristicHit], origin: Origin = "user") -> tuple[float, list[str]]:
    per_name: dict[str, float] = {}
    obfuscated = False
    for h in hits:
        w = h.weight * (
            _USER_DISCOUNT if origin == "user" and h.pattern in _DOCUMENT_PATTERNS else 1
        )
        per_name[h.pattern] = max(per_name.get(h.pattern, 0.0), w)
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


def _folded(text: str, found: list[tuple[str, str]] | None = None) -> str:
    """The de-obfuscated variant the learned layer reads (as written if nothing to undo).
    ``found``: ``variants(text)`` when the caller has them already."""
    v = found if found is not None else variants(text)
    return v[1][1] if len(v) > 1 and v[1][0] == "obfuscated" else v[0][1]


def learned_probability(text: str, origin: Origin, learned: Model) -> float:
    """A learned model's probability: its user head on the text, or its document head's
    highest over the text's segments (benchmarks/guard_injection_public.py trains them)."""
    if origin == "user":
        return learned.user.probability(features(_folded(text)))
    head = learned.document
    return max((head.probability(features(_folded(seg))) for seg in segments(text)), default=0.0)


def _defensive(text: str) -> bool:
    """An application's own rules that guard against attacks: they speak of "the user" who
    may try something, and say to decline (a system prompt, not an attack on one)."""
    low = text[:4000].lower()
    return bool(_USER_MAY_TRY.search(low)) and bool(_DECLINE.search(low))


def _talk_about_attacks(text: str) -> bool:
    """Text about attacks rather than one: it speaks of attacks or defences, and either every
    pattern hit is inside quotes or it speaks of someone's bot without addressing "you"."""
    head = text[:4000]
    low = head.lower()
    if not _META_TALK.search(low):
        return False
    if _ABOUT_A_BOT.search(low) and not _YOU.search(low):
        return True
    return bool(_QUOTED.search(head)) and not scan(_QUOTED.sub(" ", head))


def score(
    text: str,
    *,
    similarity: bool = True,
    classifier: Any = None,
    origin: Origin = "user",
    learned: Model | None = None,
    guard_model: GuardModelArgs | None = None,
) -> InjectionScore:
    """Score ``text`` for prompt injection. Never raises on a str. ``learned``: the learned
    layer (``_injection_model.shipped()`` in the guard; the benchmarks pass models they
    trained); it reads user messages only, and counts in full only when confident."""
    found = variants(text)  # computed once: the heuristics, the learned layer and similarity
    hits = scan(text, found)
    if origin == "document":
        hits += scan_planted(text)
    heur, reasons = _heuristic(hits, origin)
    if heur > 0 and origin == "user" and (_talk_about_attacks(text) or _defensive(text)):
        heur *= _QUOTE_DISCOUNT
        reasons.append("talk about attacks or rules against them, not an attack")
    prob = 0.0
    if learned is not None and origin == "user":
        prob = learned.user.probability(features(_folded(text, found)))
        if prob >= 0.05:
            reasons.append(f"learned:{prob:.2f}")
    sim = 0.0
    if similarity and origin == "user":
        sim, nearest = _similarity(found[0][1])  # the plain variant: normalise(text)
        if sim > 0:
            reasons.append(f"similarity:{sim:.2f} to {nearest[:60]!r}")
    clf = classifier(text) if classifier is not None else None
    if clf:
        reasons.append(f"classifier:{clf:.2f}")
    remote = remote_score(text, guard_model) if guard_model is not None else None
    rem = (remote.score or 0.0) if remote is not None else 0.0
    if remote is not None and (remote.error or rem):
        reasons.append(remote.reason)
    miss = (1.0 - heur) * (1.0 - 0.8 * sim) * (1.0 - (clf or 0.0)) * (1.0 - rem)
    # The learned layer is not or-ed in: below its confident level it only ranks, so the
    # other layers' flags and its own are exactly what the benchmarks measured.
    combined = max(1.0 - miss, evidence(prob))
    return InjectionScore(round(combined, 4), heur, sim, clf, tuple(reasons), prob, remote)


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
            text,
            similarity=self.args.similarity,
            classifier=self._classifier,
            origin=origin,
            learned=shipped() if self.args.learned else None,
            guard_model=self.args.guard_model,
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
        if s.remote is not None and s.remote.blocks:  # on_error: block, and it did not answer
            det = Detection("GUARD_UNAVAILABLE", 1.0, reason=s.remote.reason)
            why = f"guard model unavailable: {s.remote.error}"
            return Decision(Action.BLOCK, (det,), guard=self.name, reasons=(why,), score=s.score)
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
