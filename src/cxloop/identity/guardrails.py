"""Identity guardrails: what may link, and what wins when links conflict.

The same knobs Segment Unify, Adobe Real-Time CDP and RudderStack users tune, as plain data:

* **priority** per identifier type (1 = strongest). On a conflict the weakest links are cut
  first, and a profile is named after its strongest identifier.
* **limit** per identifier type: at most this many identifiers of the type in one profile
  (at most one ``customer_id``). Profiles that would break a limit are split by cutting the
  weakest links (see :mod:`cxloop.identity.components`).
* **blocked values**: placeholders such as ``test@test.com``, ``0000000000`` or ``unknown``
  never link (a value made of one repeated character is blocked too).
* **shared identifiers**: an identifier seen with more identifiers of a stronger, limited type
  than the limit allows (a household tablet seen with two customer numbers), or with more distinct
  identifiers than ``max_degree`` (a shop's card reader), is *shared*: it keeps its events but
  links nobody.
* **time windows**: a cookie or device links only what it was seen with within ``window_days``
  of its first sighting (cookies are re-issued, devices change hands).

Guardrails are loaded from JSON (``--guardrails FILE``); :meth:`Guardrails.fingerprint` changes
when any setting does, and a changed setting makes the next resolve a full recompute.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = [
    "DEFAULT_GUARDRAILS",
    "Guardrails",
    "GuardrailsError",
    "load_guardrails",
]

PROBABLE_PRIORITY = 99
"""Edges from probabilistic record matches are the weakest of all: cut before any observed link."""


class GuardrailsError(ValueError):
    """A guardrails file or value that cannot be used; the message names the setting."""


_DEFAULT_PRIORITY = {
    "customer_id": 1,
    "account": 2,
    "email": 3,
    "phone": 4,
    "social": 5,
    "device": 6,
    "cookie": 7,
}
_DEFAULT_LIMITS = {"customer_id": 1, "account": 1}
_DEFAULT_MAX_DEGREE = {"device": 50, "cookie": 50, "email": 50, "phone": 50, "account": 25}
_DEFAULT_WINDOWS = {"cookie": 180, "device": 730}
_DEFAULT_BLOCKED = (
    "unknown",
    "none",
    "null",
    "n/a",
    "na",
    "test",
    "-",
    "anonymous",
    "undefined",
    "test@test.com",
    "test@example.com",
    "noemail@noemail.com",
    "no@email.com",
    "email@example.com",
    "+10000000000",
    "0000000000",
    "+11111111111",
    "+15555555555",
)


@dataclass(frozen=True)
class Guardrails:
    """Identity-resolution guardrails (see the module docstring for what each one does).

    Attributes:
        priority: identifier type → rank (1 strongest); ``external:*`` types not named get
            ``default_priority``.
        limits: identifier type → at most this many per profile.
        blocked: identifier values (the part after ``type:``, lower-cased) that never link.
        max_degree: identifier type → more distinct neighbours than this marks it shared.
        window_days: identifier type → links count only within this many days of its first event.
        default_priority: the rank of types not in ``priority``.
        default_max_degree: the degree limit of types not in ``max_degree``.
    """

    priority: Mapping[str, int] = field(default_factory=lambda: dict(_DEFAULT_PRIORITY))
    limits: Mapping[str, int] = field(default_factory=lambda: dict(_DEFAULT_LIMITS))
    blocked: tuple[str, ...] = _DEFAULT_BLOCKED
    max_degree: Mapping[str, int] = field(default_factory=lambda: dict(_DEFAULT_MAX_DEGREE))
    window_days: Mapping[str, int] = field(default_factory=lambda: dict(_DEFAULT_WINDOWS))
    default_priority: int = 5
    default_max_degree: int = 200

    def __post_init__(self) -> None:
        for name, mapping, low in (
            ("priority", self.priority, 1),
            ("limits", self.limits, 1),
            ("max_degree", self.max_degree, 1),
            ("window_days", self.window_days, 1),
        ):
            for id_type, value in mapping.items():
                if not isinstance(value, int) or isinstance(value, bool) or value < low:
                    raise GuardrailsError(
                        f"guardrails {name}.{id_type}: must be a whole number ≥ {low}, "
                        f"got {value!r}"
                    )
                if not id_type or (":" in id_type and not id_type.startswith("external:")):
                    raise GuardrailsError(
                        f"guardrails {name}: {id_type!r} is not an identifier type"
                    )
        if any(not isinstance(v, str) for v in self.blocked):
            raise GuardrailsError("guardrails blocked: every blocked value must be a string")
        if not 1 <= self.default_priority < PROBABLE_PRIORITY:
            raise GuardrailsError(f"guardrails default_priority: must be 1–{PROBABLE_PRIORITY - 1}")

    def rank(self, id_type: str) -> int:
        """The priority rank of ``id_type`` (1 strongest)."""
        return self.priority.get(id_type, self.default_priority)

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-ready data."""
        data = asdict(self)
        data["blocked"] = list(self.blocked)
        return {k: dict(v) if isinstance(v, Mapping) else v for k, v in data.items()}

    def fingerprint(self) -> str:
        """A short hash of every setting: a changed fingerprint forces a full recompute."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # --- Ibis expressions ------------------------------------------------------------------
    def type_of(self, identifier: ir.StringValue) -> ir.StringValue:
        """The type part of ``type:value`` identifiers (``external:<name>`` kept whole)."""
        # string positions, not split()[i]: array indexing differs between engines
        cut = identifier.find(":")
        head = identifier.substr(0, cut)
        rest = identifier.substr(cut + 1)
        external = head + ":" + rest.substr(0, rest.find(":"))
        return ibis.ifelse(head == "external", external, head)

    def rank_of(self, id_type: ir.StringValue) -> ir.IntegerValue:
        """The priority rank of an identifier-type column."""
        cases = [(id_type == t, r) for t, r in sorted(self.priority.items())]
        return ibis.cases(*cases, else_=self.default_priority).cast("int64")

    def max_degree_of(self, id_type: ir.StringValue) -> ir.IntegerValue:
        cases = [(id_type == t, d) for t, d in sorted(self.max_degree.items())]
        if not cases:
            return ibis.literal(self.default_max_degree, "int64")
        return ibis.cases(*cases, else_=self.default_max_degree).cast("int64")

    def window_of(self, id_type: ir.StringValue) -> ir.IntegerValue:
        """The link window in days of an identifier-type column (NULL: no window)."""
        cases = [(id_type == t, d) for t, d in sorted(self.window_days.items())]
        if not cases:
            return ibis.null("int64")
        return ibis.cases(*cases, else_=ibis.null("int64")).cast("int64")

    def is_blocked(self, identifier: ir.StringValue) -> ir.BooleanValue:
        """Whether an identifier's value is a blocked placeholder (or one repeated character)."""
        id_type = self.type_of(identifier)
        value = identifier.substr(id_type.length() + 1).lower()
        placeholder = value.isin([v.lower() for v in self.blocked]) if self.blocked else False
        digits = value.replace("+", "")
        repeated = (digits.length() > 2) & (digits.replace(digits.substr(0, 1), "") == "")
        return ibis.ifelse(placeholder | repeated, True, False)


DEFAULT_GUARDRAILS = Guardrails()


def load_guardrails(path: str | Path | None) -> Guardrails:
    """Guardrails from a JSON file (keys as :class:`Guardrails`; missing keys keep defaults).

    Raises:
        GuardrailsError: the file is missing, not JSON, or has an unknown or invalid setting.
    """
    if path is None:
        return DEFAULT_GUARDRAILS
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GuardrailsError(f"{file}: no such guardrails file") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GuardrailsError(f"{file}: not a JSON file ({exc})") from exc
    if not isinstance(data, dict):
        raise GuardrailsError(f"{file}: expected a JSON object of settings")
    known = set(Guardrails.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise GuardrailsError(
            f"{file}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    merged = DEFAULT_GUARDRAILS.as_dict()
    for key, value in data.items():
        if isinstance(merged[key], dict):
            if not isinstance(value, dict):
                raise GuardrailsError(f"{file}: {key} must be an object of type → number")
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    merged["blocked"] = tuple(merged["blocked"])
    try:
        return Guardrails(**merged)
    except GuardrailsError as exc:
        raise GuardrailsError(f"{file}: {exc}") from exc
