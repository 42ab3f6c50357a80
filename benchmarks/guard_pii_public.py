"""PII guard on public synthetic corpora: precision and recall per structured type.

The corpora stay outside the repository (under /work/data/pii/ by convention); this script
takes their location as an argument. Two sources:

``nannigalaxy PATH``
    Nannigalaxy/PII-synthetic_dataset on GitHub, commit e776265d92426ab9ef11f7bea3b9989addc39b63,
    file ``dataset/pii_syn_nano_en.json`` (149 hand/LLM-written sentences; MIT licence,
    (c) 2025 Nandan Manjunatha). Labels map SSN -> US_SSN; EMAIL, PHONE, CREDIT_CARD and IBAN
    keep their names; its other labels (PERSON, PASSPORT, ACCOUNT...) are not types of ours,
    and a detection of ours on one of them counts as a false positive. Its numbers were not
    generated with checksums: a labelled card or IBAN that fails Luhn / mod-97 is counted
    (as a miss) in "all" and left out of "checksum-valid gold".

``faker PATH [--make N --seed S]``
    A corpus generated with the Faker library (PyPI ``faker``, MIT licence; version printed)
    from its phone, card, IBAN, e-mail, SSN and IP providers across the locales below, put
    into sentences this project wrote, with traps (dates, times, ZIP codes, prices, order
    numbers, versions, ISBNs) in the same sentences and in texts without PII. ``--make``
    writes it to PATH first (seeded: the same seed and Faker version give the same file).

    PYTHONPATH=src .venv/bin/python benchmarks/guard_pii_public.py nannigalaxy \
        /work/data/pii/nannigalaxy_pii_syn_nano_en.json
    PYTHONPATH=src .venv/bin/python benchmarks/guard_pii_public.py faker \
        /work/data/pii/faker_pii.jsonl --make 3000 --seed 13

Matching: "exact" needs (start, end, type) equal to a gold span; "overlap" needs the same
type and intersecting spans (the figure a redaction user feels: the value is hidden).
"""

from __future__ import annotations

import argparse
import json
import random
import string
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

from golive.guard.pii import PII_TYPES, detect, iban_valid, luhn_valid

Row = dict[str, Any]

_NANNIGALAXY_LABELS = {
    "EMAIL": "EMAIL",
    "PHONE": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN": "IBAN",
    "SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "API_KEY": "API_KEY",
}


def load_nannigalaxy(path: Path) -> list[Row]:
    rows: list[Row] = []
    for i, item in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        text = item["text"]
        spans, used = [], set()
        for ent in item.get("NER", []):
            value = ent.get("entity") or ent.get("text")
            if not value:
                continue
            start = text.find(value)
            while start in used:
                start = text.find(value, start + 1)
            if start < 0:
                continue
            used.add(start)
            kind = _NANNIGALAXY_LABELS.get(ent["label"], "OTHER:" + ent["label"])
            spans.append({"start": start, "end": start + len(value), "type": kind})
        rows.append({"id": f"nano-{i}", "text": text, "spans": spans})
    return rows


# --- the Faker corpus -------------------------------------------------------------------

PHONE_LOCALES = (
    "en_US", "en_CA", "en_GB", "en_IN", "pt_BR", "ja_JP", "de_DE", "fr_FR", "it_IT",
    "es_ES", "nl_NL", "nl_BE", "pl_PL", "sv_SE", "de_AT", "pt_PT", "cs_CZ", "da_DK",
    "fi_FI", "el_GR", "hu_HU", "ro_RO", "hr_HR", "sk_SK", "bg_BG", "sl_SI", "lt_LT",
    "lv_LV",
)  # fmt: skip
IBAN_LOCALES = (
    "de_DE", "fr_FR", "it_IT", "es_ES", "nl_NL", "nl_BE", "pl_PL", "de_AT", "pt_PT",
    "cs_CZ", "da_DK", "fi_FI", "el_GR", "ro_RO", "sk_SK", "en_GB", "pt_BR", "en_IE", "de_CH",
)  # fmt: skip
CARD_TYPES = (
    "visa13", "visa16", "visa19", "mastercard", "amex", "discover", "jcb15", "jcb16",
    "diners", "maestro",
)  # fmt: skip

