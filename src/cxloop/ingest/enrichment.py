"""The enrichment step of ingest: which enrichers run on each batch, and how rejects are redacted.

Redaction runs before anything is stored, so neither the events table, the enrichments, the logs
nor the dead letter ever hold raw personal data.
"""

from __future__ import annotations

import pyarrow as pa

from cxloop.enrich.base import Enricher
from cxloop.ingest.pipeline import RawRedactor


def ingest_enrichers() -> list[Enricher]:
    """The default enricher stack of :mod:`cxloop.enrich.defaults` (redaction first)."""
    from cxloop.enrich.defaults import default_enrichers

    return list(default_enrichers())


def raw_redactor() -> RawRedactor:
    """Redact the raw text of rejected records with the default redaction policy.

    Rejected records are few, so this runs per record; accepted events are redacted in batches by
    the redaction enricher.
    """
    from cxloop.enrich.redaction import redact_text

    def redact(raw: pa.Array) -> pa.Array:
        return pa.array(
            [None if value is None else redact_text(value) for value in raw.to_pylist()],
            type=pa.string(),
        )

    return redact
