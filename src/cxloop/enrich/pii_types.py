"""The finding type shared by the PII detectors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One piece of personal data found in a text."""

    start: int
    end: int
    kind: str
    value: str
    """Normalized value: card digits, lower-cased email, E.164 phone, compact IBAN…"""
