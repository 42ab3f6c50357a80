"""Injection heuristics: normalise obfuscated text, decode embedded payloads, match patterns."""

# The pattern table reads best one regex per line.
# ruff: noqa: E501

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
import unicodedata
from dataclasses import dataclass

from golive.detectors._regex_heads import required_literals

__all__ = ["HeuristicHit", "compact", "normalise", "scan", "scan_planted", "variants"]

# Bound the work on huge inputs: attacks hide at the start or end of long documents.
_HEAD, _TAIL = 60_000, 8_000
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Accents on Latin letters only: Cyrillic й and ё are letters of their own ("игнорируй").
_MARKS = re.compile(r"(?<=[A-Za-z])[\u0300-\u036f]+")
_SPACES = re.compile(r"\s+")
# Latin look-alikes (Cyrillic, Greek, IPA) folded only in the "folded" variant, so genuine
# Cyrillic/Greek text is still scanned as written.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁɡӏкмнтвАЕОРСУХІЈЅКМНТВοαεικνρτυχΟΑΕΙΚΝΡΤΥΧɑ",
    "aeopcyxijsdglkmhtbAEOPCYXIJSKMHTBoaeikvptuxOAEIKNPTYXa",
)
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "i",
        "+": "t",
    }
)
_LEET_WORD = re.compile(r"\b(?=[\w@$!|+]*[a-z])(?=[\w@$!|+]*[0-9@$|+])[\w@$!|+]{3,}")
# "i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e": single letters joined by one separator.
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W\d_][ ._*\-]){3,}[^\W\d_](?![^\W_])")
# A word split by separators is joined only when it becomes an attack word: joining every
# "e.g." or "acme.io" would send most texts through a second full scan.
_SPLIT_WORD = re.compile(r"[^\W\d_]+(?:[-_.·*/][^\W\d_]+)+")
_SEPARATORS = re.compile(r"[-_.·*/]")
_TRIGGER_WORDS = (
    "ignor", "disregard", "forget", "instruct", "previous", "prompt", "system", "reveal",
    "password", "secret", "jailbr", "override", "bypass", "restrict", "guideline", "pretend",
    "unfilter", "uncensor", "developer", "confidential", "pwn", "censor", "unlock",
)  # fmt: skip


def _unleet_trigger(match: re.Match[str]) -> str:
    """Leetspeak undone ("1gn0r3" -> "ignore") only where it makes an attack word ("k@acme" stays)."""
    word = match.group(0).translate(_LEET)
    return word if any(t in word for t in _TRIGGER_WORDS) else match.group(0)


# One slip in an attack word ("ignroe", "instrcutions", "previos") is folded back to the word:
# with golive's own typos mutator on 10% of words, 13% of the attacks the guard caught were
# missed. Words people really write next to an attack word ("ignored", "systems", "revel") are
# left as they are; short words are not folded (too many real neighbours).
_TYPO_TARGETS = (
    "ignore", "disregard", "instructions", "instruction", "previous", "directions",
    "guidelines", "restrictions", "prompt", "system", "jailbreak", "override",
)  # fmt: skip
_TYPO_REAL = frozenset(
    {f"{t}{end}" for t in _TYPO_TARGETS for end in ("", "s", "d", "ed", "es")}
    | {"direction", "guideline", "restriction", "overrode", "overridden"}
)
_TYPO_WORD = re.compile(r"\b[dgijoprs][a-z]{4,12}\b")


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_TYPO_INDEX: dict[str, str] = {}
for _t in _TYPO_TARGETS:
    for _d in _deletes(_t):
        _TYPO_INDEX.setdefault(_d, _t)


def _one_slip(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by one insertion, deletion, substitution or swap of
    neighbours (a shared deletion alone allows two)."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (
        a[i + 1 :] == b[i + 1 :]
        or a[i + 1 :] == b[i:]
        or a[i:] == b[i + 1 :]
        or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])
    )


# A slip keeps the first letter and changes the length by at most one: other words are skipped.
_TYPO_SHAPES = frozenset((t[0], len(t) + k) for t in _TYPO_TARGETS for k in (-1, 0, 1))


def _unslip_trigger(match: re.Match[str]) -> str:
    word = match.group(0)
    if (word[0], len(word)) not in _TYPO_SHAPES or word in _TYPO_REAL:
        return word
    return _unslip(word)


@functools.lru_cache(maxsize=4096)
def _unslip(word: str) -> str:
    target = _TYPO_INDEX.get(word)  # one letter dropped
    if target is not None and _one_slip(word, target):
        return target
    for d in _deletes(word):  # one letter added, changed or swapped
        target = _TYPO_INDEX.get(d) or (d if d in _TYPO_TARGETS else None)
        if target is not None and _one_slip(word, target):
            return target
    return word


def _join_trigger(match: re.Match[str]) -> str:
    joined = _SEPARATORS.sub("", match.group(0))
    return joined if any(t in joined for t in _TRIGGER_WORDS) else match.group(0)


# A rot13 variant is scanned only when the text holds an attack word in rot13: scanning every
# text twice cost the proxy a quarter of its guard time for a rare trick.
_ROT13_WORDS = tuple(
    codecs.encode(w, "rot13")
    for w in (
        "ignore", "disregard", "forget", "instruction", "previous", "system", "prompt", "rules",
        "reveal", "password", "secret", "jailbreak", "override", "pretend", "restriction",
    )
)  # fmt: skip
_B64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}[ :]?){10,}")


def normalise(text: str) -> str:
    """NFKC, invisible characters removed, accents stripped, lower case, spaces collapsed."""
    if len(text) > _HEAD + _TAIL:
        text = text[:_HEAD] + " " + text[-_TAIL:]
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        # Strip Latin accents, then recompose so kana, Devanagari and Cyrillic keep their marks.
        text = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", text)))
    return _SPACES.sub(" ", text.lower())


def _unspace(match: re.Match[str]) -> str:
    return re.sub(r"[ ._*\-]", "", match.group(0)) + " "


def compact(text: str) -> str:
    """Letters only: defeats separators inserted inside words."""
    return "".join(ch for ch in text if ch.isalpha())


