"""PII redaction: rewrite personal data in event text *before* anything is stored.

Each kind of personal data has an action (:class:`PiiAction`): ``redact`` replaces it with a
placeholder (``[EMAIL]``), ``mask`` keeps a safe part (``a***@example.com``; cards at most the BIN
and the last four digits), ``hash`` replaces it with a keyed HMAC-SHA256 token (the same value
always gives the same token, so repeat contacts can still be linked without the value), and
``keep`` leaves it. The PCI rule is enforced by the policy itself: card numbers can never be
kept, and card security codes can only be removed.

The :class:`RedactionEnricher` runs first in every stack, so later enrichers, the store, the logs
and the dead letter only ever see the redacted text. Its annotations hold counts per kind, never
values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Protocol

import pyarrow as pa

from cxloop.enrich.base import ANNOTATION_SCHEMA, Enricher, EnrichmentResult, register_enricher
from cxloop.enrich.pii_detect import (
    NATIONAL_ID_COUNTRIES,
    PII_KINDS,
    PiiSpan,
    find_pii,
    name_pattern,
)


class PiiAction(StrEnum):
    """What happens to one kind of personal data."""

    REDACT = "redact"
    MASK = "mask"
    HASH = "hash"
    KEEP = "keep"


PLACEHOLDERS: dict[str, str] = {
    "card": "[CARD]",
    "card_security_code": "[CARD_CODE]",
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "iban": "[IBAN]",
    "national_id": "[NATIONAL_ID]",
    "name": "[NAME]",
}
"""The placeholder that replaces each kind under ``redact``."""

_FORBIDDEN: dict[str, frozenset[PiiAction]] = {
    # PCI DSS: at most the BIN (first six) and the last four digits of a PAN may be displayed
    "card": frozenset({PiiAction.KEEP}),
    # sensitive authentication data may not be retained after authorization, not even hashed
    "card_security_code": frozenset({PiiAction.KEEP, PiiAction.HASH}),
}

HASH_KEY_ENV = "CXLOOP_PII_HASH_KEY"
"""Environment variable holding the secret key for ``hash`` actions."""


class RedactionPolicyError(ValueError):
    """A redaction policy that is not allowed or not complete; says which kind and why."""


@dataclass(frozen=True)
class RedactionPolicy:
    """Which action applies to each kind of personal data, and how numbers are read.

    Examples:
        >>> RedactionPolicy.from_mapping({"email": "mask", "name": "keep"}).actions["email"]
        <PiiAction.MASK: 'mask'>
    """

    actions: Mapping[str, PiiAction] = field(
        default_factory=lambda: dict.fromkeys(PII_KINDS, PiiAction.REDACT)
    )
    hash_key: bytes | None = None
    phone_region: str = "US"
    """Region in which phone numbers without a country code are read."""
    national_id_countries: tuple[str, ...] = NATIONAL_ID_COUNTRIES

    def __post_init__(self) -> None:
        for kind, action in self.actions.items():
            if kind not in PII_KINDS:
                raise RedactionPolicyError(
                    f"unknown personal-data kind {kind!r}; known: {', '.join(PII_KINDS)}"
                )
            if action in _FORBIDDEN.get(kind, frozenset()):
                raise RedactionPolicyError(
                    f"{kind}: action {action.value!r} is not allowed (PCI DSS: card numbers show "
                    "at most BIN + last four; security codes are never kept)"
                )
            if action is PiiAction.HASH and not self.hash_key:
                raise RedactionPolicyError(
                    f"{kind}: action 'hash' needs a secret key (set {HASH_KEY_ENV})"
                )

    @classmethod
    def from_mapping(
        cls,
        actions: Mapping[str, str],
        *,
        hash_key: bytes | str | None = None,
        phone_region: str | None = None,
        national_id_countries: Sequence[str] | None = None,
    ) -> RedactionPolicy:
        """A policy from plain strings (config files, CLI); unnamed kinds are redacted.

        The hash key and phone region default to ``CXLOOP_PII_HASH_KEY`` and
        ``CXLOOP_DEFAULT_REGION``.
        """
        merged: dict[str, PiiAction] = dict.fromkeys(PII_KINDS, PiiAction.REDACT)
        for kind, action in actions.items():
            try:
                merged[kind] = PiiAction(action)
            except ValueError:
                raise RedactionPolicyError(
                    f"{kind}: unknown action {action!r}; use redact, mask, hash or keep"
                ) from None
        key = hash_key if hash_key is not None else os.environ.get(HASH_KEY_ENV)
        return cls(
            actions=merged,
            hash_key=key.encode() if isinstance(key, str) else key,
            phone_region=phone_region or os.environ.get("CXLOOP_DEFAULT_REGION", "US"),
            national_id_countries=tuple(national_id_countries or NATIONAL_ID_COUNTRIES),
        )

    def action(self, kind: str) -> PiiAction:
        """The action for ``kind`` (``redact`` when the policy does not name it)."""
        return self.actions.get(kind, PiiAction.REDACT)


def mask_value(span: PiiSpan, original: str) -> str:
    """The masked form of one finding: never more than PCI allows for cards."""
    if span.kind == "card":
        digits = span.value
        return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
    if span.kind == "email":
        local, _, domain = span.value.partition("@")
        return f"{local[:1]}***@{domain}"
    if span.kind == "phone":
        return f"[PHONE:…{span.value[-2:]}]"
    if span.kind == "iban":
        return f"{span.value[:2]}**…{span.value[-4:]}"
    if span.kind == "name":
        return f"{original[:1].upper()}."
    if span.kind == "national_id":
        return "[NATIONAL_ID:…" + span.value[-2:] + "]"
    return "***"


def _hash_token(span: PiiSpan, key: bytes) -> str:
    digest = hmac.new(key, f"{span.kind}:{span.value}".encode(), hashlib.sha256).hexdigest()
    return f"[{span.kind.upper()}:{digest[:12]}]"


def apply_policy(text: str, spans: Sequence[PiiSpan], policy: RedactionPolicy) -> str:
    """``text`` with every span replaced as the policy says (spans must not overlap)."""
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        action = policy.action(span.kind)
        if action is PiiAction.KEEP:
            continue
        original = text[span.start : span.end]
        if action is PiiAction.MASK:
            replacement = mask_value(span, original)
        elif action is PiiAction.HASH:
            assert policy.hash_key is not None  # checked by the policy
            replacement = _hash_token(span, policy.hash_key)
        else:
            replacement = PLACEHOLDERS[span.kind]
        pieces.append(text[cursor : span.start])
        pieces.append(replacement)
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


@dataclass(frozen=True)
class RedactedText:
    """One text after redaction and what was found in it (kinds and counts, never values)."""

    text: str
    counts: dict[str, int]


class TextRedactor:
    """Redacts single texts under one policy; reusable and thread-safe (holds no state)."""

    def __init__(self, policy: RedactionPolicy | None = None) -> None:
        self.policy = policy or RedactionPolicy.from_mapping({})

    def redact(self, text: str, names: Sequence[str] = ()) -> RedactedText:
        """Redact ``text``; ``names`` are the customer's names the profile knows."""
        spans = find_pii(
            text,
            region=self.policy.phone_region,
            national_id_countries=self.policy.national_id_countries,
            names=name_pattern(names) if names else None,
        )
        counts: dict[str, int] = {}
        for span in spans:
            counts[span.kind] = counts.get(span.kind, 0) + 1
        return RedactedText(apply_policy(text, spans, self.policy) if spans else text, counts)

    def redact_json_strings(self, value: Any, counts: dict[str, int]) -> Any:
        """Redact every string inside a JSON value (event ``attributes``, dead-letter records)."""
        if isinstance(value, str):
            result = self.redact(value)
            for kind, n in result.counts.items():
                counts[kind] = counts.get(kind, 0) + n
            return result.text
        if isinstance(value, list):
            return [self.redact_json_strings(v, counts) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_json_strings(v, counts) for k, v in value.items()}
        return value


