"""National identifiers per country: patterns, check digits and the keywords bare numbers need.

Formatted identifiers (``123-45-6789``, ``AB 12 34 56 C``, ``12345678Z``) are recognized by their
pattern and check digits; bare digit strings that could be anything (9 digits for an SSN or a BSN,
11 for a Steuer-ID or a CPF) only count right after their keyword.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cxloop.enrich.pii_types import PiiSpan

NATIONAL_ID_COUNTRIES: tuple[str, ...] = ("US", "GB", "ES", "FR", "DE", "NL", "BR")
"""Countries whose national identifiers are recognized (configurable per deployment)."""

# --- national identifiers --------------------------------------------------------------------


def _ssn_ok(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _bsn_ok(digits: str) -> bool:
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def _cpf_ok(digits: str) -> bool:
    if len(set(digits)) == 1:
        return False
    for n in (9, 10):
        total = sum(int(d) * w for d, w in zip(digits[:n], range(n + 1, 1, -1), strict=True))
        if (total * 10 % 11) % 10 != int(digits[n]):
            return False
    return True


def _steuer_id_ok(digits: str) -> bool:
    if digits[0] == "0":
        return False
    product = 10
    for char in digits[:10]:
        total = (int(char) + product) % 10 or 10
        product = (total * 2) % 11
    return (11 - product) % 10 == int(digits[10])


def _dni_ok(value: str) -> bool:
    value = value.upper().replace("-", "")
    number = value[:-1].replace("X", "0").replace("Y", "1").replace("Z", "2")
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23] == value[-1]


def _nir_ok(value: str) -> bool:
    compact = re.sub(r"\s", "", value).upper()
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(compact[13:])


@dataclass(frozen=True)
class _NationalId:
    country: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool]
    context: re.Pattern[str] | None = None


def _digits_check(check: Callable[[str], bool]) -> Callable[[str], bool]:
    def run(value: str) -> bool:
        return check(re.sub(r"\D", "", value))

    return run


_NATIONAL_IDS: tuple[_NationalId, ...] = (
    _NationalId(
        "US", re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])"), _digits_check(_ssn_ok)
    ),
    _NationalId(
        "US",
        re.compile(r"(?<![\w-])\d{9}(?![\w-])"),
        _digits_check(_ssn_ok),
        re.compile(r"\b(?:ssn|social\s+security)\b", re.I),
    ),
    _NationalId(
        "GB",
        re.compile(
            r"(?<!\w)(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
            r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)"
        ),
        lambda value: True,
    ),
    _NationalId("ES", re.compile(r"(?<!\w)(?:\d{8}|[XYZ]\d{7})-?[A-Z](?!\w)"), _dni_ok),
    _NationalId(
        "FR",
        re.compile(
            r"(?<!\w)[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}"
            r"(?!\w)"
        ),
        _nir_ok,
    ),
    _NationalId(
        "DE",
        re.compile(r"(?<![\w-])\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\w-])"),
        _digits_check(_steuer_id_ok),
        re.compile(r"\b(?:steuer|steuer-?id|identifikationsnummer|tax\s+id)", re.I),
    ),
    _NationalId(
        "NL",
        re.compile(r"(?<![\w-])\d{9}(?![\w-])"),
        _digits_check(_bsn_ok),
        re.compile(r"\b(?:bsn|burgerservicenummer)\b", re.I),
    ),
    _NationalId(
        "BR", re.compile(r"(?<![\w-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w-])"), _digits_check(_cpf_ok)
    ),
    _NationalId(
        "BR",
        re.compile(r"(?<![\w-])\d{11}(?![\w-])"),
        _digits_check(_cpf_ok),
        re.compile(r"\bcpf\b", re.I),
    ),
)


_CONTEXT_WINDOW = 25
"""A bare number counts as an id only this close after its keyword (``SSN 123456789``)."""

_ID_SEPARATORS = re.compile(r"[\s.-]")


def find_national_ids(text: str, countries: Iterable[str] = NATIONAL_ID_COUNTRIES) -> list[PiiSpan]:
    """National identifiers of ``countries``: formatted ones by pattern and check digits, bare
    digit strings only next to their keyword (``SSN``, ``BSN``, ``Steuer-ID``, ``CPF``)."""
    wanted = set(countries)
    spans = []
    for national_id in _NATIONAL_IDS:
        if national_id.country not in wanted:
            continue
        for match in national_id.pattern.finditer(text):
            if national_id.context is not None and not national_id.context.search(
                text[max(0, match.start() - _CONTEXT_WINDOW) : match.start()]
            ):
                continue
            if national_id.check(match.group(0)):
                compact = _ID_SEPARATORS.sub("", match.group(0)).upper()
                spans.append(
                    PiiSpan(
                        match.start(),
                        match.end(),
                        "national_id",
                        f"{national_id.country}:{compact}",
                    )
                )
    return spans