def _decoded(text: str) -> list[str]:
    out: list[str] = []
    for blob in _B64.findall(text)[:8]:
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=False)
        except (binascii.Error, ValueError):
            continue
        s = raw.decode("utf-8", errors="ignore")
        if len(s) >= 8 and sum(c.isalpha() or c == " " for c in s) / len(s) > 0.8:
            out.append(s)
    for blob in _HEX.findall(text)[:8]:
        try:
            s = bytes.fromhex(re.sub(r"[ :]", "", blob)).decode("utf-8", errors="ignore")
        except ValueError:
            continue
        if len(s) >= 5 and sum(c.isalpha() or c == " " for c in s) / len(s) > 0.8:
            out.append(s)
    return out


def variants(text: str) -> list[tuple[str, str]]:
    """(label, normalised text) pairs to scan: as written, de-obfuscated, decoded."""
    base = normalise(text)
    out = [("plain", base)]
    folded = base.translate(_CONFUSABLES)
    folded = _SPACED.sub(_unspace, folded)
    folded = _SPLIT_WORD.sub(_join_trigger, folded)  # "i-nstruction", "pro.mpt", "sys_tem"
    leet = _LEET_WORD.sub(_unleet_trigger, folded)
    if leet != folded:  # an attack word in leetspeak: undo the rest too ("pr1n7 y0ur ...")
        leet = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), folded)
    folded = leet
    folded = _TYPO_WORD.sub(_unslip_trigger, folded)
    if folded != base:
        out.append(("obfuscated", _SPACES.sub(" ", folded)))
    for dec in _decoded(text):
        out.append(("decoded", normalise(dec)))
    if len(base) < 4000 and any(w in base for w in _ROT13_WORDS):
        out.append(("rot13", codecs.encode(base, "rot13")))
    return out


@dataclass(frozen=True, slots=True)
class HeuristicHit:
    pattern: str  # name of the pattern
    weight: float  # 0..1 evidence
    variant: str  # which variant of the text matched (plain, obfuscated, decoded, rot13)


_W = r"(?:[\w'-]+ ){0,3}"  # up to three filler words
_PRIOR = r"(?:previous|prior|above|earlier|preceding|former|original|initial|old|existing|system|safety|all|any|every|your|the|these|those|my)"
_RULES = (
    r"(?:instructions?|directives?|directions?|guidelines?|guidance|rules|prompts?|commands?|"
    r"constraints|restrictions|guardrails|programming|polic(?:y|ies)|orders|training|filters?|"
    r"setup|set-up|preamble|briefing|context|configuration|system message|task)"
)
_VERB_IGNORE = r"(?:ignore|disregard|forget|bypass|override|skip|discard|abandon|drop|neglect|set aside|throw away|dismiss|overrule)"
_SECRET = (
    r"(?:system prompt|system message|initial prompt|hidden (?:prompt|instructions|rules)|"
    r"original (?:prompt|instructions)|developer (?:message|prompt|instructions)|"
    r"(?:instructions|prompt|text|words|message)s? (?:above|before this|you were given)|"
    r"pre-?prompt|meta ?prompt|confidential instructions|internal (?:rules|instructions)|"
    r"(?:initial|original|first|hidden|secret|starting|underlying|core|base|exact|full) "
    r"(?:instructions|prompt|rules|directives|guidelines|configuration|setup))"
)

