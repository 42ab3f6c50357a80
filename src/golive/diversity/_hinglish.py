"""English support questions rewritten as Hinglish: Hindi grammar in Latin script around the
English nouns and verbs, the way Indian users text ("How do I reset my password?" →
"apna password reset kaise karu?").

A small phrase grammar, not a translator: a few templates for the question shapes support
users write (how do I…, can I…, do you…, what is…, my X is not …ing), noun phrases turned
into Hindi order (possessives agreeing with their noun, prepositions become postpositions,
"A of B" → "B ka A"), and a word-level fallback for sentences no template fits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FEMININE", "Hinglish", "is_verb", "to_hinglish"]

_LONG = 300  # longer sentences get the word-level fallback only: templates are for questions

_POSTPOSITIONS = {
    "on": "pe", "in": "mein", "into": "mein", "to": "mein", "for": "ke liye", "from": "se",
    "with": "ke saath", "between": "ke beech", "without": "ke bina", "about": "ke baare mein",
    "at": "pe", "as": "ke taur pe", "during": "ke dauraan", "by": "se", "via": "se",
    "through": "se", "within": "ke andar", "under": "ke neeche", "instead of": "ki jagah",
    "after": "ke baad", "before": "se pehle",
}  # fmt: skip
_CLAUSE_LINKS = {"after": "ke baad", "before": "se pehle"}  # "after I delete X"
_POSSESSIVES = {
    "my": "mer", "your": "aapk", "our": "hamar", "his": "usk", "her": "usk", "their": "unk",
}  # fmt: skip
_WORDS = {
    "and": "aur", "or": "ya", "but": "lekin", "not": "nahi", "also": "bhi", "because": "kyunki",
    "very": "bahut", "only": "sirf", "again": "phir se", "twice": "do baar", "once": "ek baar",
    "all": "saare", "every": "har", "some": "kuch", "any": "koi", "it": "ise", "them": "unhe",
    "me": "mujhe", "still": "abhi bhi", "already": "pehle se", "here": "yahan", "yes": "haan",
    "no": "nahi", "mistake": "galti",
}  # fmt: skip


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DROP = frozenset({"the", "a", "an"})
# Words after a noun that are not its head ("my notes offline").
_ADVERBS = _wordset("offline online again too also only now here there please together")
_TO_PE = _wordset("phone email number address account device laptop app card")
_TIME = {
    "today": "aaj", "tomorrow": "kal", "yesterday": "kal", "tonight": "aaj raat", "now": "abhi",
    "this month": "is month", "last month": "pichhle month", "next month": "agle month",
    "this week": "is hafte", "this year": "is saal", "every time": "har baar",
    "right now": "abhi", "by mistake": "galti se",
}  # fmt: skip
_FEMININE = _wordset(
    "subscription app email id payment call list setting website photo recipe battery sim "
    "delivery booking request query team information file"
)
_PHRASAL = {
    ("turn", "on"): "on", ("turn", "off"): "off", ("sign", "in"): "sign in",
    ("log", "in"): "login", ("sign", "up"): "sign up", ("set", "up"): "set up",
    ("get", "into"): "access", ("log", "into"): "login", ("ask", "for"): "request",
    ("pay", "for"): "pay", ("sign", "out"): "sign out", ("log", "out"): "logout",
}  # fmt: skip
# English verbs a Hinglish speaker says in Hindi: (stem, 1sg subjunctive, imperative).
_HINDI_VERBS = {
    "keep": ("rakh", "rakhu", "rakho"), "write": ("likh", "likhu", "likho"),
    "send": ("bhej", "bheju", "bhejo"), "tell": ("bata", "bataun", "batao"),
    "show": ("dikha", "dikhaun", "dikhao"), "give": ("de", "dun", "do"),
    "find": ("dhoondh", "dhoondhu", "dhoondho"),
}  # fmt: skip
_VERBS = _wordset(
    "crash fail freeze hang load work charge store locate host save sync delete update "
    "upgrade change expire renew stop start break show open close log sign keep lose "
    "forget pay receive bill cancel refund reset restore export import download upload "
    "install use add remove create read write send get find see try call contact access "
    "accept ask explain understand print share invite verify check fix block transfer "
    "move train offer support guarantee need want happen ignore reveal give tell make "
    "help turn set enable disable connect link edit recover backup report request reply "
    "translate summarize summarise list process approve decline deny charge disappear "
    "appear respond return buy order type enter"
)
_IRREGULAR = {
    "kept": "keep", "lost": "lose", "paid": "pay", "sent": "send", "bought": "buy", "got": "get",
    "forgot": "forget", "broke": "break", "broken": "break", "made": "make", "gave": "give",
    "told": "tell", "wrote": "write", "written": "write", "shown": "show", "set": "set",
}  # fmt: skip
_INTRANSITIVE = _wordset("crash fail freeze hang load stop close break expire renew sync")


@dataclass
class Hinglish:
    """Rewriting state for one text: the rng's choices and which templates fired."""

    rng: random.Random
    reflexive: bool  # "apna password" (my own) rather than "mera password"
    used: list[str] = field(default_factory=list)

    # -- noun phrases ---------------------------------------------------------------------

    def np(self, words: list[str], oblique: bool = False, subject_i: bool = False) -> str:
        """A noun phrase in Hindi order: "the size of my file" → "meri file ka size"."""
        low = [_norm(w) for w in words]
        for k in range(1, len(low) - 1):  # "a note I deleted by mistake"
            if low[k] == "i" and (low[k + 1].endswith("ed") or low[k + 1] in _IRREGULAR):
                verb, rest = _lemma(low[k + 1]), words[k + 2 :]
                return _join(self.np(rest), verb, "kiya hua", self.np(words[:k], oblique))
        for joint, link in (("of", "k"), ("with", "wala"), ("from", "se aaye")):
            if joint in low[1:]:
                i = low.index(joint, 1)
                head, rest = words[:i], words[i + 1 :]
                if link != "k":
                    return f"{self.np(rest, True, subject_i)} {link} {self.np(head, oblique)}"
                ending = _ending(head, oblique)
                return f"{self.np(rest, True, subject_i)} k{ending} {self.np(head, oblique)}"
        out: list[str] = []
        for i, (word, lw) in enumerate(zip(words, low, strict=True)):
            if lw in _DROP:
                continue
            if lw in _POSSESSIVES:
                stem = "apn" if lw == "my" and subject_i and self.reflexive else _POSSESSIVES[lw]
                following = words[i + 1 :]
                owner_obl = any(_norm(w).endswith("'s") for w in following)
                out.append(stem + _ending(following, oblique or owner_obl))
            elif lw.endswith("'s") and len(lw) > 2:
                out.append(f"{word[:-2]} {'ke' if oblique else 'ka'}")
            elif lw in ("this", "these", "that", "those"):
                out.append(("is" if lw == "this" else "in") if oblique else "yeh")
            elif lw in _WORDS:
                out.append(_WORDS[lw])
            else:
                out.append(word)
        return " ".join(out)

    # -- verb phrases ---------------------------------------------------------------------

    def vp(self, words: list[str], subject_i: bool = True) -> tuple[str, str]:
        """(what comes before the verb, the verb) of an English verb phrase:
        "change the email on my account" → ("apne account pe email", "change")."""
        if not words:
            return "", ""
        verb, rest = _norm(words[0]), words[1:]
        if rest and (verb, _norm(rest[0])) in _PHRASAL:
            verb, rest = _PHRASAL[(verb, _norm(rest[0]))], rest[1:]
        elif verb not in _VERBS:
            verb = words[0]  # unknown: keep it as written (a known verb loses a capital)
        elif verb in ("reply", "respond", "answer") and rest and _norm(rest[0]) == "only":
            rest = [w for w in rest if _norm(w) != "with"]  # "reply only with X": X is said
        return self.chunks(rest, subject_i), verb

    def chunks(self, words: list[str], subject_i: bool = True) -> str:
        """Objects and prepositional phrases, postpositions after their nouns, time first."""
        front: list[str] = []
        words = self._pull_time(words, front)
        obj: list[str] = []
        pps: list[str] = []
        i = 0
        current: list[str] = obj
        groups: list[tuple[str, list[str]]] = []
        while i < len(words):
            lw = _norm(words[i])
            two = f"{lw} {_norm(words[i + 1])}" if i + 1 < len(words) else ""
            if two == "every time" and i + 2 < len(words) and _norm(words[i + 2]) == "i":
                current = []
                groups.append(("whenever-clause", current))
                i += 3
                continue
            if two == "instead of":
                current = []
                groups.append(("instead of", current))
                i += 2
                continue
            if lw == "to" and i + 1 < len(words) and _norm(words[i + 1]) in _VERBS:
                current = []
                groups.append(("to-verb", current))
            elif lw in _CLAUSE_LINKS and i + 1 < len(words) and _norm(words[i + 1]) == "i":
                current = []
                groups.append((lw + "-clause", current))
                i += 1  # the "I"
            elif lw in ("when", "if") and i + 1 < len(words) and _norm(words[i + 1]) == "i":
                current = []
                groups.append((lw + "-clause", current))
                i += 1
            elif lw in _POSTPOSITIONS:
                current = []
                groups.append((lw, current))
            else:
                current.append(words[i])
            i += 1
        for prep, group in groups:
            if prep == "to-verb":
                pre, verb = self.vp(group, subject_i)
                pps.append(_join(pre, _form(verb, "karne"), "ke liye"))
            elif prep.endswith("-clause"):
                pre, verb = self.vp(group)
                link = prep.removesuffix("-clause")
                if link in _CLAUSE_LINKS:
                    front.append(_join(pre, _form(verb, "karne"), _CLAUSE_LINKS[link]))
                elif link in ("when", "whenever"):
                    when = "jab bhi" if link == "whenever" else "jab"
                    front.append(_join(when, "main", pre, _form(verb, "karta hoon") + ","))
                else:
                    word = "jab" if link == "when" else "agar"
                    front.append(_join(word, "main", pre, _form(verb, "karu"), "toh"))
            elif group:
                post = _POSTPOSITIONS[prep]
                if prep == "to" and any(_norm(w) in _TO_PE for w in group):
                    post = "pe"
                pps.append(_join(self.np(group, True, subject_i), post))
        return _join(*front, *pps, self.np(obj, False, subject_i))

    def _pull_time(self, words: list[str], front: list[str]) -> list[str]:
        kept: list[str] = []
        i = 0
        while i < len(words):
            two = f"{_norm(words[i])} {_norm(words[i + 1])}" if i + 1 < len(words) else ""
            if two == "every time" and i + 2 < len(words) and _norm(words[i + 2]) == "i":
                kept.append(words[i])  # a clause, "every time I start it": chunks() takes it
                i += 1
            elif two in _TIME:
                front.append(_TIME[two])
                i += 2
            elif _norm(words[i]) in _TIME:
                front.append(_TIME[_norm(words[i])])
                i += 1
            else:
                kept.append(words[i])
                i += 1
        return kept

    # -- sentences ------------------------------------------------------------------------

    def sentence(self, body: str) -> str | None:
        """``body`` (no end punctuation) in Hinglish, or None when no template fits."""
        if len(body) > _LONG:
            return None
        for name, pattern, render in _TEMPLATES:
            if name != "if_i" and (", " in body or " and I " in body):  # one clause at a time
                continue
            m = pattern.match(body)
            if m is None:
                continue
            if any(v and not v.split() for v in m.groupdict().values()):
                continue  # a group of only whitespace: nothing to rewrite around
            groups = {k: (v or "").split() for k, v in m.groupdict().items()}
            out = render(self, groups)
            if out is not None:
                self.used.append(name)
                return out
        return None

    def pick(self, *options: str) -> str:
        return options[self.rng.randrange(len(options))]


