"""Write a journey build into the store (the five tables swapped in one transaction) and read
it back."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from cxloop.journeys.build import JourneyBuild, Stage
from cxloop.store import Store

JOURNEY_TABLES: tuple[str, ...] = (
    "journey_events",
    "journey_contacts",
    "journeys",
    "journey_queue_legs",
    "journey_surveys",
)
"""Tables ``cxloop journeys build`` writes (and replaces on every build)."""

STAGING_SUFFIX = "__next"
"""A build is written to ``<table>__next`` first, then renamed over ``<table>``."""


def store_types(table: ir.Table) -> ir.Table:
    """Columns in the types every store engine has: booleans as 0/1 SMALLINT, other integers
    as BIGINT (SMALLINT kept), floats as DOUBLE, dates and untyped nulls as text."""
    casts: dict[str, ir.Value] = {}
    for name, dtype in table.schema().items():
        col = table[name]
        if dtype.is_boolean():
            casts[name] = col.cast("int16")
        elif dtype.is_integer() and not (dtype.is_int16() or dtype.is_int64()):
            casts[name] = col.cast("int64")
        elif dtype.is_floating() and not dtype.is_float64():
            casts[name] = col.cast("float64")
        elif dtype.is_date() or dtype.is_null():
            casts[name] = col.cast("string")
        elif dtype.is_timestamp() and dtype.timezone is None:
            # naive timestamps are UTC wall-clock times here; say so instead of letting the
            # engine's session time zone decide
            casts[name] = col.cast(dt.Timestamp(timezone="UTC"))
    return table.mutate(**casts) if casts else table


def _close(backend: Any, result: Any) -> None:
    # DuckDB's raw_sql hands back the connection itself; other engines return a cursor
    if result is not None and result is not getattr(backend, "con", None):
        result.close()


def _swap_in(backend: Any, names: list[str]) -> None:
    """Replace every ``name`` by ``name__next`` in one transaction, so readers see either the
    previous build or this one, never a mix (one multi-statement script: DuckDB and PostgreSQL
    both run DDL inside a transaction)."""
    renames = [
        f"DROP TABLE IF EXISTS {n}; ALTER TABLE {n}{STAGING_SUFFIX} RENAME TO {n}" for n in names
    ]
    try:
        _close(backend, backend.raw_sql("BEGIN; " + "; ".join(renames) + "; COMMIT"))
    except Exception:
        with contextlib.suppress(Exception):
            _close(backend, backend.raw_sql("ROLLBACK"))
        raise


DUCKDB_COMPRESSION: dict[str, dict[str, str]] = {
    "journey_events": {"event_id": "fsst"},
    "journey_contacts": {"contact_key": "fsst"},
    "journeys": {"journey_id": "fsst"},
    "journey_queue_legs": {"event_id": "fsst"},
    "journey_surveys": {"event_id": "fsst"},
}
"""Columns of unique strings (one row per event, contact or journey), for which DuckDB always
ends up choosing FSST: pinned, so it does not analyse every method for every segment it writes
(the event map's 2.3M rows: 0.88 -> 0.70 s, the same size; docs/performance.md)."""


def _create_pinned(backend: Any, name: str, expr: ir.Table, pins: dict[str, str]) -> ir.Table:
    """``CREATE TABLE name AS expr`` on DuckDB with the compression of some columns pinned."""
    columns = []
    for column in expr.schema().to_sqlglot_column_defs("duckdb"):
        pinned = pins.get(column.name)
        columns.append(
            column.sql("duckdb") + (f" USING COMPRESSION {pinned}" if pinned is not None else "")
        )
    _close(backend, backend.raw_sql(f'CREATE TABLE "{name}" ({", ".join(columns)})'))
    listed = ", ".join(f'"{c}"' for c in expr.columns)
    _close(backend, backend.raw_sql(f'INSERT INTO "{name}" ({listed}) {backend.compile(expr)}'))
    table: ir.Table = backend.table(name)
    return table


def stage_into(store: Store) -> Stage:
    """A ``stage`` for :func:`cxloop.journeys.build_journeys`: writes an output to its
    staging table (``<table>__next``) in ``store`` during the build, so :func:`save_build`
    swaps it in without writing it again (the event map: millions of rows, written once)."""
    backend = store.ibis()

    def stage(name: str, expr: ir.Table) -> ir.Table:
        staged = name + STAGING_SUFFIX
        backend.drop_table(staged, force=True)
        typed = store_types(expr)
        if store.dialect == "duckdb" and name in DUCKDB_COMPRESSION:
            return _create_pinned(backend, staged, typed, DUCKDB_COMPRESSION[name])
        table: ir.Table = backend.create_table(staged, typed)
        return table

    return stage


def save_build(
    store: Store, build: JourneyBuild, progress: Callable[[str], Any] | None = None
) -> dict[str, int]:
    """Materialize every output of ``build`` inside the engine (no round trip through Python)
    and replace the stored tables all at once; returns row counts per table.

    Each table is created anew, so a build with new columns never meets an older layout. The
    tables carry no key constraint: they are derived and replaced whole, and an index over
    millions of event ids costs more to build than the whole journey build (docs/performance.md).
    """
    backend = store.ibis()
    stage = stage_into(store)
    counts: dict[str, int] = {}
    written: list[str] = []
    try:
        for name, expr in build.tables().items():
            if progress is not None:
                progress(name)
            written.append(name)
            if name in build.staged:
                table = backend.table(name + STAGING_SUFFIX)
            else:
                table = stage(name, expr)
            counts[name] = int(table.count().execute())
        _swap_in(backend, written)
    except BaseException:
        for name in {*written, *build.staged}:
            backend.drop_table(name + STAGING_SUFFIX, force=True)
        raise
    finally:
        build.release()
    return counts


def has_journeys(store: Store) -> bool:
    """Whether ``cxloop journeys build`` has run on this store."""
    return all(store.has_table(t) for t in JOURNEY_TABLES)
