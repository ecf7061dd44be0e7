"""What a store holds, computed with Ibis so it runs the same on every engine."""

from __future__ import annotations

import datetime as dt
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
        return {
            k: (_utc_iso(v) if k in ("first_event", "last_event") else v)
            for k, v in vars(self).items()
        }


def _utc_iso(value: Any) -> str | None:
    """A timestamp as ISO 8601 in UTC; engines that return naive UTC values (Spark) agree."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return str(value.isoformat())
    return str(value)


def store_overview(store: Store, top: int = 10) -> StoreOverview:
    """Events per channel and type, distinct identifiers per type, time span, rejects, runs."""
    overview = events_overview(store.ibis().table("events"), top=top)
    overview.db = store.url
    overview.rejected = store.count("rejected")
    overview.runs = store.count("ingest_runs")
    return overview


def events_overview(events: ibis.Table, top: int = 10) -> StoreOverview:
    """The event part of the overview, from any Ibis table of events (DuckDB, PostgreSQL,
    Spark): the same expressions give the same numbers on every engine."""
    totals = (
        events.aggregate(
            n=events.count(),
            first=events.occurred_at.min(),
            last=events.occurred_at.max(),
            conversations=events.conversation_id.nunique(),
            with_text=events.text.notnull().sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    by_channel = (
        events.group_by("channel")
        .aggregate(n=events.count())
        .order_by(ibis.desc("n"))
        .to_pyarrow()
        .to_pylist()
    )
    top_types = (
        events.group_by("type")
        .aggregate(n=events.count())
        .order_by([ibis.desc("n"), "type"])
        .limit(top)
        .to_pyarrow()
        .to_pylist()
    )
    ids = events.select(identifier=events.identifiers.unnest())
    # a regex, not split(":")[0]: array indexing differs between engines, and the type of
    # "external:crm:42" is "external:crm"
    ids = ids.select(
        id_type=ids.identifier.re_extract(r"^(external:[^:]+|[^:]+):", 1), identifier=ids.identifier
    )
    by_id_type = (
        ids.group_by("id_type")
        .aggregate(n=ids.identifier.nunique())
        .order_by(ibis.desc("n"))
        .to_pyarrow()
        .to_pylist()
    )
    return StoreOverview(
        db="",
        events=int(totals["n"]),
        rejected=0,
        runs=0,
        first_event=totals["first"],
        last_event=totals["last"],
        by_channel={r["channel"]: int(r["n"]) for r in by_channel},
        top_types={
            r["type"]: int(r["n"]) for r in sorted(top_types, key=lambda r: (-r["n"], r["type"]))
        },
        identifiers_by_type={r["id_type"]: int(r["n"]) for r in by_id_type},
        conversations=int(totals["conversations"] or 0),
        with_text=int(totals["with_text"] or 0),
    )
