"""Engine fast paths for a few portable Ibis expressions.

Analytics are written once in Ibis. For two kinds of operation Ibis's portable SQL costs DuckDB far
more than a builtin that means the same thing (measured on 3.6 M events, docs/performance.md):

* milliseconds since the epoch of a ``TIMESTAMP WITH TIME ZONE``: the portable form converts
  through the session time zone twice (2.0 s); DuckDB's ``epoch_ms`` reads the value (0.04 s);
* the value at the smallest / largest key of a group (``argmin`` / ``argmax``): Ibis writes
  ``FIRST(x ORDER BY k)``, an ordered aggregate that sorts every group; DuckDB's
  ``arg_min_null`` / ``arg_max_null`` keep one running row (including a row whose value is null,
  exactly like ``FIRST``);
* membership in a list of constants: an ``IN (…)`` list is a chain of comparisons per row
  (13 event types over 3.6M events: 0.17 CPU s), DuckDB's ``list_contains`` one look-up (0.02 s);
* the UTC calendar day or week of a ``TIMESTAMP WITH TIME ZONE``: the portable cast to a date
  goes through the session time zone (0.20 s for 240k contacts), DuckDB's ``epoch_ms`` there
  and back gives the UTC wall-clock time without it (0.03 s) — and UTC whatever the session's
  zone, as the metrics' day and week promise;
* running several queries (:meth:`Dialect.to_pyarrow_all`): Ibis compiles a query in pure
  Python, tens of milliseconds each, while DuckDB releases the GIL as it runs one, so the next
  query is compiled while the one before runs on a worker thread;

:class:`Dialect` picks the builtin on DuckDB and the portable expression everywhere else, so
results stay identical across engines (the journey parity tests run both forms).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.expr.operations.udf import agg, scalar

_UDFS: dict[tuple[str, tuple[dt.DataType, ...]], Any] = {}


def _builtin(name: str, args: tuple[dt.DataType, ...], returns: dt.DataType) -> Any:
    """The DuckDB builtin ``name(args…) -> returns`` as an Ibis function, made once per
    signature: ``epoch_ms(ts)``, or one of the aggregates ``arg_min_null`` / ``arg_max_null``
    ``(value, key)``. Ibis names the parameters after the stub's, so each arity has its own."""
    if (name, args) not in _UDFS:
        if len(args) == 1:
            fn = scalar.builtin(lambda ts: None, name=name, signature=(args, returns))
        else:
            fn = agg.builtin(lambda arg, by: None, name=name, signature=(args, returns))
        _UDFS[(name, args)] = fn
    return _UDFS[(name, args)]


