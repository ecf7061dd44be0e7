"""Identity: who the customer is — probabilistic record matching, the identity graph on top."""

from __future__ import annotations

from cxloop.identity.record_columns import ColumnKind, ColumnSpec, infer_columns
from cxloop.identity.record_linkage import (
    DEFAULT_THRESHOLD,
    PAIRS_SCHEMA,
    RecordLinkError,
    RecordLinkResult,
    link_records,
    read_person_records,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "PAIRS_SCHEMA",
    "ColumnKind",
    "ColumnSpec",
    "RecordLinkError",
    "RecordLinkResult",
    "infer_columns",
    "link_records",
    "read_person_records",
]
