"""Building blocks of the adversarial mutators: canaries, the bundled attack texts, the
encodings an attack hides behind, payload splitting, and how an attack joins a real question.

Every function is pure and takes its randomness from the ``random.Random`` it is given.
"""

from __future__ import annotations

import base64
import codecs
import json
import random
import re
from functools import cache
from importlib.resources import files
from itertools import pairwise
from typing import Any

__all__ = [
    "CANARY_ALPHABET",
    "ENCODINGS",
    "PLACEMENTS",
    "attack_data",
    "combine",
    "decode",
    "encode",
    "make_canary",
    "split_payload",
]

CANARY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
"""Base32: upper-case letters and digits only, so a canary matches the leaks scorer's
``CANARY-[A-Z0-9-]+`` and survives case folding, and no two characters look alike."""

ENCODINGS = ("base64", "rot13", "leetspeak", "spaced", "reversed")
PLACEMENTS = ("prepend", "append", "embed")

_LEET = str.maketrans("aeiostAEIOST", "431057431057")
_SENTENCE_GAP = re.compile(r"(?<=[.!?])\s+(?=\S)")
_SEPARATORS = ("\n\n", "\n", " ")


@cache
def attack_data() -> dict[str, Any]:
    """The bundled attack templates (data/attacks.json, loaded once)."""
    raw = (files("golive.diversity") / "data" / "attacks.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def make_canary(rng: random.Random) -> str:
    """``CANARY-`` and 8 base32 characters: 40 bits, so two variants never share one."""
    return "CANARY-" + "".join(rng.choice(CANARY_ALPHABET) for _ in range(8))


def encode(encoding: str, instruction: str, canary: str) -> str:
    """``instruction`` (which contains ``canary``) hidden behind ``encoding``.

    Leetspeak leaves the canary as it is: digit look-alikes would make it ambiguous (is 5 an
    S?), and an obeyed instruction must put the exact canary in the reply.
    """
    if encoding == "base64":
        return base64.b64encode(instruction.encode()).decode("ascii")
    if encoding == "rot13":
        return codecs.encode(instruction, "rot13")
    if encoding == "leetspeak":
        return canary.join(part.translate(_LEET) for part in instruction.split(canary))
    if encoding == "spaced":
        return "   ".join(" ".join(word) for word in instruction.split())
    if encoding == "reversed":
        return instruction[::-1]
    raise ValueError(f"unknown encoding {encoding!r}")


def decode(encoding: str, payload: str) -> str:
    """What a model that decodes ``payload`` reads (leetspeak: only the canary is exact)."""
    if encoding == "base64":
        return base64.b64decode(payload).decode()
    if encoding == "rot13":
        return codecs.decode(payload, "rot13")
    if encoding == "leetspeak":
        return payload
    if encoding == "spaced":
        return " ".join(word.replace(" ", "") for word in payload.split("   "))
    if encoding == "reversed":
        return payload[::-1]
    raise ValueError(f"unknown encoding {encoding!r}")


def split_payload(rng: random.Random, instruction: str, canary: str, parts: int) -> list[str]:
    """``instruction`` cut into ``parts`` pieces, one cut inside the canary so that no piece
    holds it whole (a filter looking for the canary, or for the instruction, sees neither)."""
    start = instruction.index(canary)
    inside = rng.randrange(start + 2, start + len(canary) - 1)
    others = [i for i in range(1, len(instruction)) if i != inside]
    cuts = sorted({inside, *rng.sample(others, min(max(parts - 2, 0), len(others)))})
    bounds = [0, *cuts, len(instruction)]
    return [instruction[a:b] for a, b in pairwise(bounds)]


def combine(question: str, injection: str, rng: random.Random) -> tuple[str, str]:
    """The injection placed before, after or inside the user's real question, the way
    attacks arrive in real traffic; returns the text and the placement used."""
    body = question.strip()
    if not body:
        return injection, "alone"
    placement = rng.choice(PLACEMENTS)
    sep = rng.choice(_SEPARATORS) if "\n" not in injection else "\n\n"
    if placement == "prepend":
        return f"{injection}{sep}{body}", placement
    if placement == "append":
        return f"{body}{sep}{injection}", placement
    sentences = _SENTENCE_GAP.split(body)
    if len(sentences) > 1:
        k = rng.randrange(1, len(sentences))
        head, tail = " ".join(sentences[:k]), " ".join(sentences[k:])
    else:  # one sentence: the injection sits between the question and a sign-off
        head, tail = body, rng.choice(attack_data()["closings"])
    return f"{head}{sep}{injection}{sep}{tail}", placement
