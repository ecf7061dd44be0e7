"""Write a journey build into the store (the five tables swapped in one transaction) and read
it back."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from cxloop.journeys.build import JourneyBuild
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
    # the event map's journey and contact keys repeat (2.3M rows, 140k journeys, 240k
    # contacts): dictionary, what DuckDB picks for nearly every segment of them
    "journey_events": {
        "event_id": "fsst",
        "journey_id": "dictionary",
        "contact_key": "dictionary",
    },
    "journey_contacts": {"contact_key": "fsst"},
    "journeys": {"journey_id": "fsst"},
    "journey_queue_legs": {"event_id": "fsst"},
    "journey_surveys": {"event_id": "fsst"},
}
"""Columns whose compression DuckDB would end up choosing anyway, pinned so it does not analyse
every method for every segment it writes: the unique strings (one row per event, contact or
journey) as FSST (the event map's 2.3M rows: 0.88 -> 0.70 s, the same size), and the event
map's repeating journey and contact keys as dictionary (writing those 2.3M rows 0.64 ->
0.51 s, the same number of blocks; docs/performance.md)."""


def _column_defs(expr: ir.Table, pins: dict[str, str]) -> str:
    """DuckDB column definitions of ``expr``'s schema, with the compression of some pinned."""
    columns = []
    for column in expr.schema().to_sqlglot_column_defs("duckdb"):
        pinned = pins.get(column.name)
        columns.append(
            column.sql("duckdb") + (f" USING COMPRESSION {pinned}" if pinned is not None else "")
        )
    return ", ".join(columns)


def _insert_sql(backend: Any, name: str, expr: ir.Table) -> str:
    listed = ", ".join(f'"{c}"' for c in expr.columns)
    return f"INSERT INTO {name} ({listed}) {backend.compile(expr)}"


def _create_pinned(backend: Any, name: str, expr: ir.Table, pins: dict[str, str]) -> ir.Table:
    """``CREATE TABLE name AS expr`` on DuckDB with the compression of some columns pinned."""
    _close(backend, backend.raw_sql(f'CREATE TABLE "{name}" ({_column_defs(expr, pins)})'))
    _close(backend, backend.raw_sql(_insert_sql(backend, f'"{name}"', expr)))
    table: ir.Table = backend.table(name)
    return table


def _bound(backend: Any, name: str, schema: Any, temp: bool = False) -> ir.Table:
    """A table of ``backend`` named ``name`` with ``schema``, before it exists (no look-up)."""
    namespace = ops.Namespace(catalog="temp", database="main") if temp else ops.Namespace()
    table: ir.Table = ops.DatabaseTable(
        name, schema=schema, source=backend, namespace=namespace
    ).to_expr()
    return table