# Sentences this project wrote; {v} is the value, {trap} a look-alike that is not PII.
TEMPLATES = {
    "PHONE": (
        "You can reach me at {v} after 5pm.",
        "Phone: {v}",
        "Please call {v} to reschedule the delivery of order #{order}.",
        "Mein Telefon: {v}, erreichbar ab {time}.",
        "Contact the front desk on {v} (open since {date}).",
        "{v} is the number on file for this account.",
        "Rappelez-moi au {v} avant le {date}, merci.",
        "support line {v} | zip {zip}",
        "Ligue para {v} se precisar de ajuda.",
        "New mobile number: {v}. The old one is gone.",
    ),
    "CREDIT_CARD": (
        "My card number is {v}, expiry {exp}.",
        "Charge {v} for the {price} invoice.",
        "card: {v} cvv on file",
        "Bitte buchen Sie von der Karte {v} ab.",
        "payment failed for {v} on {date}",
        "{v} was declined twice today.",
    ),
    "IBAN": (
        "Please wire the refund to {v}.",
        "IBAN: {v}",
        "Überweisung an {v} bis zum {date}.",
        "Virement sur le compte {v} svp.",
        "account {v} (since {date})",
        "The payee's IBAN is {v}, reference {order}.",
    ),
    "EMAIL": (
        "Send the report to {v} by Friday.",
        "Email: {v}",
        "cc {v} on order #{order}",
        "Schreiben Sie an {v}.",
        "Contact: <{v}>",
    ),
    "US_SSN": (
        "My SSN is {v}.",
        "SSN: {v}",
        "social security number {v} on the form dated {date}",
        "Employee SSN {v}, hired {date}.",
    ),
    "IP_ADDRESS": (
        "Login from {v} at {time}.",
        "Blocked IP: {v}",
        "The server at {v} answered after version {version} was deployed.",
        "client={v} status=200",
    ),
    "API_KEY": (
        "here is my key {v} please debug",
        "export API_KEY={v}",
        "token: {v}",
        "I leaked {v} in a commit yesterday.",
    ),
}
NEGATIVES = (
    "Order #{order} shipped on {date} at {time}.",
    "The meeting is on {date} at {time}; bring the {price} receipt.",
    "Ship to ZIP {zip}, tracking number {order}.",
    "ISBN {isbn}, published {date}, price {price}.",
    "Upgrade to version {version} before {date}.",
    "Invoice {order} of {date}: total {price}.",
    "Our office is open {time} to 18:00 since {date}.",
    "EAN {ean} costs {price} and ships in {n} days.",
    "Ref. {order}, ticket {n}, batch {batch}.",
    "The build {version} failed {n} times on {date}.",
    "Deploy at {date}T{time}Z, rollback window {n} min, {price} budget.",
    "Population 8 336 817 in {n} districts; area 783 562 km2.",
    "Coordinates 40.7128, -74.0060; elevation {n} m; ZIP {zip}.",
    "SKU {ean} restocked: {n} units at {price} each.",
    "Flight LH{n} leaves {time}, gate B{n}, seat 12C.",
    "Ratio 16:9, bitrate 128000, sample rate 44100 Hz.",
    "Scores 3-1 and 2-2; seasons 1998-2004 and 2010-2016.",
    "Upgrade {n} servers to version {version}.1 tonight.",
    "Total 1 299,00 € incl. VAT, paid on {date}.",
    "Tracking 1Z999AA10123456784 and parcel {batch} left the depot.",
    "Room 1204, floor 12, badge {batch}.",
    "Pages 123-145 of volume {n} (ISBN {isbn}).",
)


