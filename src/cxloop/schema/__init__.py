"""The canonical interaction event, typed identifiers and channels."""

from __future__ import annotations

from cxloop.schema.event import (
    ACTORS,
    CHANNELS,
    EVENT_ARROW_SCHEMA,
    EVENT_COLUMNS,
    EVENT_TYPES,
    MAX_TEXT_BYTES,
    SCORE_RANGES,
    InteractionEvent,
    Scores,
    event_json_schema,
)
from cxloop.schema.identifiers import (
    IDENTIFIER_TYPES,
    IdentifierError,
    is_identifier_type,
    normalize_email,
    normalize_identifier,
    normalize_phone,
    normalize_phones,
)

__all__ = [
    "ACTORS",
    "CHANNELS",
    "EVENT_ARROW_SCHEMA",
    "EVENT_COLUMNS",
    "EVENT_TYPES",
    "IDENTIFIER_TYPES",
    "MAX_TEXT_BYTES",
    "SCORE_RANGES",
    "IdentifierError",
    "InteractionEvent",
    "Scores",
    "event_json_schema",
    "is_identifier_type",
    "normalize_email",
    "normalize_identifier",
    "normalize_phone",
    "normalize_phones",
]
