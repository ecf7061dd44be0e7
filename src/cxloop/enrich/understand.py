"""Understanding single texts: the default stack over plain strings (``cxloop understand``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxloop.enrich.base import Enricher, run_enrichers
from cxloop.enrich.batch import annotations_by_event, events_from_texts


def understand_texts(
    texts: Sequence[str], enrichers: Sequence[Enricher] | None = None
) -> list[dict[str, Any]]:
    """One dict per text: ``language``, ``intent``, ``intent_confidence``, ``sentiment``,
    ``signals`` and ``redacted`` (the text as cxloop would store it).

    Examples:
        >>> understand_texts(["I already told you, card 4111 1111 1111 1111!"])[0]["redacted"]
        'I already told you, card [CARD]!'
    """
    if enrichers is None:
        from cxloop.enrich.defaults import default_enrichers

        enrichers = default_enrichers()
    events = events_from_texts(list(texts))
    batch = run_enrichers(events, enrichers)
    found = {name: annotations_by_event(table) for (name, _), table in batch.annotations.items()}
    results = []
    for event_id, redacted in zip(
        batch.events.column("event_id").to_pylist(),
        batch.events.column("text").to_pylist(),
        strict=True,
    ):
        intent = found.get("intent", {}).get(event_id, {})
        sentiment = found.get("sentiment", {}).get(event_id, {})
        results.append(
            {
                "language": found.get("language", {}).get(event_id, {}).get("language", "und"),
                "intent": intent.get("intent"),
                "intent_confidence": intent.get("confidence"),
                "sentiment": sentiment.get("sentiment"),
                "signals": found.get("signals", {}).get(event_id, {}).get("signals", []),
                "redacted": redacted,
                "pii": found.get("pii", {}).get(event_id, {}).get("found", {}),
            }
        )
    return results
