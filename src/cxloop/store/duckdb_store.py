"""The embedded default: one DuckDB file, no server.

DuckDB allows one writing process per file. Keys are kept by the single writer: a batch inserts
only the events the file does not hold yet (an anti-join on event_id), inside the batch's
transaction, so a crash leaves either the whole batch or none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from cxloop.store.base import BatchWrite, Store, StoreError, annotations_table
from cxloop.store.tables import TABLES, create_table_sql


class DuckDBStore(Store):
    """A store in a DuckDB file (or in memory with ``:memory:``)."""

    dialect = "duckdb"
    param = "?"

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

    def replace_rows(self, table: str, rows: pa.Table, where: str = "",
                     params: tuple[Any, ...] = ()) -> None:
        self.con.register("_cx_replace", rows)
        try:
            self.con.execute("BEGIN TRANSACTION")
            try:
                self.con.execute(f"DELETE FROM {table}" + (f" WHERE {where}" if where else ""),
                                 list(params))
                cols = ", ".join(f'"{c}"' for c in rows.column_names)
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _cx_replace")
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        finally:
            self.con.unregister("_cx_replace")

    def _write_batch(self, batch: BatchWrite) -> int:
        con = self.con
        enrichments = annotations_table(batch.annotations, batch.run_id)
        con.register("_cx_events", batch.events)
        con.register("_cx_rejected", batch.rejected)
        con.register("_cx_enrichments", enrichments)
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                cols = ", ".join(f'"{c}"' for c in batch.events.column_names)
                inserted_row = con.execute(
                    f"INSERT INTO events ({cols}) SELECT {cols} FROM _cx_events b "
                    "WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = b.event_id)"
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
                    [batch.records_read, inserted, duplicates, batch.rejected.num_rows,
                     batch.run_id],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
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
