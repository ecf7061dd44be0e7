"""Finding personal data in customer text: cards, security codes, emails, phones, IBANs, ids, names.

Every detector returns :class:`PiiSpan` objects (character offsets into the text, the kind and a
normalized value used for keyed hashing and masking). Detection is precision-minded: numbers must
pass a checksum (Luhn for cards, mod-97 for IBANs, the national check digits) or sit next to a
keyword, so order numbers, dates, amounts and tracking codes are left alone. The rules are listed
in ``docs/understanding.md``; :mod:`cxloop.enrich.pii_corpus` measures them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import phonenumbers

from cxloop.enrich.pii_national_ids import NATIONAL_ID_COUNTRIES, find_national_ids
from cxloop.enrich.pii_types import PiiSpan

__all__ = [
    "IBAN_LENGTHS",
    "NATIONAL_ID_COUNTRIES",
    "PII_KINDS",
    "PiiSpan",
    "card_brand",
    "find_cards",
    "find_emails",
    "find_ibans",
    "find_names",
    "find_national_ids",
    "find_phones",
    "find_pii",
    "find_security_codes",
    "iban_valid",
    "is_card_number",
    "luhn_valid",
    "name_pattern",
    "spoken_digit_runs",
    "spoken_phone",
]

PII_KINDS: tuple[str, ...] = (
    "card",
    "card_security_code",
    "email",
    "phone",
    "iban",
    "national_id",
    "name",
)
"""Every kind of personal data the redaction step knows."""


# --- spoken digits ---------------------------------------------------------------------------

_DIGIT_WORDS: dict[str, str] = {
    # en
    "zero": "0",
    "oh": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    # es
    "cero": "0",
    "uno": "1",
    "un": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
    # fr
    "zéro": "0",
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "sept": "7",
    "huit": "8",
    "neuf": "9",
    # de
    "null": "0",
    "eins": "1",
    "ein": "1",
    "zwei": "2",
    "zwo": "2",
    "drei": "3",
    "vier": "4",
    "fünf": "5",
    "sechs": "6",
    "sieben": "7",
    "acht": "8",
    "neun": "9",
}
_REPEAT_WORDS: dict[str, int] = {"double": 2, "triple": 3, "doble": 2, "doppel": 2}
_NUMBER_TOKEN = (
    r"(?:"
    + "|".join(sorted(map(re.escape, [*_DIGIT_WORDS, *_REPEAT_WORDS]), key=len, reverse=True))
    + r"|\d+)"
)
_SPOKEN_RUN_SOURCE = (
    rf"(?<!\w){_NUMBER_TOKEN}(?:(?:[\s,-]+|\s+(?:and|y|et|und)\s+){_NUMBER_TOKEN}(?!\w)){{2,}}"
)
_SPOKEN_RUN = re.compile(_SPOKEN_RUN_SOURCE)  # on lower-cased text: IGNORECASE is 2x slower
_SPOKEN_RUN_ANY_CASE = re.compile(_SPOKEN_RUN_SOURCE, re.IGNORECASE)
_TOKEN = re.compile(_NUMBER_TOKEN, re.IGNORECASE)
_WORD_TOKENS = re.compile(r"[^\W\d_]+")
_NUMBER_WORDS = frozenset([*_DIGIT_WORDS, *_REPEAT_WORDS])


def spoken_digit_runs(text: str) -> list[tuple[int, int, str, bool]]:
    """Runs of three or more number tokens (``four one one one …``) as ``(start, end, digits,
    has_words)``; digit groups may be mixed with words, ``double five`` is ``55``."""
    runs: list[tuple[int, int, str, bool]] = []
    lowered = text.lower()
    # only runs with number words matter (digit-only runs are the card/phone detectors' job)
    if _NUMBER_WORDS.isdisjoint(_WORD_TOKENS.findall(lowered)):
        return runs
    # lower() may change the length of a few characters (İ); offsets must stay those of ``text``
    matches = (
        _SPOKEN_RUN.finditer(lowered)
        if len(lowered) == len(text)
        else _SPOKEN_RUN_ANY_CASE.finditer(text)
    )
    for match in matches:
        digits: list[str] = []
        repeat = 1
        has_words = False
        for token_match in _TOKEN.finditer(match.group(0)):
            token = token_match.group(0).lower()
            if token in _REPEAT_WORDS:
                repeat = _REPEAT_WORDS[token]
                has_words = True
                continue
            if token.isdigit():
                digits.append(token * repeat if len(token) == 1 else token)
            else:
                digits.append(_DIGIT_WORDS[token] * repeat)
                has_words = True
            repeat = 1
        runs.append((match.start(), match.end(), "".join(digits), has_words))
    return runs


# --- payment cards ---------------------------------------------------------------------------

# separators between digits: one space, dash or dot, two spaces, or " - " (not ". " — that ends
# a sentence, and the next number is something else)
_CARD_CANDIDATE = re.compile(
    r"(?<!\d[ .-])(?<![\w.-])(?:\d(?:[ .-]|  | - )?){12,18}\d(?![ .-]?\d)(?!\w)"
)


def luhn_valid(digits: str) -> bool:
    """Whether ``digits`` passes the Luhn (mod 10) check used by payment card numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card scheme whose number ranges and lengths ``digits`` fits, else ``None``.

    13-digit Visa numbers are retired and deliberately not recognized: a 13-digit number is far
    more often an EAN barcode than a card.
    """
    n = len(digits)
    two, four, six = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4" and n in (16, 19):
        return "visa"
    if n == 16 and (51 <= two <= 55 or 2221 <= four <= 2720):
        return "mastercard"
    if n == 15 and two in (34, 37):
        return "amex"
    if 16 <= n <= 19 and (four == 6011 or 644 <= int(digits[:3]) <= 649 or two == 65):
        return "discover"
    if 16 <= n <= 19 and (3528 <= four <= 3589):
        return "jcb"
    if 14 <= n <= 19 and (300 <= int(digits[:3]) <= 305 or two in (36, 38, 39)):
        return "diners"
    if 16 <= n <= 19 and (two == 62 or 622126 <= six <= 622925):
        return "unionpay"
    if 13 <= n <= 19 and (two == 50 or 56 <= two <= 69):
        return "maestro"
    return None


def is_card_number(digits: str) -> bool:
    """A plausible payment card number: 13–19 digits, a known scheme range, Luhn-valid."""
    return 13 <= len(digits) <= 19 and card_brand(digits) is not None and luhn_valid(digits)


def find_cards(text: str) -> list[PiiSpan]:
    """Card numbers written as digits (with spaces, dashes or dots between them)."""
    spans = []
    for match in _CARD_CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if is_card_number(digits):
            spans.append(PiiSpan(match.start(), match.end(), "card", digits))
    return spans


# --- card security codes ---------------------------------------------------------------------

_CVV_CONTEXT = re.compile(
    r"(?:\b(?:cvv2?|cvc2?|cvn|cid|csc|security\s+code|verification\s+(?:code|value|number)|"
    r"code\s+on\s+the\s+back|(?:three|four|3|4)[\s-]digit\s+code|digits\s+on\s+the\s+back|"
    r"c[óo]digo\s+de\s+seguridad|code\s+de\s+s[ée]curit[ée]|cryptogramme(?:\s+visuel)?|"
    r"pr[üu]fnummer|sicherheitscode|kartenpr[üu]fnummer)\b)",
    re.IGNORECASE,
)
_SHORT_NUMBER = re.compile(r"(?<![\w/.,(+-])(?<!\d )\d{3,4}(?![\w/)]|[.,:-]\d| \d)")
_LETTERS = re.compile(r"[^\W\d_]")
_AFTER_KEYWORD = 25
_AFTER_CARD = 12
_BEFORE_KEYWORD = 12


def find_security_codes(
    text: str, cards: Sequence[PiiSpan], spoken: Sequence[tuple[int, int, str, bool]]
) -> list[PiiSpan]:
    """A 3–4 digit code: the first one after a security-code keyword, the first one right after a
    card number, or one just before the keyword (``123 is the CVV``)."""
    keywords = [(m.start(), m.end()) for m in _CVV_CONTEXT.finditer(text)]
    if not keywords and not cards:
        return []
    candidates = [(m.start(), m.end(), m.group(0)) for m in _SHORT_NUMBER.finditer(text)]
    candidates += [(s, e, d) for s, e, d, words in spoken if words and 3 <= len(d) <= 4]
    candidates.sort()
    anchors = [(end, _AFTER_KEYWORD, True) for _, end in keywords]
    anchors += [(span.end, _AFTER_CARD, False) for span in cards]
    chosen: dict[int, tuple[int, int, str]] = {}
    for anchor, window, words_allowed in anchors:
        for start, end, digits in candidates:
            if anchor <= start <= anchor + window:
                # right after a card only when nothing but separators come between
                if words_allowed or not _LETTERS.search(text[anchor:start]):
                    chosen[start] = (start, end, digits)
                break
    for keyword_start, _ in keywords:
        for start, end, digits in candidates:
            if 0 <= keyword_start - end <= _BEFORE_KEYWORD:
                chosen[start] = (start, end, digits)
    return [
        PiiSpan(start, end, "card_security_code", digits)
        for start, end, digits in sorted(chosen.values())
    ]


# --- emails ----------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?!\w)")


def find_emails(text: str) -> list[PiiSpan]:
    """Email addresses (``local@domain.tld``, Unicode letters allowed)."""
    return [PiiSpan(m.start(), m.end(), "email", m.group(0).lower()) for m in _EMAIL.finditer(text)]


# --- phones ----------------------------------------------------------------------------------

_MAYBE_PHONE = re.compile(r"\d(?:[\s().+/-]{0,3}\d){6,}")
_NOT_A_PHONE_CONTEXT = re.compile(
    r"(?:\b(?:order|orders|invoice|tracking|parcel|shipment|package|ticket|case|reference|ref|"
    r"confirmation|booking|reservation|sku|item|serial|policy|claim|pedido|factura|commande|"
    r"facture|bestellung|rechnung|sendung)\b[\s.:#-]*(?:(?:number|no|nr|num|id|code|número|"
    r"numéro|nummer)\b[\s.:#-]*)?(?:(?:is|was|es|est|ist)\b[\s:]*)?#?\s*)$",
    re.IGNORECASE,
)


_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}$")
_DATE_IN_TEXT = re.compile(r"(?<!\d)(?<!\d[.-])\d{1,4}([./-])\d{1,2}\1\d{2,4}(?!\d|[.-]\d)")
_INTERNATIONAL_00 = re.compile(r"(?<!\d\s)(?<![^\s(:])00(?=[1-9])")


def _inside_code(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is the tail or head of a code such as ``ORD-2024-088144``."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    glued_before = bool(before) and (
        before[-1].isalnum() or (len(before) == 2 and before[-1] in "-/_" and before[0].isalnum())
    )
    glued_after = bool(after) and (
        after[0].isalnum() or (len(after) == 2 and after[0] in "-/_" and after[1].isalnum())
    )
    return glued_before or glued_after


def find_phones(text: str, region: str = "US") -> list[PiiSpan]:
    """Phone numbers ``phonenumbers`` considers valid (national numbers read in ``region``),
    except numbers introduced as an order, invoice, tracking or ticket number."""
    if not _MAYBE_PHONE.search(text):
        return []
    spans = []
    # "0044 20 …": the European international prefix, read as "+44" (same length keeps offsets)
    readable = _INTERNATIONAL_00.sub(" +", text)
    # phonenumbers drops a number followed by a date ("… 280-2026. 11/04/2025"): blank dates out
    readable = _DATE_IN_TEXT.sub(lambda m: " " * len(m.group(0)), readable)
    for match in phonenumbers.PhoneNumberMatcher(
        readable, region, leniency=phonenumbers.Leniency.VALID
    ):
        if _NOT_A_PHONE_CONTEXT.search(text[max(0, match.start - 40) : match.start]):
            continue
        if _inside_code(readable, match.start, match.end) or _DATE.match(match.raw_string):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        spans.append(PiiSpan(match.start, match.end, "phone", e164))
    return spans


def spoken_phone(digits: str, region: str) -> str | None:
    """E.164 of a digit string read out loud, if it is a valid phone number."""
    if not 7 <= len(digits) <= 15:
        return None
    for candidate in (digits, "+" + digits):
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


# --- IBAN ------------------------------------------------------------------------------------

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NL": 18,
    "NO": 15,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "SA": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VG": 24,
    "XK": 20,
}
"""IBAN length per country (SWIFT IBAN registry)."""

_IBAN_CANDIDATE = re.compile(r"(?<!\w)[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){10,30}")


def iban_valid(compact: str) -> bool:
    """Whether an IBAN without spaces has its country's length and a valid mod-97 checksum."""
    compact = compact.upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def find_ibans(text: str) -> list[PiiSpan]:
    """IBANs, compact or in groups of four, checked by length and mod-97."""
    spans = []
    for match in _IBAN_CANDIDATE.finditer(text):
        raw = match.group(0)
        length = IBAN_LENGTHS.get(raw[:2].upper())
        if length is None:
            continue
        compact, end = [], 0
        for offset, char in enumerate(raw):
            if char != " ":
                compact.append(char)
            if len(compact) == length:
                end = offset + 1
                break
        if end and (end == len(raw) or not raw[end].isalnum()) and iban_valid("".join(compact)):
            spans.append(
                PiiSpan(match.start(), match.start() + end, "iban", "".join(compact).upper())
            )
    return spans