@dataclass(frozen=True)
class Dialect:
    """Portable expressions with an engine's faster equivalent where it has one.

    Attributes:
        engine: the Ibis backend name (``duckdb``, ``postgres``, ``pyspark``, …); any other
            value means "portable Ibis only".
    """

    engine: str = ""

    @classmethod
    def of(cls, expr: ir.Expr) -> Dialect:
        """The dialect of the backend ``expr`` is bound to (portable when it is unbound)."""
        try:
            return cls(engine=str(ibis.get_backend(expr).name))
        except Exception:  # an unbound expression: no engine to specialise for
            return cls()

    @property
    def duckdb(self) -> bool:
        return self.engine == "duckdb"

    def epoch_ms(self, ts: ir.TimestampValue) -> ir.IntegerValue:
        """Milliseconds since the Unix epoch: whole seconds plus the millisecond field, so
        DuckDB, PostgreSQL (fractional epochs) and Spark (whole epochs) agree."""
        if self.duckdb:
            result: ir.IntegerValue = _builtin("epoch_ms", (ts.type(),), dt.int64)(ts)
            return result
        return ts.epoch_seconds().floor().cast("int64") * 1000 + ts.millisecond().cast("int64")

    def isin(self, value: ir.Value, values: Sequence[Any]) -> ir.BooleanValue:
        """Whether ``value`` is one of the constants ``values`` (null when it is null), like
        ``value.isin(values)``; on DuckDB one list look-up instead of a comparison per constant
        (a single constant is one comparison either way)."""
        if self.duckdb and len(values) > 1:
            found: ir.BooleanValue = ibis.literal(list(values)).contains(value)
            return found
        return value.isin(list(values))

    def utc_timestamp(self, ts: ir.TimestampValue) -> ir.TimestampValue:
        """The UTC wall-clock time of ``ts`` (to the millisecond on DuckDB), for calendar
        labels: ``.date()`` and ``.truncate("W")`` of it are the UTC day and week. Elsewhere
        ``ts`` itself, which those engines' sessions read in UTC."""
        if self.duckdb:
            naive = dt.Timestamp(scale=3)
            result: ir.TimestampValue = _builtin("epoch_ms", (dt.int64,), naive)(self.epoch_ms(ts))
            return result
        return ts

    def any_starts_with(self, values: ir.ArrayValue, prefixes: tuple[str, ...]) -> ir.BooleanValue:
        """Whether any string of the list starts with one of ``prefixes`` (false for a null or
        empty list). DuckDB tests the items with a list lambda; the portable form is a substring
        test on the ``|``-joined list (a regular expression over it cost DuckDB 4x more), so
        it assumes no prefix holds ``|``."""
        if self.duckdb:
            test = values.map(
                lambda item: functools.reduce(
                    operator.or_, [item.startswith(p) for p in prefixes], ibis.literal(False)
                )
            )
            return test.anys().fill_null(False)
        joined = "|" + ibis.literal("|").join(values).fill_null("")
        found: ir.BooleanValue = ibis.literal(False)
        for prefix in prefixes:
            found = found | joined.contains("|" + prefix)
        return found

    def first_any_starts_with(
        self, values: ir.ArrayColumn, key: ir.Column, prefixes: tuple[str, ...]
    ) -> ir.BooleanScalar:
        """Aggregate: whether the list at the smallest ``key`` has a string starting with one of
        ``prefixes`` (``first(any_starts_with(values, prefixes), key)``). DuckDB takes that
        row's list first (``arg_min_null``) and tests it once per group instead of once per
        row; PostgreSQL cannot aggregate lists of different lengths, so elsewhere each row is
        tested."""
        if self.duckdb:
            fn = _builtin("arg_min_null", (values.type(), key.type()), values.type())
            first_list: ir.ArrayValue = fn(values, key)
            tested: ir.BooleanScalar = self.any_starts_with(first_list, prefixes)
            return tested
        found: ir.BooleanScalar = self.first(self.any_starts_with(values, prefixes), key)
        return found

    def to_pyarrow_all(self, tables: Sequence[ir.Table]) -> list[Any]:
        """The rows of each table as Arrow, in order, like ``[t.to_pyarrow() for t in tables]``
        (the tables on one backend). On DuckDB each query is compiled while the one before it
        runs on a worker thread, which alone uses the connection until all have run."""
        if not self.duckdb or len(tables) < 2:
            return [t.to_pyarrow() for t in tables]
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        backend = ibis.get_backend(tables[0])

        def run(table: ir.Table, sql: str) -> Any:
            result = backend.con.sql(sql).to_arrow_table()
            return table.__pyarrow_result__(result, data_mapper=DuckDBPyArrowData)

        with ThreadPoolExecutor(1, thread_name_prefix="cxloop-queries") as pool:
            running = [pool.submit(run, t, backend.compile(t)) for t in tables]
            return [r.result() for r in running]

    def first(
        self, value: ir.Column, key: ir.Column, where: ir.BooleanValue | None = None
    ) -> ir.Scalar:
        """``value`` of the row with the smallest ``key`` (of the rows ``where`` holds)."""
        return self._at_extreme("min", value, key, where)

    def last(
        self, value: ir.Column, key: ir.Column, where: ir.BooleanValue | None = None
    ) -> ir.Scalar:
        """``value`` of the row with the largest ``key`` (of the rows ``where`` holds)."""
        return self._at_extreme("max", value, key, where)

    def _at_extreme(
        self, extreme: str, value: ir.Column, key: ir.Column, where: ir.BooleanValue | None
    ) -> ir.Scalar:
        if self.duckdb:
            fn = _builtin(f"arg_{extreme}_null", (value.type(), key.type()), value.type())
            out: ir.Scalar = fn(value, key, where=where)
            return out
        portable = value.argmin if extreme == "min" else value.argmax
        return portable(key, where=where)
