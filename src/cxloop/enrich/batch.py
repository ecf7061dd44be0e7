"""Small helpers shared by the enrichers: event batches from plain texts, annotation tables."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from cxloop.enrich.base import ANNOTATION_SCHEMA
from cxloop.schema.event import EVENT_ARROW_SCHEMA


def events_from_texts(
    texts: Sequence[str | None],
    *,
    channel: str = "chat",
    actor: str = "customer",
    conversation_ids: Sequence[str | None] | None = None,
    identifiers: Sequence[Sequence[str]] | None = None,
    id_prefix: str = "text-",
) -> pa.Table:
    """A batch of message events (:data:`EVENT_ARROW_SCHEMA`) holding ``texts``, for
    ``cxloop understand``, evaluations and tests."""
    n = len(texts)
    now = dt.datetime.now(dt.UTC)
    columns: dict[str, Any] = {name: [None] * n for name in EVENT_ARROW_SCHEMA.names}
    columns.update(
        event_id=[f"{id_prefix}{i}" for i in range(n)],
        occurred_at=[now + dt.timedelta(microseconds=i) for i in range(n)],
        channel=[channel] * n,
        type=["message"] * n,
        actor=[actor] * n,
        text=list(texts),
        identifiers=[list(ids) for ids in identifiers] if identifiers else [[] for _ in range(n)],
    )
    if conversation_ids is not None:
        columns["conversation_id"] = list(conversation_ids)
    return pa.table(columns, schema=EVENT_ARROW_SCHEMA)


# one encoder for every annotation: json.dumps with options builds a new encoder on every call
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def annotation_table(event_ids: Sequence[str], outputs: Sequence[Mapping[str, Any]]) -> pa.Table:
    """An :data:`ANNOTATION_SCHEMA` table: one JSON object per event."""
    return pa.table(
        {
            "event_id": list(event_ids),
            "output": [_ENCODER.encode(o) for o in outputs],
        },
        schema=ANNOTATION_SCHEMA,
    )


def annotation_table_from_json(event_ids: Sequence[str], outputs: Sequence[str]) -> pa.Table:
    """An :data:`ANNOTATION_SCHEMA` table from JSON object texts the enricher wrote itself
    (the hot enrichers format their few fixed keys directly instead of encoding a dict)."""
    return pa.table(
        {"event_id": list(event_ids), "output": list(outputs)}, schema=ANNOTATION_SCHEMA
    )


def json_string(value: str) -> str:
    """``value`` as a JSON string literal, exactly as :func:`annotation_table` encodes it."""
    return _ENCODER.encode(value)


def annotations_by_event(annotations: pa.Table | None) -> dict[str, dict[str, Any]]:
    """Annotations as ``{event_id: output}`` (parsed JSON)."""
    if annotations is None:
        return {}
    return {
        event_id: json.loads(output)
        for event_id, output in zip(
            annotations.column("event_id").to_pylist(),
            annotations.column("output").to_pylist(),
            strict=True,
        )
    }


def text_column(events: pa.Table) -> list[str | None]:
    """The ``text`` column of a batch as Python strings (``None`` where there is no text)."""
    texts: list[str | None] = events.column("text").to_pylist()
    return texts