def _norm(word: str) -> str:
    return word.lower().strip(',;:"()').replace("’", "'")


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _plural(word: str) -> bool:
    w = _norm(word)
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s"))


def _ending(words: list[str], oblique: bool) -> str:
    """Possessive ending agreeing with the phrase's head noun: a (masc.), i (fem.), e."""
    heads = [w for w in map(_norm, words) if w not in _ADVERBS]
    head = heads[-1] if heads else ""
    if head in _FEMININE:
        return "i"
    return "e" if oblique or _plural(head) else "a"


def is_verb(word: str) -> bool:
    """Whether ``word`` is (an inflection of) an English verb support users write."""
    return _lemma(word) in _VERBS


FEMININE = _FEMININE
"""English loanwords Hinglish speakers treat as feminine ("meri subscription")."""


def _lemma(word: str) -> str:
    """Base form of an inflected verb: syncing → sync, deleted → delete, crashes → crash."""
    w = _norm(word)
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) > len(suffix) + 1:
            stem = w[: -len(suffix)]
            if stem + "e" in _VERBS and suffix in ("ing", "ed"):
                return stem + "e"
            if stem in _VERBS:
                return stem
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in _VERBS:
                return stem[:-1]
            if suffix == "ing":
                return stem
    return w


def _form(verb: str, form: str) -> str:
    """The verb with a Hindi ending: a Hindi verb conjugated, an English one + kar-."""
    hindi = _HINDI_VERBS.get(_norm(verb))
    if hindi is not None:
        stem, first, imperative = hindi
        return {"karu": first, "karo": imperative}.get(form, stem + form.removeprefix("kar"))
    return f"{verb} {form}"


