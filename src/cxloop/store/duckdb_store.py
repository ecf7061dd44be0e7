"""The embedded default: one DuckDB file, no server.

DuckDB allows one writing process per file. Keys are kept by the single writer: a batch inserts
only the events the file does not hold yet (an anti-join on event_id), inside the batch's
transaction, so a crash leaves either the whole batch or none of it.

Inside :meth:`DuckDBStore.batch_writes` (an ingest run) two things change, never the outcome:
inserts run on one DuckDB thread (ingest overlaps validation and storage on threads of its own,
and DuckDB's order-preserving parallel append of a batch from Arrow costs about twice the CPU for
no gain on two cores), and when the events table was empty at the start, the anti-join is replaced
by a check of 64-bit hashes of the event ids this run stored: only a batch with a hash already seen
(a real duplicate, or a collision) goes through the exact anti-join.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from cxloop.store.base import BatchWrite, Store, StoreError, annotations_table, any_hash_shared
from cxloop.store.tables import TABLES, create_table_sql


class DuckDBStore(Store):
    """A store in a DuckDB file (or in memory with ``:memory:``)."""

    dialect = "duckdb"
    param = "?"
    bulk_insert_rows = 122_880
    """Rows from which one transaction's insert is written as compressed row groups straight
    into the file (DuckDB's row group size); a smaller one goes through the write-ahead log and
    is compressed again at the next checkpoint, which costs about a fifth more per row. Ingest
    merges consecutive batches up to this many events."""

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.url = str(path)
        self.path = None if self.url == ":memory:" else Path(self.url)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.url, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"{self.url} is open for writing in another process (DuckDB allows one writer "
                    "per file). Stop that process, or use PostgreSQL for several writers: "
                    "--db postgresql://…"
                ) from exc
            raise StoreError(f"cannot open DuckDB file {self.url}: {exc}") from exc
        self._ibis: Any = None
        self._run_hashes: np.ndarray | None = None
        """Sorted hashes of the event ids stored in this ingest run, while the run is the only
        source of events in the table (see :meth:`batch_writes`); ``None`` otherwise."""
        self._run_events = 0
        """Events stored by this ingest run so far."""

    def _execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> pa.Table:
        try:
            return self.con.execute(sql, list(params)).to_arrow_table()
        except duckdb.Error as exc:
            raise StoreError(f"query failed on {self.url}: {exc}\n  SQL: {sql}") from exc

    def _create_tables(self) -> None:
        for spec in TABLES:
            # events keep their key through the single writer's anti-join (see module docstring):
            # an ART index over millions of ids costs more than it protects here.
            self.con.execute(create_table_sql(spec, "duckdb", with_key=spec.name != "events"))

    def append(self, table: str, rows: pa.Table) -> None:
        self.con.register("_cx_append", rows)
        try:
            cols = ", ".join(f'"{c}"' for c in rows.column_names)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _cx_append")
        finally:
            self.con.unregister("_cx_append")

    def replace_rows(
        self, table: str, rows: pa.Table, where: str = "", params: tuple[Any, ...] = ()
    ) -> None:
        self.con.register("_cx_replace", rows)
        try:
            self.con.execute("BEGIN TRANSACTION")
            try:
                self.con.execute(
                    f"DELETE FROM {table}" + (f" WHERE {where}" if where else ""), list(params)
                )
                cols = ", ".join(f'"{c}"' for c in rows.column_names)
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _cx_replace")
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        finally:
            self.con.unregister("_cx_replace")

    @contextlib.contextmanager
    def batch_writes(self) -> Iterator[None]:
        threads = self.con.execute("SELECT current_setting('threads')").fetchone()
        empty = self.con.execute("SELECT NOT EXISTS (SELECT 1 FROM events)").fetchone()
        self.con.execute("SET threads = 1")
        self._run_hashes = np.empty(0, dtype=np.uint64) if empty and empty[0] else None
        self._run_events = 0
        try:
            yield
        finally:
            self._run_hashes = None
            if threads:
                self.con.execute(f"SET threads = {int(threads[0])}")

    def _batch_hashes(self) -> np.ndarray:
        """Sorted 64-bit hashes of the event ids of the batch being written (``_cx_events``)."""
        found = self.con.execute("SELECT hash(event_id) AS h FROM _cx_events").to_arrow_table()
        return np.sort(found.column("h").to_numpy())

    def _new_hashes(self, given: np.ndarray | None) -> np.ndarray | None:
        """Hashes of the batch's event ids (``given`` by the batch, or computed here) when none
        was stored by this run before (then the batch can be inserted whole); ``None`` when the
        exact anti-join must decide."""
        if self._run_hashes is None:
            return None
        held = self.con.execute("SELECT count(*) FROM events").fetchone()
        if held is None or held[0] != self._run_events:  # another writer in this process
            self._run_hashes = None
            return None
        hashes = self._batch_hashes() if given is None else given
        return None if any_hash_shared(self._run_hashes, hashes) else hashes

    def _write_batch(self, batch: BatchWrite) -> int:
        con = self.con
        enrichments = annotations_table(batch.annotations, batch.run_id)
        con.register("_cx_events", batch.events)
        con.register("_cx_rejected", batch.rejected)
        con.register("_cx_enrichments", enrichments)
        try:
            new_hashes = self._new_hashes(batch.event_hashes)
            con.execute("BEGIN TRANSACTION")
            try:
                cols = ", ".join(f'"{c}"' for c in batch.events.column_names)
                only_new = (
                    ""
                    if new_hashes is not None
                    else " WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = b.event_id)"
                )
                inserted_row = con.execute(
                    f"INSERT INTO events ({cols}) SELECT {cols} FROM _cx_events b{only_new}"
                ).fetchone()
                inserted = int(inserted_row[0]) if inserted_row else 0
                con.execute("INSERT INTO rejected SELECT * FROM _cx_rejected")
                if enrichments.num_rows:
                    con.execute(
                        "INSERT INTO enrichments SELECT * FROM _cx_enrichments n WHERE NOT EXISTS "
                        "(SELECT 1 FROM enrichments x WHERE x.event_id = n.event_id "
                        "AND x.enricher = n.enricher AND x.version = n.version)"
                    )
                duplicates = batch.duplicates_in_run + batch.events.num_rows - inserted
                con.execute(
                    "UPDATE ingest_runs SET records_read = records_read + ?, "
                    "accepted = accepted + ?, duplicates = duplicates + ?, "
                    "rejected = rejected + ? WHERE run_id = ?",
                    [
                        batch.records_read,
                        inserted,
                        duplicates,
                        batch.rejected.num_rows,
                        batch.run_id,
                    ],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            if self._run_hashes is not None:
                if new_hashes is None:  # inserted by the anti-join: hash what was stored
                    new_hashes = self._batch_hashes()
                merged = np.concatenate([self._run_hashes, new_hashes])
                merged.sort(kind="stable")  # two sorted runs: a linear merge
                self._run_hashes = merged
                self._run_events += inserted
        finally:
            for name in ("_cx_events", "_cx_rejected", "_cx_enrichments"):
                con.unregister(name)
        return inserted

    def ibis(self) -> Any:
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def close(self) -> None:
        self.con.close()
