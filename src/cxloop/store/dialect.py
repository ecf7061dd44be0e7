"""Engine fast paths for a few portable Ibis expressions.

Analytics are written once in Ibis. For two kinds of operation Ibis's portable SQL costs DuckDB far
more than a builtin that means the same thing (measured on 3.6 M events, docs/performance.md):

* milliseconds since the epoch of a ``TIMESTAMP WITH TIME ZONE``: the portable form converts
  through the session time zone twice (2.0 s); DuckDB's ``epoch_ms`` reads the value (0.04 s);
* the value at the smallest / largest key of a group (``argmin`` / ``argmax``): Ibis writes
  ``FIRST(x ORDER BY k)``, an ordered aggregate that sorts every group; DuckDB's
  ``arg_min_null`` / ``arg_max_null`` keep one running row (including a row whose value is null,
  exactly like ``FIRST``);

:class:`Dialect` picks the builtin on DuckDB and the portable expression everywhere else, so
results stay identical across engines (the journey parity tests run both forms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.expr.operations.udf import agg, scalar

_UDFS: dict[tuple[str, dt.DataType, dt.DataType], Any] = {}


def _builtin_agg(name: str, value: dt.DataType, key: dt.DataType) -> Any:
    """The DuckDB builtin aggregate ``name(value, key) -> value`` as an Ibis function."""
    cache_key = (name, value, key)
    if cache_key not in _UDFS:
        _UDFS[cache_key] = agg.builtin(
            lambda arg, by: None, name=name, signature=((value, key), value)
        )
    return _UDFS[cache_key]


def _epoch_ms_builtin(ts_type: dt.DataType) -> Any:
    cache_key = ("epoch_ms", ts_type, dt.int64)
    if cache_key not in _UDFS:
        _UDFS[cache_key] = scalar.builtin(
            lambda ts: None, name="epoch_ms", signature=((ts_type,), dt.int64)
        )
    return _UDFS[cache_key]


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
            result: ir.IntegerValue = _epoch_ms_builtin(ts.type())(ts)
            return result
        return ts.epoch_seconds().floor().cast("int64") * 1000 + ts.millisecond().cast("int64")

    def first(
        self, value: ir.Column, key: ir.Column, where: ir.BooleanValue | None = None
    ) -> ir.Scalar:
        """``value`` of the row with the smallest ``key`` (of the rows ``where`` holds)."""
        if self.duckdb:
            fn = _builtin_agg("arg_min_null", value.type(), key.type())
            out: ir.Scalar = fn(value, key, where=where)
            return out
        return value.argmin(key, where=where)

    def last(
        self, value: ir.Column, key: ir.Column, where: ir.BooleanValue | None = None
    ) -> ir.Scalar:
        """``value`` of the row with the largest ``key`` (of the rows ``where`` holds)."""
        if self.duckdb:
            fn = _builtin_agg("arg_max_null", value.type(), key.type())
            out: ir.Scalar = fn(value, key, where=where)
            return out
        return value.argmax(key, where=where)
