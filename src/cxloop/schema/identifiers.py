"""Typed customer identifiers and their normalization.

An identifier is stored as one string ``type:value`` (``email:ann@example.com``,
``phone:+14155550123``, ``cookie:c-9``, ``external:crm:12345``), so that the same person written
two ways ends up as the same identifier:

* email — trimmed and lower-cased; must look like ``local@domain.tld``;
* phone — parsed with ``phonenumbers`` and written in E.164; numbers without a country code are
  read in the default region (``US`` unless configured, ``CXLOOP_DEFAULT_REGION``);
* everything else (customer_id, account, cookie, device, social, external:<name>) — opaque:
  trimmed, kept case-sensitive.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import phonenumbers

IDENTIFIER_TYPES: tuple[str, ...] = (
    "customer_id",
    "account",
    "email",
    "phone",
    "cookie",
    "device",
    "social",
)
"""The built-in identifier types; ``external:<name>`` is accepted for any source system."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EXTERNAL = re.compile(r"^external:[a-z0-9_][a-z0-9_.-]{0,63}$")
MAX_IDENTIFIER_LENGTH = 320


class IdentifierError(ValueError):
    """An identifier that cannot be used, with the reason a person understands."""


def is_identifier_type(id_type: str) -> bool:
    """Whether ``id_type`` is a built-in type or ``external:<name>``."""
    return id_type in IDENTIFIER_TYPES or bool(_EXTERNAL.match(id_type))


def normalize_email(value: str) -> str:
    """Trim and lower-case an email address; raise :class:`IdentifierError` if it is not one."""
    email = value.strip().lower()
    if not _EMAIL.match(email):
        raise IdentifierError(f"{value!r} is not an email address")
    return email


def normalize_phone(value: str, default_region: str = "US") -> str:
    """A phone number in E.164 (``+14155550123``), read in ``default_region`` when it has no
    country code; raise :class:`IdentifierError` if it is not a possible number."""
    try:
        parsed = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise IdentifierError(f"{value!r} is not a phone number ({exc})") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise IdentifierError(f"{value!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_identifier(id_type: str, value: str, default_region: str = "US") -> str:
    """The typed, normalized identifier ``type:value``.

    Examples:
        >>> normalize_identifier("email", "  Ann@Example.COM ")
        'email:ann@example.com'
        >>> normalize_identifier("phone", "(415) 555-0123")
        'phone:+14155550123'
    """
    id_type = id_type.strip().lower()
    if not is_identifier_type(id_type):
        raise IdentifierError(
            f"unknown identifier type {id_type!r}; use one of {', '.join(IDENTIFIER_TYPES)} "
            "or external:<name>"
        )
    if not isinstance(value, str):
        raise IdentifierError(f"{id_type} must be a string, got {type(value).__name__}")
    raw = value.strip()
    if not raw:
        raise IdentifierError(f"{id_type} is empty")
    if len(raw) > MAX_IDENTIFIER_LENGTH:
        raise IdentifierError(f"{id_type} is longer than {MAX_IDENTIFIER_LENGTH} characters")
    if id_type == "email":
        return "email:" + normalize_email(raw)
    if id_type == "phone":
        return "phone:" + normalize_phone(raw, default_region)
    return f"{id_type}:{raw}"


_COMPACT_E164 = re.compile(r"^\+([1-9][0-9]{6,16})$")
_PUNCTUATION = re.compile(r"[\s().\-]")


_Rule = tuple[frozenset[int], re.Pattern[str] | None, str | None]


@functools.cache
def _calling_code_rule(code: str) -> _Rule | None:
    """For a country calling code: the possible national lengths of its main region, the
    region's national-prefix-for-parsing pattern and national prefix (from phonenumbers'
    metadata, loaded for the codes that turn up only); ``None`` for a code without metadata."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(code))
    if not regions:
        return None
    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(int(code), regions[0])
    if meta is None or meta.general_desc is None:
        return None
    lengths = frozenset(meta.general_desc.possible_length or ())
    pattern = meta.national_prefix_for_parsing
    return lengths, re.compile(pattern) if pattern else None, meta.national_prefix


_COMPACT_NATIONAL = re.compile(r"^[0-9]{2,17}$")


@functools.cache
def _region_rules(region: str) -> tuple[str, re.Pattern[str] | None] | None:
    """For a default region that is the main region of its calling code: that code and the
    region's international (IDD) prefix pattern; ``None`` for any other region (its national
    numbers take the full parser)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)  # as the parser reads it
    if meta is None or meta.country_code is None:
        return None
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(meta.country_code, ())
    if not regions or regions[0] != region:
        return None
    idd = meta.international_prefix
    return str(meta.country_code), re.compile(idd) if idd else None


def _plain_national(code: str, national: str) -> str | None:
    """``+<code><national>`` when ``national`` is plainly a national significant number of the
    calling code's main region (a possible length, no leading zero, no national prefix)."""
    rule = _calling_code_rule(code)
    if rule is None:
        return None
    lengths, prefix_pattern, prefix = rule
    if (
        len(national) not in lengths
        or national.startswith("0")
        or (prefix and national.startswith(prefix))
        or (prefix_pattern is not None and prefix_pattern.match(national))
    ):
        return None
    return f"+{code}{national}"


def fast_e164(raw: str, default_region: str | None = None) -> str | None:
    """E.164 for a number that is plainly ``+<country code><national number>`` (punctuation
    aside), decided from phonenumbers' metadata without a full parse; ``None`` when the number
    needs the full parser (no ``+``, a national prefix or leading zero after the country code, a
    letter, an impossible length…). Never disagrees with :func:`normalize_phone` when it answers.

    With ``default_region`` a number without ``+`` is answered too when it is plainly a national
    number of that region — digits only, of a possible length, not starting with a zero, the
    national prefix or its own calling code (each of which the full parser may read otherwise) —
    and the region is the main one of its calling code; after the region's international prefix
    (``011`` in the US) a number is read as after a ``+``.
    """
    compact = _PUNCTUATION.sub("", raw)
    match = _COMPACT_E164.match(compact)
    if match is not None:
        return _international(match.group(1))
    if default_region is None or _COMPACT_NATIONAL.match(compact) is None:
        return None
    region = _region_rules(default_region)
    if region is None:
        return None
    code, idd = region
    dialled = idd.match(compact) if idd is not None else None
    if dialled is not None:  # the international prefix: the rest reads as after a "+"
        return fast_e164("+" + compact[dialled.end() :])
    if compact.startswith(code):
        return None
    return _plain_national(code, compact)


def _international(digits: str) -> str | None:
    """E.164 of the digits after a ``+`` when they are plainly a calling code and a national
    number of its main region (:func:`_plain_national`)."""
    for size in (1, 2, 3):  # calling codes are prefix-free
        code = digits[:size]
        if int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return _plain_national(code, digits[size:])
    return None


def normalize_phones(values: Iterable[str], default_region: str = "US") -> dict[str, str | None]:
    """Normalize many phone numbers at once: each distinct raw value is parsed once, plain
    international numbers and plain national numbers of ``default_region`` by
    :func:`fast_e164`, the rest by ``phonenumbers``.

    Returns a mapping raw value → E.164, or ``None`` where the value is not a phone number.
    """
    out: dict[str, str | None] = {}
    for raw in set(values):
        fast = fast_e164(raw, default_region)
        if fast is not None:
            out[raw] = fast
            continue
        try:
            out[raw] = normalize_phone(raw, default_region)
        except IdentifierError:
            out[raw] = None
    return out
