"""What a store holds, computed with Ibis so it runs the same on every engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis

from cxloop.store.base import Store


@dataclass
class StoreOverview:
    """Counts a newcomer wants to see after loading data."""

    db: str
    events: int
    rejected: int
    runs: int
    first_event: Any
    last_event: Any
    by_channel: dict[str, int] = field(default_factory=dict)
    top_types: dict[str, int] = field(default_factory=dict)
    identifiers_by_type: dict[str, int] = field(default_factory=dict)
    conversations: int = 0
    with_text: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if k in ("first_event", "last_event") else v)
                for k, v in vars(self).items()}


def store_overview(store: Store, top: int = 10) -> StoreOverview:
    """Events per channel and type, distinct identifiers per type, time span, rejects, runs."""
    con = store.ibis()
    events = con.table("events")
    totals = events.aggregate(
        n=events.count(),
        first=events.occurred_at.min(),
        last=events.occurred_at.max(),
        conversations=events.conversation_id.nunique(),
        with_text=events.text.notnull().sum(),
    ).to_pyarrow().to_pylist()[0]
    by_channel = (
        events.group_by("channel").aggregate(n=events.count()).order_by(ibis.desc("n"))
        .to_pyarrow().to_pylist()
    )
    top_types = (
        events.group_by("type").aggregate(n=events.count()).order_by(ibis.desc("n")).limit(top)
        .to_pyarrow().to_pylist()
    )
    ids = events.select(identifier=events.identifiers.unnest())
    ids = ids.select(id_type=ids.identifier.split(":")[0], identifier=ids.identifier)
    by_id_type = (
        ids.group_by("id_type").aggregate(n=ids.identifier.nunique()).order_by(ibis.desc("n"))
        .to_pyarrow().to_pylist()
    )
    return StoreOverview(
        db=store.url,
        events=int(totals["n"]),
        rejected=store.count("rejected"),
        runs=store.count("ingest_runs"),
        first_event=totals["first"],
        last_event=totals["last"],
        by_channel={r["channel"]: int(r["n"]) for r in by_channel},
        top_types={r["type"]: int(r["n"]) for r in top_types},
        identifiers_by_type={r["id_type"]: int(r["n"]) for r in by_id_type},
        conversations=int(totals["conversations"] or 0),
        with_text=int(totals["with_text"] or 0),
    )