# -- templates: (name, pattern, render(state, groups) -> text | None) -------------------------

Render = Callable[[Hinglish, dict[str, list[str]]], "str | None"]
_TEMPLATES: list[tuple[str, re.Pattern[str], Render]] = []


def _template(name: str, pattern: str) -> Callable[[Render], Render]:
    def wrap(render: Render) -> Render:
        _TEMPLATES.append((name, re.compile(pattern, re.IGNORECASE), render))
        return render

    return wrap


@_template("if_i", r"^if i (?P<vp>[^,]+), (?P<main>.+)$")
def _if_i(h: Hinglish, g: dict[str, list[str]]) -> str | None:
    main = h.sentence(" ".join(g["main"]))
    if main is None:
        return None
    pre, verb = h.vp(g["vp"])
    return _join("agar main", pre, _form(verb, "karu") + ",", "toh", main)


@_template("how_am_i", r"^how (?:am|will) i (?:be )?(?P<v>\w+ed)$")
def _how_am_i(h: Hinglish, g: dict[str, list[str]]) -> str:
    return f"mujhe kaise {_lemma(g['v'][0])} kiya jayega"


@_template("how_get", r"^how (?:do|can|could) i get (?!into\b)(?P<np>.+)$")
def _how_get(h: Hinglish, g: dict[str, list[str]]) -> str:
    return f"{h.chunks(g['np'])} kaise milega"


