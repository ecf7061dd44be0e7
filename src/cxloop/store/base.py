"""The engine boundary: one small abstract store; DuckDB and PostgreSQL implement it.

No module outside :mod:`cxloop.store` opens a database connection. Analytics reach the data
through :meth:`Store.ibis` (Ibis expressions run unchanged on every engine); ingest writes through
:meth:`Store.write_batch`, one atomic transaction per batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, final

import numpy as np
import pyarrow as pa

from cxloop.store.tables import (
    ENRICHMENTS_SCHEMA,
    INGEST_RUNS_SCHEMA,
    REJECTED_SCHEMA,
    SCHEMA_VERSION,
    TABLES,
    TableSpec,
    create_table_sql,
)


class StoreError(RuntimeError):
    """A store operation failed; the message names the store, the table and what to do."""


@dataclass(frozen=True)
class BatchWrite:
    """Everything one ingest batch stores, written in one transaction.

    ``events`` are validated and enriched, one row per event_id (duplicates within the run were
    already counted in ``duplicates_in_run``); the store drops and counts those it already holds.
    """

    run_id: str
    events: pa.Table
    rejected: pa.Table
    annotations: dict[tuple[str, str], pa.Table] = field(default_factory=dict)
    records_read: int = 0
    duplicates_in_run: int = 0
    event_hashes: np.ndarray | None = None
    """DuckDB's ``hash(event_id)`` of every event, sorted (uint64), when the producer has them
    (validation computes them): a DuckDB store then does not hash the ids again."""


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch became: ``accepted + duplicates + rejected == records_read``."""

    records_read: int
    accepted: int
    duplicates: int
    rejected: int


@dataclass(frozen=True)
class IngestRun:
    """One row of ``ingest_runs``."""

    run_id: str
    status: str
    records_read: int
    accepted: int
    duplicates: int
    rejected: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    sources: list[str]


def any_hash_shared(seen: np.ndarray, new: np.ndarray) -> bool:
    """Whether a hash of ``new`` is also in ``seen`` (both sorted uint64 arrays, as
    :attr:`BatchWrite.event_hashes`): a repeated event id, or a collision that the caller settles
    by comparing the ids themselves. One binary search per hash of ``new``."""
    if not len(seen) or not len(new):
        return False
    at = np.minimum(np.searchsorted(seen, new), len(seen) - 1)
    return bool(np.any(seen[at] == new))


def annotations_table(annotations: dict[tuple[str, str], pa.Table], run_id: str) -> pa.Table:
    """Stack per-enricher annotations into rows of the ``enrichments`` table."""
    parts = []
    for (name, version), table in annotations.items():
        n = table.num_rows
        parts.append(
            pa.table(
                {
                    "event_id": table["event_id"],
                    "enricher": pa.repeat(name, n),
                    "version": pa.repeat(version, n),
                    "output": table["output"],
                    "run_id": pa.repeat(run_id, n),
                },
                schema=ENRICHMENTS_SCHEMA,
            )
        )
    if not parts:
        return ENRICHMENTS_SCHEMA.empty_table()
    return pa.concat_tables(parts)


