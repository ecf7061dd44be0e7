"""Write a journey build into the store (one atomic replace per table) and read it back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from cxloop.journeys.build import JourneyBuild
from cxloop.store import Store
from cxloop.store.tables import TableSpec

JOURNEY_TABLES: tuple[str, ...] = (
    "journey_events", "journey_contacts", "journeys", "journey_queue_legs", "journey_surveys",
)
"""Tables ``cxloop journeys build`` writes (and replaces on every build)."""

_KEYS: dict[str, tuple[str, ...]] = {
    "journey_events": ("event_id",), "journey_contacts": ("contact_key",),
    "journeys": ("journey_id",), "journey_queue_legs": ("event_id",),
    "journey_surveys": ("event_id",),
}


def storable(table: pa.Table) -> pa.Table:
    """Arrow columns in the types every store engine has: booleans as 0/1 SMALLINT, small
    integers as BIGINT, dates as text, timestamps in UTC microseconds."""
    fields, columns = [], []
    for f, col in zip(table.schema, table.columns, strict=True):
        t = f.type
        if pa.types.is_boolean(t):
            col, t = col.cast(pa.int8()).cast(pa.int16()), pa.int16()
        elif pa.types.is_integer(t) and t not in (pa.int16(), pa.int64()):
            col, t = col.cast(pa.int64()), pa.int64()
        elif pa.types.is_floating(t) and t != pa.float64():
            col, t = col.cast(pa.float64()), pa.float64()
        elif pa.types.is_date(t) or pa.types.is_null(t):
            col, t = col.cast(pa.string()), pa.string()
        elif pa.types.is_timestamp(t):
            col, t = col.cast(pa.timestamp("us", tz="UTC")), pa.timestamp("us", tz="UTC")
        elif pa.types.is_large_string(t):
            col, t = col.cast(pa.string()), pa.string()
        fields.append(pa.field(f.name, t))
        columns.append(col)
    return pa.table(columns, schema=pa.schema(fields))


def save_build(store: Store, build: JourneyBuild,
               progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    """Materialize every output of ``build`` and replace the stored tables; returns row
    counts per table."""
    counts: dict[str, int] = {}
    try:
        for name, expr in build.tables().items():
            if progress is not None:
                progress(name)
            rows = storable(expr.to_pyarrow())
            store.ensure_table(TableSpec(name, rows.schema, _KEYS.get(name, ())))
            store.replace_rows(name, rows)
            counts[name] = rows.num_rows
    finally:
        build.release()
    return counts


def has_journeys(store: Store) -> bool:
    """Whether ``cxloop journeys build`` has run on this store."""
    return all(store.has_table(t) for t in JOURNEY_TABLES)