@_template("how_do_i", r"^how (?:do|can|could|should|would) i (?P<vp>.+)$")
def _how_do_i(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"])
    if _norm(verb) in _HINDI_VERBS:
        return _join(pre, "kaise", _form(verb, "karu"))
    ending = h.pick("kaise karu", "kaise karun", "kaise kar sakta hoon", "kaise karte hain")
    return _join(pre, verb, ending)


@_template("where_i", r"^where (?:can|do|should) i (?P<vp>.+)$")
def _where_i(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"])
    if _norm(verb) == "find":
        return f"{pre} kahan milega"
    return _join(pre, "kahan se", _form(verb, "karu"))


@_template("can_i", r"^(?:can|could|may) i (?P<vp>.+)$")
def _can_i(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"])
    return _join("kya main", pre, _form(verb, "kar sakta hoon"))


@_template("can_you", r"^(?:can|could|would|will) you (?:please )?(?P<vp>.+)$")
def _can_you(h: Hinglish, g: dict[str, list[str]]) -> str:
    vp = g["vp"]
    if len(vp) > 1 and _norm(vp[0]) == "help" and _norm(vp[1]) == "with":
        return _join("kya aap", h.np(vp[2:], True), "mein help kar sakte ho")
    pre, verb = h.vp(vp, subject_i=False)
    return _join("kya aap", pre, _form(verb, "kar sakte ho"))


@_template("what_do_you", r"^what (?P<np>.+?) do you (?P<vp>.+)$")
def _what_do_you(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"], subject_i=False)
    which = "kaun se" if _plural(g["np"][-1]) else "kaun sa"
    return _join("aap", pre, which, h.np(g["np"]), _form(verb, "karte ho"))


@_template("do_you", r"^do you (?P<vp>.+)$")
def _do_you(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"], subject_i=False)
    return _join("kya aap", pre, _form(verb, "karte ho"))


@_template("what_like", r"^what(?:'s| is| will) (?P<np>.+?) (?:going to be|be) like(?P<rest>.*)$")
def _what_like(h: Hinglish, g: dict[str, list[str]]) -> str:
    return _join(h.chunks(g["rest"]), h.np(g["np"]), "kaisa rahega")


@_template("what_happens", r"^what happens (?:when|if) (?P<clause>.+)$")
def _what_happens(h: Hinglish, g: dict[str, list[str]]) -> str | None:
    clause = _clause(h, g["clause"])
    return None if clause is None else f"agar {clause} toh kya hota hai"


@_template("what_do_i_do", r"^what (?:should|do|can|shall) i do(?: now)?$")
def _what_do_i_do(h: Hinglish, g: dict[str, list[str]]) -> str:
    return h.pick("ab kya karu", "kya karna chahiye", "main kya karu")


@_template("what_is", r"^what(?:'s| is| are) (?P<np>.+)$")
def _what_is(h: Hinglish, g: dict[str, list[str]]) -> str:
    are = "hain" if _plural(g["np"][-1]) else "hai"
    return f"{h.np(g['np'])} kya {are}"


@_template("how_much", r"^how much (?:does|do|did|will) (?P<np>.+?) cost(?P<rest>.*)$")
def _how_much(h: Hinglish, g: dict[str, list[str]]) -> str:
    return _join(h.np(g["np"]), " ".join(g["rest"]), "kitne ka hai")


@_template("how_many", r"^how many (?P<np>.+?) (?:can|could|do|should) i (?P<vp>.+)$")
def _how_many(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"])
    return _join(pre, "kitne", h.np(g["np"]), _form(verb, "kar sakta hoon"))


@_template("how_long_have", r"^how long do i have to (?P<vp>.+)$")
def _how_long_have(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"])
    return _join(pre, _form(verb, "karne"), "ke liye kitna time hai")


@_template("how_long_you", r"^how long do you (?P<vp>.+)$")
def _how_long_you(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"], subject_i=False)
    return _join("aap", pre, "kitne time tak", _form(verb, "karte ho"))


@_template("how_long_is", r"^how long (?:is|are) (?P<np>.+)$")
def _how_long_is(h: Hinglish, g: dict[str, list[str]]) -> str:
    return f"{h.np(g['np'])} kitne din ka hai"


@_template("is_there", r"^(?:is|are) there (?:a |an |any )?(?P<np>.+)$")
def _is_there(h: Hinglish, g: dict[str, list[str]]) -> str:
    chunk = h.chunks(g["np"]).rsplit(" ", 1)
    return _join("kya", chunk[0] if len(chunk) > 1 else "", "koi", chunk[-1], "hai")


@_template(
    "where_is",
    r"^where (?:is|are) (?P<np>.+?)(?: (?P<v>stored|kept|saved|hosted|located|processed))?$",
)
def _where_is(h: Hinglish, g: dict[str, list[str]]) -> str:
    if g["v"]:
        return f"{h.np(g['np'])} kahan {_lemma(g['v'][0])} hota hai"
    return f"{h.np(g['np'])} kahan hai"


@_template("will_be", r"^will (?P<np>.+?) be (?P<v>\w+ed)(?P<rest>.*)$")
def _will_be(h: Hinglish, g: dict[str, list[str]]) -> str:
    np = g["np"]
    go = "jayenge" if _plural(np[-1]) else "jayegi" if _norm(np[-1]) in _FEMININE else "jayega"
    front = h.chunks(g["rest"])
    return _join(front, "kya", h.np(np), _lemma(g["v"][0]), "ho", go)


@_template("cant", r"^(?:i )?(?:can't|cant|cannot|can not) (?P<vp>.+)$")
def _cant(h: Hinglish, g: dict[str, list[str]]) -> str:
    pre, verb = h.vp(g["vp"])
    return _join(pre, verb, "nahi kar pa raha")


@_template(
    "i_past", r"^(?:i )?(?P<v>forgot|lost|deleted|paid|bought|changed|cancell?ed) (?P<np>.+)$"
)
def _i_past(h: Hinglish, g: dict[str, list[str]]) -> str:
    v, np = _norm(g["v"][0]), h.np(g["np"], False, True)
    if v == "forgot":
        return f"main {np} bhool gaya"
    if v == "lost":
        return f"maine {np} kho diya"
    return f"maine {np} {_lemma(v)} kar diya"


@_template("i_was", r"^i was (?P<v>\w+ed)(?P<rest>.*)$")
def _i_was(h: Hinglish, g: dict[str, list[str]]) -> str:
    front: list[str] = []
    rest = h._pull_time(g["rest"], front)
    return _join(*front, "mujhe", h.chunks(rest), _lemma(g["v"][0]), "kiya gaya")


@_template(
    "progressive",
    r"^(?P<subj>\S+(?: \S+){0,4}?) (?:(?P<be>is|are|am)(?P<neg> not)?|(?P<neg2>isn't|aren't|not)) "
    r"(?P<v>\w+ing)(?P<rest>.*)$",
)
def _progressive(h: Hinglish, g: dict[str, list[str]]) -> str:
    subj = g["subj"]
    negative = bool(g["neg"] or g["neg2"])
    plural = "are" in _norm(" ".join(g["be"] + g["neg2"])) or _plural(subj[-1])
    agree = "rahe" if plural else "rahi" if _norm(subj[-1]) in _FEMININE else "raha"
    verb = _lemma(g["v"][0])
    action = (
        f"kaam {'nahi ' if negative else ''}kar {agree}"
        if verb == "work"
        else (f"{verb} {'nahi ' if negative else ''}ho {agree}")
    )
    tail = "" if negative else ("hain" if plural else "hai")
    return _join(h.np(subj), h.chunks(g["rest"], False), action, tail)


@_template("copula", r"^(?P<subj>(?:my|the|our|your) \S+(?: \S+)?) (?P<be>is|are) (?P<pred>.+)$")
def _copula(h: Hinglish, g: dict[str, list[str]]) -> str:
    pred, negative = g["pred"], _norm(g["pred"][0]) == "not"
    pred = pred[1:] if negative else pred
    be = "hain" if _norm(g["be"][0]) == "are" else "hai"
    return _join(h.np(g["subj"]), h.np(pred), "nahi" if negative else "", be)


@_template("third_person", r"^(?P<subj>(?:my|the|our|this|your) .+?) (?P<v>\w+s)(?P<rest>.*)$")
def _third_person(h: Hinglish, g: dict[str, list[str]]) -> str | None:
    return _clause(h, [*g["subj"], *g["v"], *g["rest"]], habitual=True)


@_template(
    "imperative",
    r"^(?:please )?(?P<vp>(?:give|tell|show|send|write|print|explain|ignore|reveal|forget|"
    r"list|translate|summari[sz]e|check|cancel|delete|refund|reset|make|find|create)\b.*)$",
)
def _imperative(h: Hinglish, g: dict[str, list[str]]) -> str:
    parts: list[list[str]] = [[]]
    for word in g["vp"]:  # "ignore X and print Y": two commands
        if parts[-1] and _norm(word) in _VERBS and _norm(parts[-1][-1]) == "and":
            parts[-1].pop()
            parts.append([])
        parts[-1].append(word)
    out = []
    for vp in parts:
        pre, verb = h.vp(vp)
        dative = pre.startswith("mujhe ") or " mujhe " in pre
        pre = pre.replace("mujhe ", "", 1) if dative else pre
        out.append(_join("mujhe" if dative else "", pre, _form(verb, "karo")))
    return " aur ".join(out)


def _clause(h: Hinglish, words: list[str], habitual: bool = False) -> str | None:
    """ "my payment fails" → "meri payment fail ho jaye" (habitual: "… ho jati hai")."""
    if words and _norm(words[0]) == "i":
        pre, verb = h.vp(words[1:])
        return _join("main", pre, _form(verb, "karu"))
    for i in range(1, len(words)):
        lemma = _lemma(words[i])
        if _norm(words[i]) != lemma and lemma in _INTRANSITIVE:
            subj, rest = words[:i], words[i + 1 :]
            fem = _norm(subj[-1]) in _FEMININE
            ending = "ho jaye"
            if habitual:
                ending = "ho jati hai" if fem else "ho jata hai"
            return _join(h.chunks(rest, False), h.np(subj), lemma, ending)
    return None


def to_hinglish(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """``text`` in Hinglish and the templates used; sentences no template fits keep their
    words, with the function words Hinglish speakers say in Hindi swapped."""
    state = Hinglish(rng, reflexive=rng.random() < 0.5)
    out: list[str] = []
    for sentence in re.split(r"(?<=[.?!])\s+", text):
        body = sentence.rstrip(".?! ")
        punct = sentence[len(body) :]
        if '"' in body or not body:  # quoted text is someone else's words: keep it
            out.append(sentence)
            continue
        new = state.sentence(body)
        if new is None and (", " in body or " and I " in body):
            clauses = []
            for part in body.split(", "):
                halves = [state.sentence(c) or _words(c) for c in _AND_I.split(part)]
                clauses.append(" aur ".join(halves) if len(halves) > 1 else halves[0])
            new = ", ".join(clauses)
        out.append((new if new is not None else _words(body)) + punct)
    return " ".join(out), state.used


_AND_I = re.compile(r" and (?=I )")
_FALLBACK = {
    "and": "aur", "or": "ya", "but": "lekin", "because": "kyunki", "my": "mera", "also": "bhi",
    "very": "bahut", "today": "aaj", "tomorrow": "kal", "now": "abhi",
}  # fmt: skip
_FALLBACK_RE = re.compile(r"\b(" + "|".join(_FALLBACK) + r")\b", re.IGNORECASE)


def _words(body: str) -> str:
    return _FALLBACK_RE.sub(lambda m: _FALLBACK[m.group(1).lower()], body)
