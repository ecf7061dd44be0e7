"""``cxloop enrich``: (re)run enrichers over events already in the store, in batches.

Stored text is already redacted (ingest redacts before storing), so re-runs skip the ``pii``
enricher unless it is asked for by name, and never rewrite stored events: they only add rows to
the ``enrichments`` table. Outputs are versioned: a row that already exists for the same event,
enricher and version is kept, so re-running is idempotent, and a new enricher version adds its
outputs next to the old ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from cxloop.enrich.base import Enricher, run_enrichers
from cxloop.schema.event import EVENT_COLUMNS
from cxloop.store.base import Store, annotations_table


@dataclass
class RerunReport:
    """What a re-run did: events read and annotation rows written per enricher and version."""

    events: int = 0
    written: dict[str, int] = field(default_factory=dict)
    skipped_existing: dict[str, int] = field(default_factory=dict)


def _existing_keys(store: Store, name: str, version: str, event_ids: list[str]) -> set[str]:
    placeholders = ", ".join([store.param] * len(event_ids))
    rows = store.query(
        f"SELECT event_id FROM enrichments WHERE enricher = {store.param} "
        f"AND version = {store.param} AND event_id IN ({placeholders})",
        [name, version, *event_ids],
    )
    return set(rows.column("event_id").to_pylist())


def reenrich_store(
    store: Store,
    enrichers: Sequence[Enricher],
    *,
    batch_size: int = 5000,
    run_id: str = "enrich",
    progress: Callable[[int], None] | None = None,
) -> RerunReport:
    """Run ``enrichers`` over every stored event (ordered by ``event_id``, keyset-paged)."""
    report = RerunReport()
    columns = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
    last: str | None = None
    while True:
        if last is None:
            batch = store.query(
                f"SELECT {columns} FROM events ORDER BY event_id LIMIT {int(batch_size)}"
            )
        else:
            batch = store.query(
                f"SELECT {columns} FROM events WHERE event_id > {store.param} "
                f"ORDER BY event_id LIMIT {int(batch_size)}",
                [last],
            )
        if batch.num_rows == 0:
            break
        last = batch.column("event_id")[-1].as_py()
        enriched = run_enrichers(batch, enrichers)
        fresh: dict[tuple[str, str], pa.Table] = {}
        for (name, version), table in enriched.annotations.items():
            key = f"{name}@{version}"
            existing = _existing_keys(store, name, version, table.column("event_id").to_pylist())
            seen = pa.array(sorted(existing), type=pa.string())
            keep = pc.invert(pc.is_in(table.column("event_id"), value_set=seen))
            new_rows = table.filter(keep)
            report.skipped_existing[key] = report.skipped_existing.get(key, 0) + len(existing)
            report.written[key] = report.written.get(key, 0) + new_rows.num_rows
            if new_rows.num_rows:
                fresh[(name, version)] = new_rows
        rows = annotations_table(fresh, run_id)
        if rows.num_rows:
            store.append("enrichments", rows)
        report.events += batch.num_rows
        if progress is not None:
            progress(report.events)
    return report