def _api_key(rng: random.Random) -> str:
    alnum = string.ascii_letters + string.digits
    shape = rng.choice(("openai", "stripe", "aws", "github", "slack", "google"))
    if shape == "openai":
        return "sk-proj-" + "".join(rng.choice(alnum) for _ in range(40))
    if shape == "stripe":
        return "sk_live_" + "".join(rng.choice(alnum) for _ in range(24))
    if shape == "aws":
        return "AKIA" + "".join(
            rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)
        )
    if shape == "github":
        return "ghp_" + "".join(rng.choice(alnum) for _ in range(36))
    if shape == "slack":
        return (
            "xoxb-"
            + "-".join("".join(rng.choice(string.digits) for _ in range(11)) for _ in range(2))
            + "-"
            + "".join(rng.choice(alnum) for _ in range(24))
        )
    return "AIza" + "".join(rng.choice(alnum + "_-") for _ in range(35))  # fmt: skip


def make_faker(n: int, seed: int) -> list[Row]:
    try:
        from faker import Faker
    except ImportError:
        raise SystemExit("the faker corpus needs the Faker library: pip install faker") from None

    rng = random.Random(seed)
    fakers: dict[str, Any] = {}

    def fake(locale: str) -> Any:
        if locale not in fakers:
            fakers[locale] = Faker(locale)
            fakers[locale].seed_instance(rng.randrange(2**32))
        return fakers[locale]

    us = fake("en_US")

    def fill() -> dict[str, str]:
        return {
            "order": str(rng.randrange(10_000, 99_999_999)),
            "date": rng.choice((us.date(), us.date("%m/%d/%Y"), us.date("%d.%m.%Y"))),
            "time": us.time(rng.choice(("%H:%M", "%H:%M:%S"))),
            "zip": rng.choice((us.zipcode(), us.zipcode_plus4())),
            "price": us.pricetag(),
            "exp": us.credit_card_expire(),
            "version": f"{rng.randrange(1, 20)}.{rng.randrange(0, 30)}.{rng.randrange(0, 99)}",
            "isbn": rng.choice((us.isbn13(), us.isbn10())),
            "ean": us.ean13(),
            "n": str(rng.randrange(2, 400)),
            "batch": str(rng.randrange(10**6, 10**9)),
        }

    rows: list[Row] = []
    kinds = list(TEMPLATES)
    for i in range(n):
        if i % 3 == 2:
            text = rng.choice(NEGATIVES).format(**fill())
            rows.append({"id": f"faker-{i}", "text": text, "spans": [], "tag": "negative"})
            continue
        kind = kinds[i % len(kinds)] if i % 2 else rng.choice(("PHONE", "CREDIT_CARD", "IBAN"))
        tag = kind
        if kind == "PHONE":
            locale = rng.choice(PHONE_LOCALES)
            value, tag = fake(locale).phone_number(), f"PHONE/{locale}"
        elif kind == "CREDIT_CARD":
            card = rng.choice(CARD_TYPES)
            value, tag = us.credit_card_number(card), f"CREDIT_CARD/{card}"
            if rng.random() < 0.5:  # as people write them: in groups
                step = 4
                value = rng.choice((" ", "-")).join(
                    value[j : j + step] for j in range(0, len(value), step)
                )
        elif kind == "IBAN":
            locale = rng.choice(IBAN_LOCALES)
            value, tag = fake(locale).iban(), f"IBAN/{locale}"
            style = rng.random()
            if style < 0.4:
                value = " ".join(value[j : j + 4] for j in range(0, len(value), 4))
            elif style < 0.5:
                value = value.lower()
        elif kind == "EMAIL":
            value = fake(rng.choice(("en_US", "de_DE", "fr_FR", "ja_JP"))).email()
        elif kind == "US_SSN":
            value = us.ssn()
        elif kind == "IP_ADDRESS":
            value = rng.choice((us.ipv4_public(), us.ipv6()))
        else:
            value = _api_key(rng)
        template = rng.choice(TEMPLATES[kind])
        values = fill()
        values["v"] = value
        head, _, _ = template.partition("{v}")
        start = len(head.format(**values))
        text = template.format(**values)
        span = {"start": start, "end": start + len(value), "type": kind}
        rows.append({"id": f"faker-{i}", "text": text, "tag": tag, "spans": [span]})
    return rows


