"""The PII formats real data contains: every card scheme and length, phone numbers as North
America, the EU, the UK, India, Brazil and Japan write them, IBANs in any case and spacing;
and the look-alikes (dates, orders, ZIP codes, times, versions, prices, IPs, cards, IBANs)
that must not become phones. Every value here was written for this project."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn as stdnum_luhn

from golive.guard.pii import detect, iban_valid, luhn_valid


def found(text: str) -> list[tuple[str, str]]:
    return [(d.kind, text[d.start or 0 : d.end or 0]) for d in detect(text, min_score=0.5)]


def with_check_digit(body: str) -> str:
    """``body`` plus the digit that makes it pass Luhn."""
    return body + stdnum_luhn.calc_check_digit(body)


def card(prefix: str, length: int) -> str:
    filler = "7392018465" * 2
    return with_check_digit((prefix + filler)[: length - 1])


CARDS = [
    ("visa 13", card("4", 13)),
    ("visa 16", card("4", 16)),
    ("visa 19", card("4", 19)),
    ("mastercard 5x", card("53", 16)),
    ("mastercard 2-series", card("2221", 16)),
    ("mastercard 2720", card("2720", 16)),
    ("amex 34", card("34", 15)),
    ("amex 37", card("37", 15)),
    ("discover 6011", card("6011", 16)),
    ("discover 65 19", card("65", 19)),
    ("discover 644", card("644", 16)),
    ("jcb 3528", card("3528", 16)),
    ("jcb 35xx 19", card("3589", 19)),
    ("jcb 2131 15", card("2131", 15)),
    ("jcb 1800 15", card("1800", 15)),
    ("maestro 12", card("5018", 12)),
    ("maestro 13", card("6759", 13)),
    ("maestro 15", card("6304", 15)),
    ("maestro 19", card("5020", 19)),
    ("diners 14 300", card("300", 14)),
    ("diners 14 36", card("36", 14)),
    ("diners 14 38", card("38", 14)),
    ("unionpay 16", card("62", 16)),
    ("unionpay 19", card("62", 19)),
    ("mir 16", card("2200", 16)),
]


@pytest.mark.parametrize(("scheme", "number"), CARDS, ids=[c[0] for c in CARDS])
def test_every_card_scheme_and_length(scheme: str, number: str) -> None:
    assert found(f"Card number {number}, expiry 04/29.") == [("CREDIT_CARD", number)]
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    assert found(f"pay with {grouped} please") == [("CREDIT_CARD", grouped)]


@pytest.mark.parametrize(("scheme", "number"), CARDS[:6], ids=[c[0] for c in CARDS[:6]])
def test_a_card_with_one_wrong_digit_is_nothing(scheme: str, number: str) -> None:
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert [k for k, _ in found(f"Card number {broken}")] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # North America: extensions, +1 and 001 prefixes, bare ten digits in context.
        ("Call 345-899-3560x4587 after lunch", "345-899-3560x4587"),
        ("phone: (212) 555-0147 ext. 12", "(212) 555-0147 ext. 12"),
        ("desk 212.555.0147 ext 9 or email", "212.555.0147 ext 9"),
        ("office 415-555-0132 x204", "415-555-0132 x204"),
        ("dial 001-345-899-3560 from Europe", "001-345-899-3560"),
        ("+1-780-563-6083x7783 is my cell", "+1-780-563-6083x7783"),
        ("reach me at +1 212 555 0147", "+1 212 555 0147"),
        ("1-821-697-3857 is the hotline", "1-821-697-3857"),
        ("call 2125550147 tomorrow", "2125550147"),
        ("my number is 2125550147", "2125550147"),
        # The UK, with and without the country code.
        ("London desk 020 7946 0958", "020 7946 0958"),
        ("mobile 07700 900123", "07700 900123"),
        ("switchboard (0161) 496 0123", "(0161) 496 0123"),
        ("+44 (0)20 7946 0958 any time", "+44 (0)20 7946 0958"),
        # EU countries: national and international.
        ("Appelez le 01 42 68 53 00", "01 42 68 53 00"),
        ("+33 6 12 34 56 78 (WhatsApp)", "+33 6 12 34 56 78"),
        ("Tel. 030 12345678", "030 12345678"),
        ("Ruf an: 0049 30 12345678", "0049 30 12345678"),
        ("Telefono 06 6982 1234", "06 6982 1234"),
        ("+39 06 6982 1234 in Rome", "+39 06 6982 1234"),
        ("teléfono 612 345 678", "612 345 678"),
        ("+34 612 345 678 por la tarde", "+34 612 345 678"),
        ("bel 0612345678 vanavond", "0612345678"),
        ("telefon 601 234 567", "601 234 567"),
        ("ring 08-123 456 78", "08-123 456 78"),
        ("phone 0470 12 34 56", "0470 12 34 56"),
        ("+420 601 123 456 (Praha)", "+420 601 123 456"),
        ("+30 21 0123 4567 office", "+30 21 0123 4567"),
        ("tel 912 345 678", "912 345 678"),
        ("00421 940 432 317 is mine", "00421 940 432 317"),
        # India, Brazil, Japan.
        ("+91 98765 43210 for the OTP", "+91 98765 43210"),
        ("mobile 9876543210", "9876543210"),
        ("ligue (11) 91234-5678", "(11) 91234-5678"),
        ("+55 11 91234-5678 no WhatsApp", "+55 11 91234-5678"),
        ("電話 03-1234-5678 まで", "03-1234-5678"),
        ("携帯 090-1234-5678", "090-1234-5678"),
        ("+81 3-1234-5678 Tokyo", "+81 3-1234-5678"),
    ],
)
def test_phone_formats(text: str, value: str) -> None:
    assert found(text) == [("PHONE", value)]


@pytest.mark.parametrize(
    "text",
    [
        "Order 2024-05-01 shipped 05/01/2024 and 01.05.2024",
        "Order no 4155550132 and invoice #0612345678",
        "ZIP 94105-1234 or 10001",
        "at 12:30:45 and 09:15",
        "Upgrade to version 10.21.8.1 or v2.3.4",
        "Total $1,299.99 or 1 299,00 € or 12,345,678",
        "server 10.0.12.1 and 192.168.1.20 answered",  # IPs, never phones
        "Population 8 336 817; area 783 562 km2",
        "Scores 3-1, seasons 1998-2004, pages 123-145",
        "routing number 061000104, account number 3847283911",
        "tax ID 91-3456789, driver licence 567-890-123",
        "ID number 987654321 and ref 24681357K",
        "suspect 987654321-REV was seen",
        "ratio 0.123456789 in test 3",
        "Lottery 04 11 23 35 42",
        "SSN 000-12-3456 is not valid; 987-65-4321 is an advertising number",
        "+1-555-0100 is a fictional number",  # too short to dial from abroad
        "number 1234 5678 9012 3456 on the box",  # card-shaped, no IIN, not a phone
        "Coordinates 40.7128, -74.0060",
    ],
)
def test_phone_look_alikes_are_nothing(text: str) -> None:
    assert [k for k, _ in found(text)] == [] or all(k == "IP_ADDRESS" for k, _ in found(text)), (
        found(text)
    )


def test_cards_and_ibans_are_not_phones() -> None:
    jcb = card("2131", 15)
    text = f"JCB {jcb[:4]} {jcb[4:8]} {jcb[8:12]} {jcb[12:]}, IBAN DE89 3704 0044 0532 0130 00"
    assert [k for k, _ in found(text)] == ["CREDIT_CARD", "IBAN"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("IBAN de89370400440532013000 please", "de89370400440532013000"),
        ("wire to gb82 west 1234 5698 7654 32.", "gb82 west 1234 5698 7654 32"),
        ("Konto DE89 3704 0044 0532 0130 00 bis Freitag", "DE89 3704 0044 0532 0130 00"),
        ("compte FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606"),
        ("IBAN: BE68 5390 0754 7034", "BE68 5390 0754 7034"),
        ("nl91abna0417164300", "nl91abna0417164300"),
    ],
)
def test_iban_any_case_and_spacing(text: str, value: str) -> None:
    assert found(text) == [("IBAN", value)]


@pytest.mark.parametrize(
    "text",
    [
        "IBAN DE89 3704 0044 0532 0130 01",  # mod-97 fails
        "gb82west1234569876543",  # one character short
        "GB82 WEST 1234 5698 7654 32 19",  # runs on: an unrelated code
        "de12 is a room and ab12 3456 7890 1234 56 a code",
    ],
)
def test_iban_look_alikes(text: str) -> None:
    assert [k for k, _ in found(text) if k == "IBAN"] == []


def test_iban_valid_uses_the_country_format() -> None:
    assert iban_valid("GB82WEST12345698765432")
    # mod-97 holds, but a GB BBAN is 4 letters and 14 digits: stdnum's format check refuses.
    assert not iban_valid("GB33123412345698765432")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=25))
def test_luhn_agrees_with_python_stdnum(digits: str) -> None:
    assert luhn_valid(digits) == stdnum_luhn.is_valid(digits)


@settings(max_examples=200, deadline=None)
@given(
    area=st.integers(200, 999),
    exchange=st.integers(200, 999),
    line=st.integers(0, 9999),
    ext=st.one_of(st.none(), st.integers(1, 99999)),
    sep=st.sampled_from(["-", ".", " "]),
)
def test_any_north_american_number_with_an_extension_is_one_phone(
    area: int, exchange: int, line: int, ext: int | None, sep: str
) -> None:
    number = f"{area}{sep}{exchange}{sep}{line:04d}" + (f"x{ext}" if ext is not None else "")
    assert found(f"Please call {number} today.") == [("PHONE", number)]


@settings(max_examples=200, deadline=None)
@given(
    year=st.integers(1900, 2099),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    sep=st.sampled_from(["-", "/", "."]),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_dates_and_times_are_never_phones(
    year: int, month: int, day: int, sep: str, hour: int, minute: int
) -> None:
    text = (
        f"Call us about the order placed {year}{sep}{month:02d}{sep}{day:02d} or "
        f"{day:02d}{sep}{month:02d}{sep}{year} at {hour:02d}:{minute:02d}."
    )
    assert found(text) == []


def test_two_numbers_side_by_side_are_two_phones() -> None:
    text = "Tel +49 30 12345678 / Fax 030 12345679, or 0161 496 0123  0161 496 0124"
    assert found(text) == [
        ("PHONE", "+49 30 12345678"),
        ("PHONE", "030 12345679"),
        ("PHONE", "0161 496 0123"),
        ("PHONE", "0161 496 0124"),
    ]
