"""Ingest: readers, vectorized validation and normalization, the dead letter, lossless counts."""

from __future__ import annotations

from cxloop.ingest.pipeline import FileSummary, IngestSummary, RawRedactor, ingest_paths
from cxloop.ingest.readers import (
    FORMATS,
    Format,
    ReaderError,
    detect_format,
    discover_sources,
    read_source,
)
from cxloop.ingest.validate import (
    KNOWN_FIELDS,
    RawBatch,
    ValidatedBatch,
    ValidationSettings,
    Validator,
)

__all__ = [
    "FORMATS",
    "KNOWN_FIELDS",
    "FileSummary",
    "Format",
    "IngestSummary",
    "RawBatch",
    "RawRedactor",
    "ReaderError",
    "ValidatedBatch",
    "ValidationSettings",
    "Validator",
    "detect_format",
    "discover_sources",
    "ingest_paths",
    "read_source",
]
