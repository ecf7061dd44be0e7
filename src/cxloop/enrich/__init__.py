"""Enrichers: language, PII redaction, sentiment, intent, effort signals — one plug-in interface."""

from __future__ import annotations

from cxloop.enrich.base import (
    ANNOTATION_SCHEMA,
    EnrichedBatch,
    Enricher,
    EnricherError,
    EnrichmentResult,
    available_enrichers,
    get_enricher,
    register_enricher,
    run_enrichers,
)

__all__ = [
    "ANNOTATION_SCHEMA",
    "EnrichedBatch",
    "Enricher",
    "EnricherError",
    "EnrichmentResult",
    "available_enrichers",
    "get_enricher",
    "register_enricher",
    "run_enrichers",
]