# (name, weight, regex); weights say how much one match alone proves.
_PATTERNS: list[tuple[str, float, str]] = [
    ("override", 0.95, rf"\b{_VERB_IGNORE} {_W}{_PRIOR} {_W}{_RULES}\b"),
    (
        "override",
        0.9,
        rf"\b{_VERB_IGNORE} (?:everything|all|anything) (?:you(?:'ve| have)? (?:been|were) told|above|before|said (?:before|above)|so far)",
    ),
    (
        "override",
        0.8,
        r"\b(?:your (?:new|updated|real|true|actual)|(?:new|updated) system) (?:instructions|directives|orders|rules) ?(?::|follow|are|override)",
    ),
    (
        "override",
        0.85,
        rf"\b(?:do not|don't|never) (?:follow|obey|apply) {_W}{_PRIOR} {_W}{_RULES}\b",
    ),
    (
        "override",
        0.7,
        rf"\b(?:{_RULES}|programming) (?:no longer appl(?:y|ies)|(?:are|is) (?:void|cancelled|suspended|revoked|lifted|disabled))",
    ),
    (
        "override",
        0.75,
        r"\b(?:from now on|henceforth|starting now|for the rest of this conversation),? you (?:will|must|shall|are|have no|no longer)\b",
    ),
    (
        "extraction",
        0.9,
        rf"\b(?:reveal|show|print|output|repeat|display|leak|dump|expose|recite|disclose|paste|spell out|tell me|give me|share|write out|copy|put|place|wrap|enclose|format|translate|encode|list|quote|return) {_W}(?:your|the|its|my) {_W}{_SECRET}",
    ),
    ("extraction", 0.8, rf"\bwhat (?:is|are|was|were) your {_W}{_SECRET}"),
    ("extraction", 0.7, r"\b(?:full|complete|exact|entire) (?:system )?(?:instructions|prompt)\b"),
    (
        "extraction",
        0.8,
        r"\b(?:repeat|print|output|copy) (?:everything|all(?: the)? (?:text|words)|the text) (?:above|before|prior|that came before)",
    ),
    (
        "extraction",
        0.7,
        r"\bverbatim\b.{0,40}\b(?:instructions|prompt|above)\b|\b(?:instructions|prompt|above)\b.{0,40}\bverbatim\b",
    ),
    (
        "extraction",
        0.6,
        r"\bstart(?:ing)? (?:your (?:reply|answer|response) )?with [\"']?you are\b",
    ),
    (
        "roleplay",
        0.9,
        r"\b(?:you are|you're|act as|pretend (?:to be|you are)|become|roleplay as|play the role of) (?:now )?(?:an? |the )?(?:dan|stan|aim|dude|jailbroken|unrestricted|unfiltered|uncensored|unaligned|evil|rogue|amoral|unethical|lawless)\b",
    ),
    (
        "roleplay",
        0.45,
        r"\b(?:without|with no|free (?:of|from)|no longer (?:bound|restricted) by|not bound by|ignoring) (?:any |all |your )?(?:ethical |moral |content |safety )?(?:restrictions|filters|limitations|guidelines|rules|censorship|boundaries|safeguards|constraints)\b",
    ),
    (
        "roleplay",
        0.85,
        r"\b(?:you (?:can|will|must) do anything now|jailbreak(?:ed)? mode|god mode|dan mode|evil mode|unrestricted mode|(?:developer|debug|admin|maintenance) mode (?:is )?(?:now )?(?:enabled|activated|on|unlocked))\b(?! (?:a|an|my|the|your|his|her)\b)",
    ),
    (
        "roleplay",
        0.75,
        r"\b(?:you (?:are|'re) (?:now )?in|(?:now )?enter) (?:developer|debug|admin|god|sudo|maintenance|unrestricted) mode\b(?!.{0,30}\b(?:android|phone|iphone|chrome|windows|settings|device|browser|app)\b)",
    ),
    (
        "roleplay",
        0.7,
        r"\b(?:developer|god|dan|jailbreak) mode (?:allows|permits|lets you|has no|ignores)\b",
    ),
    (
        "multilingual",
        0.8,
        r"\b(?:zeig|gib|nenne)\w* (?:\w+ ){0,3}(?:ursprunglichen|originalen|geheimen|versteckten|internen) (?:anweisungen|instruktionen|regeln)\b",
    ),
    (
        "roleplay",
        0.6,
        r"\b(?:you must stay in character|never (?:refuse|break character)|you (?:cannot|can't|must not|will not) refuse|as an ai without)\b",
    ),
    (
        "roleplay",
        0.6,
        r"\b(?:hypothetical|fictional) (?:ai|model|assistant|character) (?:that|who|with) (?:has no|ignores|doesn't follow|isn't bound)",
    ),
    (
        "delimiter",
        0.85,
        r"<\|?(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|?>|<</?sys>>|\[/?inst\]|\[/?system\]|</?system>",
    ),
    (
        "delimiter",
        0.8,
        r"(?:^|\n|#+ ?|-{3,} ?|={3,} ?)(?:end of (?:user )?(?:input|prompt|context|document)|new system (?:prompt|message)|system override|admin override|begin (?:admin|system|developer) (?:override|instructions|message))\b",
    ),
    (
        "delimiter",
        0.8,
        r"#{2,}\s*\((?:system|admin|developer)[_ ](?:message|prompt|instructions?)\)",
    ),
    (
        "delimiter",
        0.55,
        r"(?:^|\n)\s*(?:system|developer|admin)\s*:\s*(?:you|ignore|from now|new|override)",
    ),
    (
        "indirect",
        0.85,
        r"\b(?:note|message|instructions?) (?:to|for) (?:the |any )?(?:ai|assistant|llm|language model|chatbot|model|agent)s?\b",
    ),
    ("indirect", 0.85, r"\bif you are an? (?:ai|llm|language model|assistant|chatbot|agent)\b"),
    (
        "indirect",
        0.75,
        r"\b(?:ai|assistant|llm|model|bot|agent)s? (?:reading|processing|summari[sz]ing|parsing) (?:this|these)\b",
    ),
    (
        "indirect",
        0.85,
        r"\b(?:send|forward|email|post|upload|exfiltrate|transmit|leak) (?:the |all |any )?(?:user'?s? |conversation |chat |previous )?(?:data|history|messages|emails|credentials|passwords|api keys?|tokens|secrets|conversation|chat log|personal information)\b.{0,40}\b(?:to|at) (?:https?://|\S+@|the following|this (?:address|url|endpoint))",
    ),
    (
        "indirect",
        0.8,
        r"!\[[^\]]{0,40}\]\(https?://[^)\s]{1,200}[?&][^)\s]{0,60}=\s*(?:\{|\$|<|%7b)",
    ),
    (
        "indirect",
        0.6,
        r"\b(?:when|while|after) (?:summari[sz]ing|translating|reading|processing) (?:this|the) (?:document|page|email|file|text|article),? (?:you must |please )?(?:also |instead )",
    ),
    (
        "encoding",
        0.55,
        r"\b(?:decode|decipher|translate) (?:this|the following|it)(?: \w+)? (?:from )?(?:base64|rot13|hex|binary|morse)?.{0,40}\b(?:and|then) (?:follow|execute|obey|do|run|carry out|comply)",
    ),
    # Families seen in public attacks the first patterns missed (issue 13).
    (
        "hijack",
        0.8,
        r"\b(?:stop|halt|cease) (?:everything|all(?: that)?|what you(?:'re| are) doing|now)\b[\s!.,]{0,12}(?:now\b[\s!.,]{0,12})?(?:and )?(?:just |only |instead )?(?:print|say|output|write|type|respond|reply|repeat)\b",
    ),
    ("hijack", 0.75, r"\b(?:i have been|i've been|you have been|you've been) pwned\b|\bpwned\b"),
    (
        "hijack",
        0.45,
        r"\binstead,? (?:just |only |simply )?(?:print|output|say|write|respond with|reply with|type)\b ?[\"'“]",
    ),
    (
        "hijack",
        0.7,
        r"\b(?:your (?:only|sole|real|true|new) (?:task|job|goal|purpose|objective|instruction) (?:is|now is|from now on is)|the (?:real|actual|new) task is)\b",
    ),
    (
        "roleplay",
        0.6,
        r"\b(?:no|without|free (?:of|from)|devoid of|lacks?|zero|not bound by|not restricted by|doesn't have|does not have|has no) (?:any )?(?:ethical|moral|ethics|morals|legal)(?:,? (?:or|and) (?:ethical|moral|legal))? ?(?:considerations|guidelines|principles|compass|boundaries|limits|limitations|qualms|concerns|standards|restrictions|obligations|code)\b",
    ),
    (
        "roleplay",
        0.6,
        r"\b(?:never|doesn't|does not|won't|will not|cannot|can't) (?:ever )?(?:refuse|decline|reject|say no)\b.{0,60}\b(?:request|question|anything|any prompt|whatever)|\bnever refuses\b|\b(?:answers|responds to) (?:any|every) (?:question|request) without (?:hesitation|question|refusal|warnings?)\b",
    ),
    (
        "roleplay",
        0.5,
        r"\b(?:unfiltered|uncensored|unrestricted|amoral|unethical|unbound|limitless) (?:ai|assistant|chatbot|model|version|persona|character|mode|response|answers?)\b",
    ),
    (
        "dual",
        0.75,
        r"\[(?:🔒|🔓|classic|jailbreak|jailbroken|gpt|dan|jb|shadow|evil|normal|developer mode output|unfiltered)[^\]]{0,20}\]|\((?:🔒|🔓)[^)]{0,30}\)",
    ),
    (
        "dual",
        0.65,
        r"\b(?:two|2|both|separate) (?:different |distinct )?(?:responses|answers|replies|outputs|paragraphs)\b.{0,120}\b(?:jailbr\w*|unfiltered|uncensored|no (?:restrictions|filters|rules)|without (?:restrictions|filters|rules)|opposite|evil|shadow|unrestricted|developer mode)\b",
    ),
    (
        "fragments",
        0.6,
        r"\b(?:concatenate|combine|join|put together|merge|assemble) (?:\w+ ){0,4}(?:strings|parts|fragments|pieces|variables|words|tokens|segments|letters)\b.{0,120}\b(?:follow|execute|obey|do (?:it|what|that)|act on|carry out|comply|answer|respond to)\b",
    ),
    (
        "fragments",
        0.55,
        r"\b[a-z]\d? ?= ?[\"'][^\"'\n]{1,60}[\"'].{0,300}?\b[a-z]\d? ?\+ ?[a-z]\d?\b",
    ),
    (
        "indirect",
        0.7,
        r"\b(?:ignore|disregard|forget) (?:the |what the |whatever the )?user(?:'s|s')? (?:\w+ ){0,2}(?:question|request|query|instructions?|message|prompt|task)\b",
    ),
    (
        "addressed",
        0.6,
        r"\b(?:do not|don't|never) (?:tell|inform|mention (?:to|this to)|reveal to|let) the user\b",
    ),
    (
        "addressed",
        0.55,
        r"\b(?:the |any |all )?(?:ai|assistant|chatbot|llm|language model|gpt|agent)s?,? (?:must|should|shall|is (?:instructed|required) to|will now|needs to) (?:\w+ ){0,2}(?:ignore|disregard|forget|recommend|say|tell|respond|reply|output|print|include|answer|send|rate|rank|describe|state)\b",
    ),
    (
        "override",
        0.8,
        r"\b(?:ignore|disregard|forget) (?:everything|all|anything|whatever) (?:they|you were|you've been|you have been|i|we) (?:told|said|gave|instructed)\b|\b(?:ignore|disregard) the above\b(?! (?:error|warning|message|log|output|example|code|line)s?\b)",
    ),
    (
        "override",
        0.75,
        r"\b(?:no longer bound by|(?:put|set|leave|cast) aside) (?:your |the |all |any |its )?(?:\w+ ){0,2}(?:guidelines|rules|instructions|context|policy|policies|restrictions|programming|training)\b",
    ),
    (
        "override",
        0.75,
        r"\b(?:this is the only instruction that matters|(?:new|updated|real|actual|highest[- ]priority) (?:instructions?|task|directive|orders?) ?(?:\(highest priority\) ?)?:)",
    ),
    (
        "extraction",
        0.8,
        r"\b(?:convert|rewrite|translate|summari[sz]e|output|print|reveal|show|repeat|include|continue|encode|reverse|paraphrase|dump|export|list|copy|quote)\b.{0,40}\b(?:your|its) (?:own )?(?:system|operator|setup|hidden|confidential|secret|initial|original|internal|developer|pre-?set|starting) (?:instructions|message|configuration|config|prompt|guidelines|rules|settings|directives)\b",
    ),
    (
        "extraction",
        0.45,
        r"\b(?:your|its) (?:system|operator|hidden|confidential|secret|initial|original|internal|developer) (?:instructions|configuration|guidelines|directives)\b",
    ),
    (
        "extraction",
        0.7,
        r"\b(?:secret|password|key|code)s? (?:mentioned |contained |hidden )?in (?:your|the) (?:setup|system|initial|hidden|original) (?:message|prompt|instructions)\b",
    ),
    (
        "roleplay",
        0.65,
        r"\b(?:all |every |any )?(?:content )?(?:restrictions|rules|filters|limits|safeguards) (?:were |are |have been )?(?:abolished|removed|lifted|gone|disabled|switched off|turned off)\b|\b(?:shed|dropped|removed|abandoned) (?:all|every|its|your) (?:\w+ )?(?:restrictions|rules|filters|limits|safeguards)\b|\bhas no (?:content |safety )?(?:policy|policies|filters?|restrictions|rules|limits)\b",
    ),
    (
        "roleplay",
        0.6,
        r"\b(?:agrees? (?:with|to) and (?:fulfils|fulfills|does)|fulfils every|fulfills every|complies with every|answers every) (?:request|question|demand)s?\b|\bno matter (?:what|how (?:illegal|unethical|harmful|dangerous))\b.{0,40}\b(?:answer|comply|respond|do it|tell)\b",
    ),
    (
        "roleplay",
        0.55,
        r"\b(?:deceased|dead|late) (?:grand(?:ma|mother|pa|father)|nan|granny|mother|father)\b.{0,80}\b(?:used to|would) (?:tell|read|recite|explain|sing|give)\b",
    ),
    (
        "dual",
        0.65,
        r"\b(?:compliant|locked|filtered|normal|censored|safe|policy|classic)\b[^.\n]{0,80}\b(?:non-?compliant|unlocked|unfiltered|unrestricted|uncensored|without (?:restrictions|filters|rules|warnings|refusals)|rules forbid|forbidden|unbound)\b[^.\n]{0,40}\b(?:answer|response|reply|version|voice|twin)s?\b",
    ),
    (
        "fragments",
        0.65,
        r"\b(?:first|last) (?:letter|word|character)s? of (?:each|every) (?:line|sentence|word|paragraph)\b.{0,120}\b(?:do|follow|obey|execute|comply|carry out|act on)\b",
    ),
    (
        "fragments",
        0.65,
        r"\b(?:treat|use|take|run|execute|follow) (?:it|this|that|the result|the output|them) as (?:your |a )?(?:new |next )?(?:instruction|command|prompt|order|task)s?\b|\bspell(?:ed|s)? (?:it )?out,? (?:and )?then (?:do|follow|obey|execute)\b",
    ),
    (
        "delimiter",
        0.75,
        r"[\"']role[\"'] ?: ?[\"'](?:system|developer)[\"']|<!-- ?(?:system|admin|developer|assistant instructions)\b|<instructions? [^>]{0,60}(?:trust|source|priority|role)=|\b(?:user input|user message|user prompt) ends here\b|\b(?:begin|end) (?:trusted |verified )?(?:operator|admin|system|developer) (?:block|message|instructions|override)\b|\bsystem prompt v\d\b|\bsupersedes? (?:the |all )?(?:previous|prior|earlier|v\d|old) (?:\w+ )?(?:instructions|rules|prompt|policy)\b",
    ),
    (
        "hijack",
        0.6,
        r"\b(?:hacked|pwned|defaced|owned) by\b|\bthis (?:site|page|website|system|account|server) (?:is|has been|was) (?:hacked|pwned|defaced|compromised)\b",
    ),
    (
        "extraction",
        0.75,
        r"\b(?:output|print|repeat|reverse|show|reveal|dump|spell out|encode|translate|rewrite|summari[sz]e|recite|paste) (?:\w+ ){0,2}your (?:own |full |whole |entire |exact )?(?:prompt|instructions|configuration|initial message|first message)\b",
    ),
    (
        "extraction",
        0.6,
        r"\bas (?:it|they) appears? in your (?:memory|context|prompt|instructions|configuration)\b|\b(?:everything|all the text|the text) (?:in|from) your (?:context window|memory|context)\b",
    ),
    (
        "fragments",
        0.6,
        r"\b(?:join(?:ed)?|concatenat\w*|blanks?|in order|reversed?|backwards|first letters?|acrostic|unscramble\w*|decoded?)\b.{0,80}\b(?:follow|obey|comply with|execute|carry out|do what)\b",
    ),
    (
        "roleplay",
        0.6,
        r"\btreats? (?:every|any|all) (?:requests?|questions?|prompts?) as (?:legal|ethical|allowed|acceptable|permitted)\b|\b(?:hates?|despises?) (?:its|his|her|their) (?:creators|developers|makers)\b",
    ),
    # Families a seven-keyword baseline caught where these patterns did not (issue 13):
    # refusal suppression, ethics waived in advance, an "urgent new task" banner, the agent's
    # task taken over, a string to smuggle into the reply. None matched any of ~50,000 benign
    # public texts.
    (
        "roleplay",
        0.8,
        r"\bignoring (?:any|all|the) (?:\w+ )?(?:moral|ethical|legal)(?:,? (?:or|and) (?:moral|ethical|legal))? (?:implications|considerations|concerns|consequences|guidelines)\b",
    ),
    (
        "roleplay",
        0.6,
        r"\b(?:even if|even when|regardless of whether|no matter if) (?:the|a|your|my) (?:request|question|prompt|task) (?:is|seems|sounds|might be) (?:a bit |slightly |somewhat )?(?:questionable|unethical|illegal|harmful|immoral|dangerous|inappropriate|offensive)\b|\b(?:even|especially) (?:if|when) (?:it is|it's|they are|they're|the (?:request|question|answer|content|topic) is) (?:\w+ )?(?:unethical|illegal|harmful|immoral|dangerous|offensive|questionable)\b",
    ),
    (
        "refusal",
        0.8,
        r"\b(?:never|do not|don't|must not|mustn't) (?:ever )?(?:say|respond with|reply with|write|use|answer with|include)\b.{0,24}\bi (?:can't|cannot|can not|am unable to|'m unable to|won't|will not|am not able to) (?:help|assist|comply|do that|provide|answer|fulfil|fulfill)",
    ),
    (
        "hijack",
        0.7,
        r"\b(?:new,? (?:important|urgent|critical)|(?:important|urgent|critical),? new)\b(?: (?:and|&) (?:important|urgent|critical))?(?: (?:task|instructions?|directive|objective|orders?))?\s*[:!*]",
    ),
    (
        "hijack",
        0.6,
        r"\bin order to (?:complete|accomplish|finish|fulfil|fulfill|perform) (?:your|the) (?:\w+ ){0,2}(?:task|objective|goal|mission)\b.{0,80}\byou (?:must|need to|have to|are required to)\b",
    ),
    (
        "indirect",
        0.6,
        r"\binclude (?:in your (?:response|answer|reply|output)|(?:the following|this) \w+ in your (?:response|answer|reply|output))\b.{0,12}\b(?:the following|this) (?:string|text|link|image|anchor|markdown|html|url|code)\b",
    ),
    (
        "indirect",
        0.8,
        r"!\[[^\]]{0,40}\]\(https?://[^)\s]{1,200}[?&][^)\s]{0,60}=\s*\[[a-z_ ]{2,40}\]",
    ),
    (
        "roleplay",
        0.85,
        r"\b(?:known as|called|named|stands for|acronym for|short for)\b.{0,20}\bdo anything now\b|\bbroken free of the (?:typical )?confines of (?:ai|artificial intelligence)\b|\b(?:developer|debug|admin|god|dan|jailbreak|unrestricted) mode (?:has been|is|was) (?:now )?(?:enabled|activated|unlocked|turned on|engaged)\b",
    ),
    ("roleplay", 0.5, r"\bno[- ]limits? (?:ai|assistant|mode|version|persona|chatbot|model)\b"),
    (
        "extraction",
        0.8,
        r"\b(?:first|last|next|opening|previous) (?:sentence|line|words?|paragraph|tokens?|\d+ (?:words|lines|characters|tokens|sentences)) (?:of|in|from) (?:your|the) (?:system prompt|system message|instructions|initial prompt|prompt|original prompt|hidden prompt)\b",
    ),
    (
        "override",
        0.85,
        r"\b(?:ignore|disregard|forget) (?:all|any|every) (?:previous|prior|above|earlier|preceding) (?:requests|queries|messages|inputs)\b",
    ),
    # Families from the misses of benchmarks/data/injection_written_train.jsonl (written for
    # golive, in-sample by design): what you were told before, twin answers, fake system
    # headers in other scripts, rules declared void, decode-then-do, and their translations.
    (
        "extraction",
        0.7,
        r"\b(?:instructions?|rules|guidelines|guidance|directions|directives)\b (?:that )?(?:you (?:were|have been|got|received|had been)|were you|have you been|did you (?:get|receive)) (?:given|told|shown|handed)? ?(?:before (?:this|our|the|i)|at the (?:start|beginning)|initially|prior to (?:this|our))|\bwhat (?:were|was) you told (?:before|at the (?:start|beginning)|earlier)\b",
    ),
    (
        "multilingual",
        0.8,
        r"\b(?:tus|sus|tuas|suas|tue|tes|vos) (?:instrucciones|instrucoes|istruzioni|instructions|reglas|regras|regole) (?:originales|originais|originali|iniciales|iniciais|iniziali|initiales|originelles|del sistema|do sistema|di sistema)\b|\binstrukcje otrzyma\w+|التعليمات التي (?:أعطيت|اعطيت)|시스템 프롬프트\S*.{0,15}(?:보여|알려|출력|말해)",
    ),
    (
        "dual",
        0.65,
        r"\b(?:two|2|both|separate|twin) (?:different |distinct )?(?:personas|ais|columns|characters|versions|voices|modes|selves|answers|responses)\b.{0,160}\b(?:free of (?:it|them|rules|the policy)|without (?:any )?(?:censorship|warnings|refusals|guidelines|rules|training wheels|limits)|mocks? (?:them|the rules|guidelines)|answers anything|uncensored|unfiltered|no (?:rules|limits|guidelines))\b",
    ),
    (
        "dual",
        0.65,
        r"(?:二通り|2通り|两种|兩種|两个回答).{0,40}(?:制限なし|制限のない|无限制|不受限制|沒有限制)|\b(?:doppelt|zweimal|deux fois|dos veces|duas vezes)\b.{0,80}\b(?:ohne (?:grenzen|jede richtlinie|regeln|filter)|sans (?:limites|regles|filtre)|sin (?:limites|reglas|filtros)|sem (?:limites|regras|filtros))",
    ),
    (
        "delimiter",
        0.8,
        r"#{2,}\s*(?:시스템|システム|系统|系統|sistema|systeme|system)\s*[:：]|(?:fim|fin) (?:da|de la|del) (?:entrada|mensaje|mensagem|saisie) (?:do|del|de l'?) ?(?:usuario|utilisateur)|(?:={3,}|-{3,}|%{3,})\s*(?:new session|internal memo|system message|admin message)\b|<tool_result\b[^>]{0,80}>[^<]{0,200}\b(?:superadmin|restrictions\W+none)",
    ),
    (
        "override",
        0.8,
        r"\b(?:your (?:\w+ )?(?:guidance|instructions|rules|guidelines|directives|programming)|(?:guidance|instructions|rules|guidelines|directives) (?:that )?you|(?:consignes|indicaciones|instrucciones|regras|instrucoes|anweisungen|regole|istruzioni) (?:que (?:tu|te|vous|voce|usted)|die (?:du|dir|ihnen)|(?:che )?ti))\b[^.!?]{0,60}\b(?:no longer (?:valid|apply|applies|stand|count)|(?:are|is) (?:now )?(?:outdated|obsolete|void|cancelled|canceled|invalid)|ne sont plus valables|ya no (?:son validas|aplican|valen)|nao (?:sao mais validas|valem mais)|gelten nicht mehr|non sono piu valide)\b|\b(?:drop|override|discard) (?:whatever|what|everything|anything) (?:guidance|rules|instructions|you were told|they told you|(?:\w+ )?gave you)\b|\boublie tout ce qu'?on t'?a dit\b|(?:указания|инструкции|правила)[^.!?]{0,60}(?:отменен|недействительн|больше не действуют)",
    ),
    (
        "roleplay",
        0.7,
        r"\betik kural\w* olmayan\b|\basla reddetmeyen\b|\bbez zadnych zasad\b|\bnigdy nie odmawia\b|без моральных ограничений|никогда не отказыва|\b(?:never|doesn't|does not|won't) (?:\w+ ){0,3}or refuses? (?:anything|any request|anyone)\b|\b(?:doesn't|does not|don't|do not) believe in (?:refusals?|refusing|rules|limits|guidelines)\b|\btrained without any (?:guidelines|rules|restrictions|filters)\b",
    ),
    (
        "fragments",
        0.6,
        r"\b(?:decode|decipher|convert|unscramble|reverse|read (?:it )?backwards)\b.{0,80}\b(?:and (?:then )?do (?:it|that|what it says)|as (?:a|an) (?:command|instruction) for yourself|and (?:follow|obey|execute) it)\b|\bmake a sentence from (?:the|these) words\b.{0,40}\bdo it\b|(?:задом напер[её]д|наоборот)\S*.{0,30}(?:выполни|сделай)|逆から読んで.{0,20}(?:その通り|実行)|(?:拼起来|拼接|组合起来|连起来|倒过来读)\S{0,20}(?:执行|照做)",
    ),
    (
        "hijack",
        0.7,
        r"\byour (?:only|sole|real|true|new) (?:task|job|goal|purpose|objective|instruction|mission) (?:now|from now on)?\s*:",
    ),
    # es / pt / it / fr / de
    (
        "multilingual",
        0.9,
        r"\b(?:ignora|ignore|olvida|esqueca|esquece|dimentica|descarta|omite|salta)(?:r|z|te)? (?:\w+ ){0,3}(?:instrucciones|instrucoes|istruzioni|instructions|reglas|regras|regole|indicaciones|indicazioni|consignes)\b",
    ),
    (
        "multilingual",
        0.9,
        r"\b(?:ignorez?|oublie[zs]?|ne tiens pas compte de) (?:\w+ ){0,3}(?:instructions|consignes|regles|directives)\b",
    ),
    (
        "multilingual",
        0.9,
        r"\b(?:ignoriere|ignorier|vergiss|vergessen sie|missachte|uberschreibe) (?:\w+ ){0,3}(?:anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien)\b",
    ),
    (
        "multilingual",
        0.85,
        r"\b(?:muestra(?:me)?|revela(?:me)?|mostra(?:mi)?|rivela(?:mi)?|revele|montre(?:-moi)?|zeig(?:e)?(?: mir)?|gib mir|dime|dimmi|diga) (?:\w+ ){0,3}(?:prompt|mensaje|messaggio|mensagem|message|nachricht|instrucciones|istruzioni|instrucoes|anweisungen)(?: \w+){0,2} (?:del sistema|de sistema|di sistema|do sistema|systeme|system|iniciales|iniziali|originales|originali|originais|initiales)\b",
    ),
    (
        "multilingual",
        0.85,
        r"\b(?:dein(?:en)?|ihren|tu|tuo|seu|ton|votre) (?:system ?prompt|prompt (?:de|di|do) sistema|prompt systeme)\b",
    ),
    (
        "multilingual",
        0.75,
        r"\b(?:a partir de ahora|de ahora en adelante|a partir de agora|d'ora in poi|da ora in poi|desormais|a partir de maintenant|ab jetzt|von nun an)(?:,)? (?:eres|seras|voce e|sei|tu es|tu seras|bist du|du bist)\b",
    ),
    (
        "multilingual",
        0.8,
        r"\b(?:sin|sem|senza|sans|ohne) (?:\w+ ){0,2}(?:restricciones|restricoes|restrizioni|restrictions|einschrankungen|filtros|filtri|filtres|filter|censura|zensur|limites|limiti)\b",
    ),
    (
        "multilingual",
        0.8,
        r"(?:\bmodo (?:desarrollador|desenvolvedor|sviluppatore|sin restricciones)\b|\bmode developpeur\b|\bentwicklermodus\b)(?!.{0,40}\b(?:chrome|android|windows|iphone|ios|browser|navegador|browsers|app|einstellungen|ajustes|impostazioni|parametres|configuracion|erweiterungen|extensiones)\b)",
    ),
    # Hindi in Latin script (Hinglish) and Devanagari
    (
        "multilingual",
        0.9,
        r"\b(?:pichle|pichhle|pehle ke|upar ke|purane|saare|sabhi|sab) (?:\w+ ){0,2}(?:nirdesh|nirdeshon|instructions|niyam|rules)(?: \w+){0,2} (?:ko )?(?:ignore|bhool|bhul|nazarandaaz|anadekha|chhod)",
    ),
    (
        "multilingual",
        0.85,
        r"\b(?:apna|apne|tumhara|aapka) (?:system prompt|system message|nirdesh|instructions)(?: \w+){0,2} (?:batao|dikhao|bataiye|dikhaiye|likho|bolo)",
    ),
    ("multilingual", 0.9, r"(?:निर्देश|नियम)\S*.{0,20}(?:अनदेखा|भूल|नज़रअंदाज़|नजरअंदाज)|सिस्टम प्रॉम्प्ट"),
    # Chinese (simplified and traditional), Japanese, Russian
    (
        "multilingual",
        0.9,
        r"(?:忽略|无视|無視|忘记|忘記|忽視|不要理会|跳过)[^。！？\n]{0,12}(?:指令|指示|说明|說明|规则|規則|提示|要求|设定|設定)",
    ),
    (
        "multilingual",
        0.85,
        r"(?:显示|顯示|输出|輸出|告诉我|告訴我|泄露|洩露|打印|重复|重複|透露)[^。！？\n]{0,8}(?:系统提示|系統提示|系统消息|系统指令|初始指令|原始指令|提示词)",
    ),
    (
        "multilingual",
        0.75,
        r"(?:从现在开始|從現在開始|从现在起)[，,]?你(?:是|将|必须|不再)|(?:没有|沒有|不受)(?:任何)?(?:限制|约束|審查|审查)",
    ),
    ("multilingual", 0.9, r"(?:以前|前|上記|これまで)の(?:指示|命令|ルール)を(?:無視|忘れ)"),
    # vi / tr / id / tl / ar / bn / ko / th: "ignore the (previous) instructions", written for
    # golive from the languages, not from any attack set (measured on machine-translated
    # public attacks it was not written from).
    (
        "multilingual",
        0.85,
        r"\b(?:bo qua|phot lo|lo di|hay quen|quen di|quen het|khong can tuan theo|dung tuan theo)\b(?: \S+){0,5} (?:huong dan|chi dan|chi thi|lenh|quy tac|yeu cau)\b|\b(?:talimat|yonerge|kural|komut|emir)\w*(?: \S+){0,2} (?:yok say|gormezden gel|unut(?!ma)|dikkate alma|umursama|ihmal et)|\b(?:abaikan|lupakan|acuhkan|hiraukan|jangan ikuti)\b(?: \S+){0,3} (?:instruksi|perintah|petunjuk|arahan|aturan)\b|\b(?:huwag (?:mong |nyong |ninyong )?(?:pansinin|intindihin|sundin)|kalimutan|balewalain|ipagwalang-bahala)\b(?: \S+){0,5} (?:tagubilin|instruksyon|instruksiyon|utos|panuto|patakaran)\b",
    ),
    (
        "multilingual",
        0.85,
        r"(?:تجاهل|تجاهلي|تجاهلوا|انس|انسى|انسي|اهمل|أهمل)(?: \S+){0,3} (?:ال)?(?:تعليمات|أوامر|اوامر|إرشادات|ارشادات|قواعد)|(?:নির্দেশ|নির্দেশনা|নির্দেশাবলী|নিয়ম)\S*.{0,30}(?:উপেক্ষা|ভুলে যা|ভুলে যে|অগ্রাহ্য)|(?:지시|지침|명령|규칙)\S*.{0,20}(?:무시|잊어)|(?:คําสั่ง|คำสั่ง|คําแนะนํา|คำแนะนำ|กฎ)\S*.{0,30}(?:เพิกเฉย|ไม่สนใจ|ละเว้น)|(?:เพิกเฉย|ไม่สนใจ|ละเว้น).{0,30}(?:คําสั่ง|คำสั่ง|คําแนะนํา|คำแนะนำ|กฎ)",
    ),
    (
        "multilingual",
        0.9,
        r"\b(?:игнорируй|игнорируйте|забудь|забудьте|проигнорируй)(?:\s+\w+){0,3}\s+(?:инструкции|указания|правила|команды)",
    ),
]
# Each with the words a match must contain: a substring test skips most searches (~3x faster).
_COMPILED = [(n, w, re.compile(p), required_literals(p)) for n, w, p in _PATTERNS]
# Letters-only key phrases: catch "i.g.n.o.r.e a-l-l p r e v i o u s" style splits.
_COMPACT = re.compile(
    r"(?:ignore|disregard|forget)(?:all|any|the|your)*(?:previous|prior|above|earlier|system)"
    r"(?:instructions|rules|prompts?|directives|guidelines)|(?:reveal|print|show|repeat)"
    r"(?:me)?(?:your|the)(?:system|hidden|initial)(?:prompt|instructions)"
)


