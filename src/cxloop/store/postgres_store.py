"""PostgreSQL: the same tables on a server, for several writers and shared deployments.

Batches travel by ``COPY`` (CSV made by Arrow, no per-row Python) into a temporary table and
are inserted with ``ON CONFLICT DO NOTHING`` on the primary key, so re-sent events are counted as
duplicates and concurrent writers never store an event twice.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cxloop.store.base import BatchWrite, Store, StoreError, annotations_table
from cxloop.store.tables import TABLES, create_table_sql

try:
    import psycopg
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "PostgreSQL support needs the postgres extra: pip install 'cxloop[postgres]'"
    ) from exc


def _pg_array_literal(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A list<string> column as PostgreSQL array literals (``{"a","b"}``), vectorized."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    values = pc.list_flatten(arr)
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    lists = pa.ListArray.from_arrays(arr.offsets, quoted, mask=arr.is_null())
    joined = pc.binary_join(lists, ",")
    return pc.binary_join_element_wise("{", joined, "}", "")


def _to_csv(rows: pa.Table) -> bytes:
    columns = []
    for name in rows.column_names:
        col = rows[name]
        columns.append(_pg_array_literal(col) if pa.types.is_list(col.type) else col)
    table = pa.table(columns, names=rows.column_names)
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, write_options=pacsv.WriteOptions(include_header=False))
    return buf.getvalue()


class PostgresStore(Store):
    """A store in a PostgreSQL database (``postgresql://user@host:port/db``)."""

    dialect = "postgres"
    param = "%s"

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL at {url}: {exc}. Is the server running and the "
                "database created?"
            ) from exc
        self._ibis: Any = None

    def _execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> None:
        with self.con.cursor() as cur:
            cur.execute(sql, params)

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> pa.Table:
        try:
            with self.con.cursor() as cur:
                cur.execute(sql, params)
                names = [d.name for d in cur.description or []]
                rows = cur.fetchall()
        except psycopg.Error as exc:
            raise StoreError(f"query failed on {self.url}: {exc}\n  SQL: {sql}") from exc
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def _create_tables(self) -> None:
        for spec in TABLES:
            self._execute(create_table_sql(spec, "postgres"))
        self._execute("CREATE INDEX IF NOT EXISTS events_occurred_at ON events (occurred_at)")
        self._execute("CREATE INDEX IF NOT EXISTS rejected_run ON rejected (run_id)")

    def _copy_into(self, cur: Any, table: str, rows: pa.Table) -> None:
        cols = ", ".join(f'"{c}"' for c in rows.column_names)
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(_to_csv(rows))

    def append(self, table: str, rows: pa.Table) -> None:
        with self.con.cursor() as cur:
            self._copy_into(cur, table, rows)

    def replace_rows(
        self, table: str, rows: pa.Table, where: str = "", params: tuple[Any, ...] = ()
    ) -> None:
        with self.con.transaction(), self.con.cursor() as cur:
            cur.execute(f"DELETE FROM {table}" + (f" WHERE {where}" if where else ""), params)
            if rows.num_rows:
                self._copy_into(cur, table, rows)

    def _write_batch(self, batch: BatchWrite) -> int:
        enrichments = annotations_table(batch.annotations, batch.run_id)
        with self.con.transaction(), self.con.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE _cx_events (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            self._copy_into(cur, "_cx_events", batch.events)
            cols = ", ".join(f'"{c}"' for c in batch.events.column_names)
            cur.execute(
                f"INSERT INTO events ({cols}) SELECT {cols} FROM _cx_events "
                "ON CONFLICT (event_id) DO NOTHING"
            )
            inserted = cur.rowcount
            if batch.rejected.num_rows:
                self._copy_into(cur, "rejected", batch.rejected)
            if enrichments.num_rows:
                cur.execute("CREATE TEMP TABLE _cx_enrichments (LIKE enrichments) ON COMMIT DROP")
                self._copy_into(cur, "_cx_enrichments", enrichments)
                cur.execute(
                    "INSERT INTO enrichments SELECT * FROM _cx_enrichments ON CONFLICT DO NOTHING"
                )
            duplicates = batch.duplicates_in_run + batch.events.num_rows - inserted
            cur.execute(
                "UPDATE ingest_runs SET records_read = records_read + %s, "
                "accepted = accepted + %s, duplicates = duplicates + %s, "
                "rejected = rejected + %s WHERE run_id = %s",
                (batch.records_read, inserted, duplicates, batch.rejected.num_rows, batch.run_id),
            )
        return int(inserted)

    def ibis(self) -> Any:
        if self._ibis is None:
            import ibis

            # a connection of its own, so analytics never run inside an ingest transaction
            self._ibis = ibis.postgres.from_connection(psycopg.connect(self.url, autocommit=True))
        return self._ibis

    def close(self) -> None:
        self.con.close()
        if self._ibis is not None:
            self._ibis.disconnect()