# --- names -----------------------------------------------------------------------------------


def name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A case-insensitive whole-word pattern for known names and each of their parts."""
    parts: set[str] = set()
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            parts.add(name)
        parts.update(part for part in re.split(r"[\s,]+", name) if len(part) >= 2)
    if not parts:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def find_names(text: str, pattern: re.Pattern[str] | None) -> list[PiiSpan]:
    """Occurrences of names the customer profile knows."""
    if pattern is None:
        return []
    return [PiiSpan(m.start(), m.end(), "name", m.group(0).lower()) for m in pattern.finditer(text)]


# --- all together ----------------------------------------------------------------------------

_MAYBE_NUMERIC_OR_EMAIL = re.compile(r"\d|@")


def _non_overlapping(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Earlier detectors win; a later span overlapping a kept one is dropped."""
    kept: list[PiiSpan] = []
    for span in spans:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def find_pii(
    text: str,
    *,
    region: str = "US",
    national_id_countries: Iterable[str] = NATIONAL_ID_COUNTRIES,
    names: re.Pattern[str] | None = None,
) -> list[PiiSpan]:
    """Every piece of personal data in ``text``, without overlaps, in text order."""
    has_digits_or_at = _MAYBE_NUMERIC_OR_EMAIL.search(text) is not None
    spoken = spoken_digit_runs(text)
    found: list[PiiSpan] = []
    cards: list[PiiSpan] = []
    if has_digits_or_at:
        found += find_ibans(text)  # before cards: a card-like run inside an IBAN is the IBAN
        cards = find_cards(text)
    for start, end, digits, has_words in spoken:
        if has_words and is_card_number(digits):
            cards.append(PiiSpan(start, end, "card", digits))
    found += cards
    if has_digits_or_at:
        found += find_emails(text)
        found += find_national_ids(text, national_id_countries)
    if has_digits_or_at:
        found += find_phones(text, region)
    if has_digits_or_at or spoken:
        found += find_security_codes(text, cards, spoken)
    for start, end, digits, has_words in spoken:
        if has_words and (e164 := spoken_phone(digits, region)) is not None:
            found.append(PiiSpan(start, end, "phone", e164))
    found += find_names(text, names)
    return _non_overlapping(found)