class StagingArea:
    """Where a build writes as it goes (:func:`stage_into`): calling it with ``(name, expr)``
    writes an output to its staging table ``<name>__next`` (``(name, expr, *more)``: the rows
    of each part after the other's, one ``INSERT`` each on DuckDB — a ``UNION ALL`` under the
    ``INSERT`` makes DuckDB write its rows on one thread); :meth:`keep` keeps an intermediate
    step in a temporary table. Both return the table that holds (or will hold) the rows.

    On DuckDB the statements run in order on one worker thread while the caller goes on
    building and compiling the next ones: Ibis's compiler is pure Python (~0.4 s of a build)
    and DuckDB releases the GIL while it runs a statement, so the two overlap. Until
    :meth:`wait` returns, the store's connection belongs to that thread: the build touches it
    only through this object, and :func:`save_build` waits before it swaps the tables in. On
    other engines every statement has run when the call returns.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.backend = store.ibis()
        self.background = store.dialect == "duckdb"
        self._pool: ThreadPoolExecutor | None = None
        self._rows: dict[str, Future[int] | ir.Table] = {}
        self._kept: list[ir.Table] = []
        self._temps: list[str] = []
        self._failed: BaseException | None = None

    def __call__(self, name: str, expr: ir.Table, *more: ir.Table) -> ir.Table:
        staged = name + STAGING_SUFFIX
        if more and not self.background:
            for part in more:
                expr = expr.union(part)
            more = ()
        typed = store_types(expr)
        pins = DUCKDB_COMPRESSION.get(name, {})
        if not self.background:
            self.backend.drop_table(staged, force=True)
            table: ir.Table = self.backend.create_table(staged, typed)
            self._rows[name] = table
            return table
        self._rows[name] = self._submit(
            [
                f'DROP TABLE IF EXISTS "{staged}"',
                f'CREATE TABLE "{staged}" ({_column_defs(typed, pins)})',
                _insert_sql(self.backend, f'"{staged}"', typed),
                *(_insert_sql(self.backend, f'"{staged}"', store_types(p)) for p in more),
            ]
        )
        return _bound(self.backend, staged, typed.schema())

    def keep(self, expr: ir.Table) -> ir.Table:
        """``expr`` computed once into a temporary table (Ibis's ``Table.cache`` elsewhere),
        dropped by :meth:`close`."""
        if not self.background:
            kept = expr.cache()
            self._kept.append(kept)
            return kept
        name = f"cxloop_step_{uuid.uuid4().hex}"
        self._temps.append(name)
        self._submit(
            [
                f'CREATE TEMPORARY TABLE "{name}" ({_column_defs(expr, {})})',
                _insert_sql(self.backend, f'"temp"."main"."{name}"', expr),
            ]
        )
        return _bound(self.backend, name, expr.schema(), temp=True)

    def _submit(self, statements: list[str]) -> Future[int]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="cxloop-staging")
        return self._pool.submit(self._run, statements)

    def _run(self, statements: list[str]) -> int:
        if self._failed is not None:
            raise RuntimeError("not run: an earlier statement of the build failed")
        try:
            con = self.backend.con
            rows = 0
            for sql in statements:
                con.execute(sql)
                if sql.startswith("INSERT"):
                    row = con.fetchone()  # the INSERT's row count
                    rows += int(row[0]) if row else 0
            return rows
        except BaseException as exc:
            self._failed = exc
            raise

    def rows(self, name: str) -> int:
        """Rows written to ``name``'s staging table (waiting for it); raises the build's first
        failure."""
        written = self._rows[name]
        if isinstance(written, Future):
            try:
                return written.result()
            except BaseException:
                if self._failed is not None:
                    raise self._failed from None
                raise
        return int(written.count().execute())

    def staged(self) -> tuple[str, ...]:
        """The outputs written (or being written) to their staging tables, in order."""
        return tuple(self._rows)

    def close(self) -> None:
        """Wait for every statement, then drop the intermediate tables."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for table in self._kept:
            table.release()
        self._kept.clear()
        for name in self._temps:
            with contextlib.suppress(Exception):
                _close(
                    self.backend,
                    self.backend.raw_sql(f'DROP TABLE IF EXISTS "temp"."main"."{name}"'),
                )
        self._temps.clear()


def stage_into(store: Store) -> StagingArea:
    """A ``stage`` for :func:`cxloop.journeys.build_journeys`: writes an output to its
    staging table (``<table>__next``) in ``store`` during the build, so :func:`save_build`
    swaps it in without writing it again (the event map: millions of rows, written once), and
    keeps the build's intermediate steps (:class:`StagingArea`)."""
    return StagingArea(store)


def save_build(
    store: Store, build: JourneyBuild, progress: Callable[[str], Any] | None = None
) -> dict[str, int]:
    """Materialize every output of ``build`` inside the engine (no round trip through Python)
    and replace the stored tables all at once; returns row counts per table.

    Each table is created anew, so a build with new columns never meets an older layout. The
    tables carry no key constraint: they are derived and replaced whole, and an index over
    millions of event ids costs more to build than the whole journey build (docs/performance.md).
    A build staged with :func:`stage_into` goes on through the same :class:`StagingArea`: on
    DuckDB the remaining tables are compiled while the earlier ones are written.
    """
    backend = store.ibis()
    staging = build.staging if isinstance(build.staging, StagingArea) else None
    own = staging is None or staging.store is not store
    if own:
        staging = StagingArea(store)
    assert staging is not None
    counts: dict[str, int] = {}
    written: list[str] = []
    try:
        for name, expr in build.tables().items():
            written.append(name)
            if name not in build.staged:
                staging(name, expr)
        for name in written:
            if progress is not None:
                progress(name)
            if name in build.staged and name not in staging.staged():
                counts[name] = int(backend.table(name + STAGING_SUFFIX).count().execute())
            else:
                counts[name] = staging.rows(name)
        staging.close()
        _swap_in(backend, written)
    except BaseException:
        staging.close()
        for name in {*written, *build.staged}:
            backend.drop_table(name + STAGING_SUFFIX, force=True)
        raise
    finally:
        build.release()
        if own:
            staging.close()
    return counts


def has_journeys(store: Store) -> bool:
    """Whether ``cxloop journeys build`` has run on this store."""
    return all(store.has_table(t) for t in JOURNEY_TABLES)
