"""Helpers for the identity-graph tests: events written straight into a store."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import pyarrow as pa

from cxloop.store import Store

_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("occurred_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("identifiers", pa.list_(pa.string())),
        pa.field("ingest_run_id", pa.string()),
    ]
)
_counter = itertools.count()
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def add_events(
    store: Store,
    groups: Sequence[Sequence[str]],
    *,
    run_id: str | None = None,
    day: int = 0,
    channel: str = "web",
) -> list[str]:
    """Append one event per identifier group (in one ingest run); return the event ids."""
    run = run_id or f"run-{next(_counter)}"
    ids = [f"evt-{run}-{i}" for i in range(len(groups))]
    store.append(
        "events",
        pa.table(
            {
                "event_id": ids,
                "occurred_at": [
                    START + dt.timedelta(days=day, minutes=i) for i in range(len(groups))
                ],
                "channel": [channel] * len(groups),
                "type": ["page_view"] * len(groups),
                "identifiers": [list(g) for g in groups],
                "ingest_run_id": [run] * len(groups),
            },
            schema=_SCHEMA,
        ),
    )
    return ids


def profiles_by_member(store: Store) -> dict[str, str]:
    """identifier → profile_id."""
    rows = store.query("SELECT identifier, profile_id FROM identity_map").to_pylist()
    return {r["identifier"]: r["profile_id"] for r in rows}


def groups(store: Store) -> set[frozenset[str]]:
    """The profiles as sets of identifiers."""
    out: dict[str, set[str]] = {}
    for identifier, profile in profiles_by_member(store).items():
        out.setdefault(profile, set()).add(identifier)
    return {frozenset(v) for v in out.values()}
