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

import re
from collections.abc import Iterable

import phonenumbers

IDENTIFIER_TYPES: tuple[str, ...] = (
    "customer_id", "account", "email", "phone", "cookie", "device", "social",
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


def normalize_phones(values: Iterable[str], default_region: str = "US") -> dict[str, str | None]:
    """Normalize many phone numbers at once: each distinct raw value is parsed once.

    Returns a mapping raw value → E.164, or ``None`` where the value is not a phone number.
    """
    out: dict[str, str | None] = {}
    for raw in set(values):
        try:
            out[raw] = normalize_phone(raw, default_region)
        except IdentifierError:
            out[raw] = None
    return out
