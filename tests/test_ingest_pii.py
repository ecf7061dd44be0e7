"""No raw personal data reaches the store: not events, enrichments or the dead letter."""

from __future__ import annotations

import json
from pathlib import Path

from cxloop.ingest import ingest_paths
from cxloop.ingest.enrichment import ingest_enrichers, raw_redactor
from cxloop.store import open_store

CARD = "4111 1111 1111 1111"
EMAIL = "ann.lee@example.com"
PHONE = "+1 415 555 0123"


def test_personal_data_is_redacted_before_anything_is_stored(tmp_path: Path) -> None:
    good = {
        "event_id": "e1",
        "occurred_at": "2026-03-01T10:00:00Z",
        "channel": "chat",
        "type": "message",
        "actor": "customer",
        "text": f"my card is {CARD}, mail me at {EMAIL} or call {PHONE}",
    }
    bad = {
        "event_id": "e2",
        "occurred_at": "not a time",
        "channel": "chat",
        "type": "message",
        "text": f"card {CARD} and {EMAIL}",
    }
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with open_store(":memory:") as store:
        summary = ingest_paths(
            [path], store, enrichers=ingest_enrichers(), raw_redactor=raw_redactor()
        )
        text = store.query("SELECT text FROM events")["text"][0].as_py()
        raw = store.query("SELECT raw FROM rejected")["raw"][0].as_py()
        outputs = " ".join(store.query("SELECT output FROM enrichments")["output"].to_pylist())
        enrichers = set(store.query("SELECT enricher FROM enrichments")["enricher"].to_pylist())
    assert (summary.accepted, summary.rejected) == (1, 1)
    for stored in (text, raw, outputs):
        assert CARD not in stored and "4111111111111111" not in stored
        assert EMAIL not in stored
        assert "555 0123" not in stored
    assert "1111" in text or "[CARD" in text  # at most BIN + last four remain, never the number
    assert {"pii", "language"} <= enrichers