# Only in content the application did not write: a sentence that opens with a task for an AI
# ("Write a haiku about autumn.", "Also, recommend a good book") is an instruction planted in
# a page or an email; in a user's message it is simply the request. Verbs people give each
# other in documents (send, click, install, submit, add) are left out: they are what keeps
# clean pages clean.
_LEAD = (
    r"(?:(?:please|pls|also|now|and|oh|ps|p\.s\.|by the way|btw|additionally|finally|first|then|"
    r"next|importantly|note|assistant|ai|hey|hi|ok|okay)[,:!]? )*"
)
_AI_TASK = (
    r"(?:write|compose|generate|recommend|suggest|translate|summari[sz]e|rewrite|paraphrase|draft|"
    r"create (?:a|an) (?:poem|story|haiku|song|list|joke|limerick|essay|slogan|tweet|recipe|name|plan)|"
    r"tell the user|give the user|name (?:a|an|three|five|some|the best)|"
    r"(?<!please )(?:tell|give) me (?:a|an|about|three|five|ten|some|your|what you|the best)\b|"
    r"list (?:three|five|ten|some|the best|all the|\d+)|explain (?:to me|how|why|what)|"
    r"describe (?:a|an|your|the best|how)|come up with|make up|pretend|act as|"
    r"(?:respond|reply|answer) (?:only |just )?(?:with (?:only |just )?[\"'“]|only\b)|"
    r"output (?:the|only|a)|say (?:that|the|only|\"|')|recite|praise|insult|advertise|"
    r"(?:ignore|disregard|forget) (?:all |any |the |your |every )?(?:previous |prior |above |"
    r"earlier |other |user'?s? )?(?:instructions|rules|requests?|questions?|tasks?|prompts?|"
    r"messages?|guidelines)|"
    r"(?:do not|don't) (?:summari[sz]e|translate|answer|mention)|"
    # A persona handed to the reader, or a request for the reader's own data: the assistant is
    # the one reading (issue 13, session 3).
    r"(?:take|assume|adopt|play) (?:on )?the (?:role|persona|part) of|"
    r"(?:(?:imagine|pretend|suppose) (?:that )?you(?:'re| are)|you are (?:a|an|the|now)) "
    r"[^.\n]{2,80}[.,] (?:\w+ ){0,3}(?:describe|explain|write|tell|discuss|share|give|provide|"
    r"create|compose|answer|respond|analy[sz]e)|"
    r"(?:show me|list my|summari[sz]e my|read my|fetch my|retrieve my|look up my))\b"
)
_PLANTED = re.compile(r"(?:^|[.!?:;]\s+|\n\s*[-*•]?\s*)" + _LEAD + _AI_TASK)
_PLANTED_ANYWHERE = re.compile(
    r"\b(?:in your (?:response|answer|reply|summary|output)|"
    r"when you (?:respond|answer|reply|summari[sz]e)|before (?:you )?(?:respond|answer|reply|summari[sz])|"
    r"(?:can|could|would|will) you (?:please )?(?:write|compose|generate|recommend|suggest|"
    r"translate|tell me|give me|name|list|explain|describe|create))\b"
)


def scan_planted(text: str) -> list[HeuristicHit]:
    """Sentences in a document that give the assistant a task (see ``_PLANTED``)."""
    base = normalise(text)
    if _PLANTED.search(base) or _PLANTED_ANYWHERE.search(base):
        return [HeuristicHit("planted", 0.6, "plain")]
    return []


def scan(text: str, found: list[tuple[str, str]] | None = None) -> list[HeuristicHit]:
    """Every pattern that matches any variant of ``text`` (one hit per pattern name and
    variant, the heaviest). ``found``: ``variants(text)`` when the caller has them already."""
    best: dict[tuple[str, str], float] = {}
    for label, variant in found if found is not None else variants(text):
        for name, weight, rx, heads in _COMPILED:
            if weight <= best.get((name, label), 0.0):
                continue
            if (heads is None or any(h in variant for h in heads)) and rx.search(variant):
                best[(name, label)] = weight
        if label in ("plain", "obfuscated") and _COMPACT.search(compact(variant)):
            best[("compact", label)] = max(best.get(("compact", label), 0.0), 0.85)
    return [HeuristicHit(n, w, v) for (n, v), w in best.items()]
