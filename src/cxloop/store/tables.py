"""The stored tables, declared once as Arrow schemas; each engine renders its own DDL from them."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from cxloop.schema import EVENT_ARROW_SCHEMA

SCHEMA_VERSION = 1
"""Bumped whenever a stored table changes shape; the store refuses files of a newer version."""

REJECTED_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("record_no", pa.int64(), nullable=False),
        pa.field("event_id", pa.string()),
        pa.field("field", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.string()),
        pa.field("raw_bytes", pa.int64()),
        pa.field("rejected_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)
"""The dead letter: one row per rejected input record. ``source`` is the file (or ``http``),
``record_no`` the 1-based line (JSONL) or data row (CSV, Parquet); ``raw`` is the redacted input
record, cut to :data:`RAW_KEEP_BYTES` (``raw_bytes`` is its full length)."""

RAW_KEEP_BYTES = 65_536

INGEST_RUNS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("started_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("finished_at", pa.timestamp("us", tz="UTC")),
        pa.field("status", pa.string(), nullable=False),
        pa.field("sources", pa.string()),
        pa.field("records_read", pa.int64(), nullable=False),
        pa.field("accepted", pa.int64(), nullable=False),
        pa.field("duplicates", pa.int64(), nullable=False),
        pa.field("rejected", pa.int64(), nullable=False),
        pa.field("cxloop_version", pa.string()),
    ]
)
"""One row per ingest run; counters are updated in the same transaction as each batch, so after a
crash they still equal what the store holds from that run."""

ENRICHMENTS_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("enricher", pa.string(), nullable=False),
        pa.field("version", pa.string(), nullable=False),
        pa.field("output", pa.string()),
        pa.field("run_id", pa.string()),
    ]
)
"""What each enricher (name, version) found in each event, as JSON text."""


@dataclass(frozen=True)
class TableSpec:
    """A stored table: its name, Arrow schema and key columns.

    ``duckdb_compression`` pins DuckDB's compression of a column (``(column, method)`` pairs)
    where the choice is known in advance — unique strings such as ids always end up FSST — so
    DuckDB does not analyse every method for every segment it writes.
    """

    name: str
    schema: pa.Schema
    key: tuple[str, ...] = ()
    duckdb_compression: tuple[tuple[str, str], ...] = ()


TABLES: tuple[TableSpec, ...] = (
    # event ids and sources (file:line) are unique: dictionaries never win, FSST always did
    # (storing 2.70 -> 2.45 us per event, the same file size: docs/performance.md)
    TableSpec(
        "events",
        EVENT_ARROW_SCHEMA,
        ("event_id",),
        duckdb_compression=(("event_id", "fsst"), ("source", "fsst")),
    ),
    TableSpec("rejected", REJECTED_SCHEMA),
    TableSpec("ingest_runs", INGEST_RUNS_SCHEMA, ("run_id",)),
    TableSpec("enrichments", ENRICHMENTS_SCHEMA, ("event_id", "enricher", "version")),
)


def table_spec(name: str) -> TableSpec:
    """The spec of a stored table by name."""
    for spec in TABLES:
        if spec.name == name:
            return spec
    raise KeyError(f"no stored table {name!r}; tables: {', '.join(t.name for t in TABLES)}")


def sql_type(arrow_type: pa.DataType, dialect: str) -> str:
    """The column type of ``arrow_type`` in ``dialect`` (``duckdb`` or ``postgres``)."""
    if pa.types.is_list(arrow_type):
        inner = sql_type(arrow_type.value_type, dialect)
        return f"{inner}[]"
    if pa.types.is_string(arrow_type):
        return "VARCHAR" if dialect == "duckdb" else "TEXT"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ"
    if pa.types.is_float64(arrow_type):
        return "DOUBLE" if dialect == "duckdb" else "DOUBLE PRECISION"
    if pa.types.is_int64(arrow_type):
        return "BIGINT"
    if pa.types.is_int16(arrow_type):
        return "SMALLINT"
    raise TypeError(f"no {dialect} type for Arrow {arrow_type}")


def create_table_sql(spec: TableSpec, dialect: str, *, with_key: bool = True) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for ``spec`` in ``dialect``."""
    pinned = dict(spec.duckdb_compression) if dialect == "duckdb" else {}
    columns = [
        f'"{f.name}" {sql_type(f.type, dialect)}{"" if f.nullable else " NOT NULL"}'
        + (f" USING COMPRESSION {pinned[f.name]}" if f.name in pinned else "")
        for f in spec.schema
    ]
    if with_key and spec.key:
        columns.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in spec.key) + ")")
    return f"CREATE TABLE IF NOT EXISTS {spec.name} (\n  " + ",\n  ".join(columns) + "\n)"