class NameDirectory(Protocol):
    """Knows the names of the customers behind events (from their profiles)."""

    def names_for(self, identifiers: Sequence[str]) -> Sequence[str]:
        """Names of the person holding any of these typed identifiers (``email:ann@x.com``)."""
        ...


class ProfileNames:
    """A :class:`NameDirectory` over a plain mapping ``typed identifier -> names``."""

    def __init__(self, names_by_identifier: Mapping[str, Sequence[str]]) -> None:
        self._names = {key: tuple(value) for key, value in names_by_identifier.items()}

    def names_for(self, identifiers: Sequence[str]) -> Sequence[str]:
        """All names known for any of ``identifiers``."""
        found: list[str] = []
        for identifier in identifiers:
            found.extend(self._names.get(identifier, ()))
        return found


_ATTRIBUTE_PREFILTER = re.compile(r"\d|@")


@register_enricher
class RedactionEnricher(Enricher):
    """Rewrites ``text`` (and string values in ``attributes``) with personal data redacted."""

    name: ClassVar[str] = "pii"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "Redacts payment cards, security codes, emails, phones, IBANs, national ids and known "
        "names; annotates counts per kind"
    )

    def __init__(
        self,
        policy: RedactionPolicy | None = None,
        names: NameDirectory | None = None,
        redact_attributes: bool = True,
    ) -> None:
        self.redactor = TextRedactor(policy)
        self.names = names
        self.redact_attributes = redact_attributes

    def enrich(self, events: pa.Table) -> EnrichmentResult:
        """Redact one batch; annotates only the events in which something was found."""
        texts: list[str | None] = events.column("text").to_pylist()
        identifiers: list[list[str] | None] = (
            events.column("identifiers").to_pylist() if self.names is not None else []
        )
        event_ids = events.column("event_id").to_pylist()
        counts_per_row: dict[int, dict[str, int]] = {}
        changed_text = False
        for row, text in enumerate(texts):
            if not text:
                continue
            names = self.names.names_for(identifiers[row] or []) if self.names else ()
            result = self.redactor.redact(text, names)
            if result.counts:
                counts_per_row[row] = dict(result.counts)
                if result.text != text:
                    texts[row] = result.text
                    changed_text = True
        if changed_text:
            column = events.schema.get_field_index("text")
            events = events.set_column(
                column, events.schema.field(column), pa.array(texts, pa.string())
            )
        if self.redact_attributes and "attributes" in events.column_names:
            events = self._redact_attributes(events, counts_per_row)
        rows = sorted(counts_per_row)
        annotations = pa.table(
            {
                "event_id": [event_ids[r] for r in rows],
                "output": [json.dumps({"found": counts_per_row[r]}, sort_keys=True) for r in rows],
            },
            schema=ANNOTATION_SCHEMA,
        )
        return EnrichmentResult(events=events, annotations=annotations)

    def _redact_attributes(
        self, events: pa.Table, counts_per_row: dict[int, dict[str, int]]
    ) -> pa.Table:
        values: list[str | None] = events.column("attributes").to_pylist()
        changed = False
        for row, raw in enumerate(values):
            if not raw or not _ATTRIBUTE_PREFILTER.search(raw):
                continue
            counts = counts_per_row.get(row, {})
            try:
                parsed = json.loads(raw)
            except ValueError:  # not JSON after all: redact it as plain text
                redacted = self.redactor.redact_json_strings(raw, counts)
            else:
                redacted = json.dumps(
                    self.redactor.redact_json_strings(parsed, counts), sort_keys=True
                )
            if counts:
                counts_per_row[row] = counts
            if redacted != raw and counts:
                values[row] = redacted
                changed = True
        if not changed:
            return events
        column = events.schema.get_field_index("attributes")
        return events.set_column(column, events.schema.field(column), pa.array(values, pa.string()))


@lru_cache(maxsize=1)
def _default_redactor() -> TextRedactor:
    return TextRedactor()


def redact_text(text: str, policy: RedactionPolicy | None = None) -> str:
    """Redact one text with ``policy`` (default: every kind redacted). For logs and dead letters."""
    redactor = _default_redactor() if policy is None else TextRedactor(policy)
    return redactor.redact(text).text


def record_redactor(policy: RedactionPolicy | None = None) -> Callable[[Any], Any]:
    """A function that redacts every string in a JSON-like record (for the dead letter)."""
    redactor = TextRedactor(policy)

    def redact_record(record: Any) -> Any:
        return redactor.redact_json_strings(record, {})

    return redact_record