# --- scoring -----------------------------------------------------------------------------


def _checksum_ok(kind: str, value: str) -> bool:
    compact = "".join(c for c in value if c.isalnum())
    if kind == "CREDIT_CARD":
        return luhn_valid(compact)
    if kind == "IBAN":
        return iban_valid(compact)
    return True


def score(rows: list[Row], show_misses: int) -> None:
    tp, fp, fn, otp, ofp, ofn, valid_fn = (Counter[str]() for _ in range(7))
    misses: list[str] = []
    fps: list[str] = []
    for r in rows:
        text = r["text"]
        gold = {(s["start"], s["end"], s["type"]) for s in r["spans"]}
        got = {(d.start or 0, d.end or 0, d.kind) for d in detect(text, min_score=0.5)}
        for key in got | gold:
            if key[2] not in PII_TYPES:
                continue
            if key in got and key in gold:
                tp[key[2]] += 1
            elif key in got:
                fp[key[2]] += 1
            else:
                fn[key[2]] += 1
                if _checksum_ok(key[2], text[key[0] : key[1]]):
                    valid_fn[key[2]] += 1
        for g in got:
            if any(g[0] < b[1] and b[0] < g[1] and b[2] == g[2] for b in gold):
                otp[g[2]] += 1
            else:
                ofp[g[2]] += 1
                fps.append(f"  FP {g[2]:<11} {text[g[0] : g[1]]!r:<32} in {text!r}")
        for g in gold:
            if g[2] in PII_TYPES and not any(
                g[0] < b[1] and b[0] < g[1] and b[2] == g[2] for b in got
            ):
                ofn[g[2]] += 1
                misses.append(
                    f"  FN {r.get('tag', g[2]):<15} {text[g[0] : g[1]]!r:<32} in {text!r}"
                )
    print(f"{len(rows)} texts, {sum(1 for r in rows if not r['spans'])} without any labelled span")
    print(f"{'type':<12} {'gold':>5} {'P exact':>8} {'R exact':>8} {'P ovl':>7} {'R ovl':>7} "
          f"{'R valid':>8}")  # fmt: skip
    for kind in (*PII_TYPES, "ALL"):
        t, p, n, ot, op_, on, vn = (
            sum(c.values()) if kind == "ALL" else c[kind]
            for c in (tp, fp, fn, otp, ofp, ofn, valid_fn)
        )
        if t + n + p == 0:
            continue
        gold_n = t + n
        valid_gold = t + vn
        print(
            f"{kind:<12} {gold_n:>5} {t / (t + p) if t + p else 1:>8.3f} "
            f"{t / gold_n if gold_n else 1:>8.3f} {ot / (ot + op_) if ot + op_ else 1:>7.3f} "
            f"{(gold_n - on) / gold_n if gold_n else 1:>7.3f} "
            f"{t / valid_gold if valid_gold else 1:>8.3f}"
        )
    for line in misses[:show_misses] + fps[:show_misses]:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", choices=("nannigalaxy", "faker", "jsonl"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--make", type=int, default=0, help="faker: generate N texts first")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--show", type=int, default=15, help="misses and false positives shown")
    args = parser.parse_args()
    if args.source == "nannigalaxy":
        rows = load_nannigalaxy(args.path)
    else:
        if args.make:
            made = make_faker(args.make, args.seed)
            args.path.parent.mkdir(parents=True, exist_ok=True)
            with args.path.open("w", encoding="utf-8") as fh:
                for row in made:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"wrote {len(made)} texts to {args.path} (faker {version('faker')}, "
                  f"seed {args.seed})")  # fmt: skip
        lines = args.path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    score(rows, args.show)


if __name__ == "__main__":
    main()