class Store(ABC):
    """A cxloop store. Subclasses implement the engine-specific steps; shared steps are final."""

    dialect: str
    url: str
    param: str
    """The bound-parameter placeholder of the engine's driver (``?`` or ``%s``)."""
    bulk_insert_rows: int = 0
    """Rows from which one :meth:`write_batch` stores events more cheaply per row than in
    smaller ones; ingest merges consecutive batches of a file up to this many events (0: the
    engine has no such size, batches are stored as read)."""

    # --- engine-specific -------------------------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> None:
        """Run one statement with bound parameters (no result)."""

    @abstractmethod
    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> pa.Table:
        """Run a read query with bound parameters and return the result as Arrow."""

    @abstractmethod
    def _write_batch(self, batch: BatchWrite) -> int:
        """Store one batch atomically (events not yet held, rejects, annotations, run counters);
        return how many events were inserted."""

    @abstractmethod
    def _create_tables(self) -> None:
        """Create the stored tables if they do not exist."""

    @abstractmethod
    def ibis(self) -> Any:
        """An Ibis backend on this store (``ibis.BaseBackend``)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection(s)."""

    # --- shared ------------------------------------------------------------------------------
    @final
    def create_tables(self) -> None:
        """Create every stored table (idempotent) and check the schema version."""
        self._create_tables()
        self._execute("CREATE TABLE IF NOT EXISTS cxloop_meta (key TEXT PRIMARY KEY, value TEXT)")
        found = self.query("SELECT value FROM cxloop_meta WHERE key = 'schema_version'")
        if found.num_rows == 0:
            self._execute(
                f"INSERT INTO cxloop_meta VALUES ('schema_version', {self.param})",
                (str(SCHEMA_VERSION),),
            )
        elif int(found.column(0)[0].as_py()) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.url} was written by a newer cxloop (schema {found.column(0)[0]}, "
                f"this one reads {SCHEMA_VERSION}); upgrade cxloop"
            )

    @final
    def start_run(self, run_id: str, sources: list[str], version: str) -> None:
        """Record the start of an ingest run."""
        now = dt.datetime.now(dt.UTC)
        row = pa.table(
            {
                "run_id": [run_id],
                "started_at": [now],
                "finished_at": [None],
                "status": ["running"],
                "sources": [json.dumps(sources)],
                "records_read": [0],
                "accepted": [0],
                "duplicates": [0],
                "rejected": [0],
                "cxloop_version": [version],
            },
            schema=INGEST_RUNS_SCHEMA,
        )
        self.append("ingest_runs", row)

    @final
    def mark_interrupted_runs(self) -> int:
        """Mark runs still 'running' as 'interrupted' (a crash or kill ended them).

        Only safe where a single writer is guaranteed (a DuckDB file is locked by its writer);
        on PostgreSQL another process may be ingesting right now, so nothing is changed there.
        """
        if self.dialect != "duckdb":
            return 0
        stale = self.query("SELECT count(*) FROM ingest_runs WHERE status = 'running'")
        self._execute("UPDATE ingest_runs SET status = 'interrupted' WHERE status = 'running'")
        return int(stale.column(0)[0].as_py())

    @final
    def write_batch(self, batch: BatchWrite) -> BatchOutcome:
        """Store one batch in one transaction and say what each record became."""
        if batch.rejected.schema != REJECTED_SCHEMA:
            raise StoreError("rejected rows must follow REJECTED_SCHEMA")
        inserted = self._write_batch(batch)
        duplicates = batch.duplicates_in_run + (batch.events.num_rows - inserted)
        return BatchOutcome(
            records_read=batch.records_read,
            accepted=inserted,
            duplicates=duplicates,
            rejected=batch.rejected.num_rows,
        )

    def batch_writes(self) -> contextlib.AbstractContextManager[None]:
        """A context around a run of :meth:`write_batch` calls (one ingest run), in which an
        engine may tune itself for many bulk inserts. Each batch stays one atomic transaction.
        The default does nothing."""
        return contextlib.nullcontext()

    @final
    def finish_run(self, run_id: str, status: str) -> None:
        """Mark a run completed or failed."""
        param = self.param
        self._execute(
            f"UPDATE ingest_runs SET status = {param}, finished_at = {param} "
            f"WHERE run_id = {param}",
            (status, dt.datetime.now(dt.UTC), run_id),
        )

    @abstractmethod
    def append(self, table: str, rows: pa.Table) -> None:
        """Append Arrow rows to a stored table."""

    @abstractmethod
    def replace_rows(
        self, table: str, rows: pa.Table, where: str = "", params: tuple[Any, ...] = ()
    ) -> None:
        """Atomically delete the rows matching ``where`` (all rows if empty; a SQL condition with
        bound parameters ``params``) and append ``rows`` — one transaction, so readers see the
        old or the new content, never half of it."""

    @final
    def ensure_table(self, spec: TableSpec) -> None:
        """Create a table of another component (identity, journeys…) if it does not exist."""
        self._execute(create_table_sql(spec, self.dialect))

    @final
    def has_table(self, name: str) -> bool:
        """Whether the store has a table called ``name``."""
        found = self.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = "
            f"{self.param}"
            + (" AND table_schema = current_schema()" if self.dialect == "postgres" else ""),
            (name,),
        )
        return bool(found.column(0)[0].as_py())

    @final
    def runs(self) -> list[IngestRun]:
        """Every ingest run, newest first."""
        result = self.query(
            "SELECT run_id, status, records_read, accepted, duplicates, rejected, started_at, "
            "finished_at, sources FROM ingest_runs ORDER BY started_at DESC"
        )
        return [
            IngestRun(
                run_id=r["run_id"],
                status=r["status"],
                records_read=r["records_read"],
                accepted=r["accepted"],
                duplicates=r["duplicates"],
                rejected=r["rejected"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                sources=json.loads(r["sources"] or "[]"),
            )
            for r in result.to_pylist()
        ]

    @final
    def count(self, table: str) -> int:
        """Rows in a stored table."""
        if table not in {t.name for t in TABLES} and not self.has_table(table):
            raise StoreError(f"no stored table {table!r}")
        return int(self.query(f"SELECT count(*) AS n FROM {table}").column(0)[0].as_py())

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"
