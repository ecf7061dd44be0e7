"""Purchase events → the per-customer RFM summary that the CLV models fit on.

A *transaction table* has one row per purchase: ``customer_id``, ``date`` and ``amount``.
:func:`rfm_summary` turns it into one row per customer with the statistics the BG/NBD and
Gamma-Gamma models need, computed the way Fader, Hardie & Lee (2005) do for CDNOW:

* purchases on the same calendar day are one purchase (their amounts are summed);
* ``frequency`` — the number of *repeat* purchase days in the calibration period;
* ``recency`` — time from the first to the last purchase day, in the time unit;
* ``T`` — time from the first purchase day to the end of calibration, in the time unit;
* ``monetary_value`` — the mean amount of the repeat purchase days (0 when there are none);
* ``holdout_frequency`` — purchase days after calibration, for checking predictions.

Everything is vectorised pandas; there is no per-customer Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "TIME_UNIT_DAYS",
    "TRANSACTION_COLUMNS",
    "RfmSummary",
    "TimeUnit",
    "TransactionDataError",
    "read_cdnow_transactions",
    "read_transactions",
    "rfm_summary",
    "validate_transactions",
]

TimeUnit = Literal["days", "weeks", "months"]

#: Length of each supported time unit in days (a month is a mean Gregorian month).
TIME_UNIT_DAYS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12.0}

#: Columns every transaction table must have.
TRANSACTION_COLUMNS: tuple[str, str, str] = ("customer_id", "date", "amount")

_DAY = np.timedelta64(1, "D")


class TransactionDataError(ValueError):
    """A transaction table that cannot be used, naming the row and the field that is wrong.

    ``row`` is the 0-based position of the offending data row (``None`` when the problem is
    not one row, e.g. a missing column) and ``field`` the column involved.
    """

    def __init__(self, message: str, *, row: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.field = field


@dataclass(frozen=True)
class RfmSummary:
    """Per-customer recency/frequency/monetary statistics for one calibration period.

    Attributes:
        customers: one row per customer (index ``customer_id``) with ``frequency``, ``recency``,
            ``T``, ``monetary_value`` and ``holdout_frequency``.
        time_unit: the unit of ``recency`` and ``T``.
        calibration_end: last day of the calibration period (inclusive).
        holdout_end: last purchase day in the data after calibration, or ``None`` if none.
        holdout_length: time from ``calibration_end`` to ``holdout_end`` in the time unit.
    """

    customers: pd.DataFrame
    time_unit: str
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp | None
    holdout_length: float


def _source_label(source: str | None, row: int, header_lines: int) -> str:
    """Say where a data row is: its 0-based row number and, for files, its line number."""
    if source is None:
        return f"row {row}"
    return f"row {row} (line {row + 1 + header_lines} of {source})"


def validate_transactions(
    frame: pd.DataFrame | pa.Table, *, source: str | None = None, header_lines: int = 1
) -> pd.DataFrame:
    """Check and normalise a transaction table.

    Args:
        frame: a table with at least ``customer_id``, ``date`` and ``amount`` columns. Dates may
            be datetimes or strings (ISO 8601, or ``YYYYMMDD``); amounts must be non-negative
            numbers.
        source: file name used in error messages, if the table came from a file.
        header_lines: lines before the first data row in that file (for line numbers).

    Returns:
        A new frame with ``customer_id`` (string), ``date`` (calendar day, ``datetime64[ns]``)
        and ``amount`` (float64), in input order.

    Raises:
        TransactionDataError: on a missing column, an empty customer id, an unparseable date or
            a missing, non-numeric, non-finite or negative amount; the message names the first
            bad row and the field.
    """
    if isinstance(frame, pa.Table):
        frame = frame.to_pandas()
    missing = [name for name in TRANSACTION_COLUMNS if name not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise TransactionDataError(
            f"transactions are missing column(s) {', '.join(map(repr, missing))}; expected "
            f"{', '.join(TRANSACTION_COLUMNS)} (found: {found})",
            field=missing[0],
        )
    frame = frame.reset_index(drop=True)

    raw_ids = frame["customer_id"]
    customer_id = raw_ids.astype("string").str.strip()
    bad = customer_id.isna() | (customer_id == "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise TransactionDataError(
            f"transactions {_source_label(source, row, header_lines)}, field 'customer_id': "
            "customer id is empty",
            row=row,
            field="customer_id",
        )

    date = _parse_dates(frame["date"], source=source, header_lines=header_lines)

    raw_amount = frame["amount"]
    amount = pd.to_numeric(raw_amount, errors="coerce").astype("float64")
    values = amount.to_numpy()
    bad_amount = ~np.isfinite(values)
    if bad_amount.any():
        row = int(np.flatnonzero(bad_amount)[0])
        raise TransactionDataError(
            f"transactions {_source_label(source, row, header_lines)}, field 'amount': "
            f"{raw_amount.iloc[row]!r} is not a finite number",
            row=row,
            field="amount",
        )
    negative = values < 0
    if negative.any():
        row = int(np.flatnonzero(negative)[0])
        raise TransactionDataError(
            f"transactions {_source_label(source, row, header_lines)}, field 'amount': "
            f"negative amount {float(values[row]):g}; net refunds against their purchases before "
            "estimating lifetime value",
            row=row,
            field="amount",
        )
    return pd.DataFrame({"customer_id": customer_id, "date": date, "amount": amount})


def _parse_dates(raw: pd.Series[Any], *, source: str | None, header_lines: int) -> pd.Series[Any]:
    """Parse a date column to calendar days (UTC for values that carry an offset)."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = pd.to_datetime(raw, utc=True)
    else:
        text = raw.astype("string").str.strip()
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise TransactionDataError(
            f"transactions {_source_label(source, row, header_lines)}, field 'date': cannot "
            f"parse {raw.iloc[row]!r} as a date (use ISO 8601 like 1997-01-31, or YYYYMMDD)",
            row=row,
            field="date",
        )
    return parsed.dt.tz_convert(None).dt.floor("D").astype("datetime64[ns]")


def read_transactions(
    path: str | Path, *, file_format: Literal["auto", "csv", "parquet", "cdnow"] = "auto"
) -> pd.DataFrame:
    """Read and validate a purchase file with ``customer_id``, ``date`` and ``amount`` columns.

    Args:
        path: a CSV file with a header row, a Parquet file, or a raw CDNOW text file.
        file_format: ``auto`` picks by extension (``.csv``, ``.parquet``/``.pq``, ``.txt`` as
            the raw CDNOW layout).

    Returns:
        The validated transaction table (see :func:`validate_transactions`).
    """
    path = Path(path)
    if file_format == "auto":
        suffix = path.suffix.lower()
        by_suffix = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".txt": "cdnow"}
        if suffix not in by_suffix:
            raise TransactionDataError(
                f"cannot tell the format of {path.name!r} from its extension; "
                "use a .csv or .parquet file, or name the format (csv, parquet, cdnow)"
            )
        file_format = by_suffix[suffix]  # type: ignore[assignment]
    if not path.exists():
        raise TransactionDataError(f"transactions file {str(path)!r} does not exist")
    if file_format == "cdnow":
        return read_cdnow_transactions(path)
    if file_format == "parquet":
        return validate_transactions(pd.read_parquet(path), source=path.name, header_lines=0)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return validate_transactions(frame, source=path.name, header_lines=1)


def read_cdnow_transactions(path: str | Path) -> pd.DataFrame:
    """Read the raw CDNOW purchase log (as shipped in ``CDNOW_sample.txt``).

    Each line holds the master customer id, the sample customer id, the date ``YYYYMMDD``,
    the number of CDs and the amount in dollars, separated by blanks. The sample id is used as
    ``customer_id``; the number of CDs is kept as ``quantity``.
    """
    path = Path(path)
    frame = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype=str,
        engine="c",
    )
    for column in ("customer_id", "date", "amount"):
        holes = frame[column].isna().to_numpy()
        if holes.any():
            row = int(np.flatnonzero(holes)[0])
            raise TransactionDataError(
                f"transactions {_source_label(path.name, row, 0)}, field {column!r}: the CDNOW "
                "line has fewer than 5 fields (master id, customer id, YYYYMMDD, CDs, amount)",
                row=row,
                field=column,
            )
    validated = validate_transactions(frame, source=path.name, header_lines=0)
    validated["quantity"] = pd.to_numeric(frame["quantity"], errors="coerce")
    return validated


def rfm_summary(
    transactions: pd.DataFrame | pa.Table,
    *,
    calibration_end: str | pd.Timestamp | None = None,
    time_unit: TimeUnit | str = "weeks",
) -> RfmSummary:
    """Summarise purchases per customer for the BG/NBD and Gamma-Gamma models.

    Args:
        transactions: a validated table from :func:`read_transactions` or any table with
            ``customer_id``, ``date`` and ``amount`` (it is validated here).
        calibration_end: last day (inclusive) of the calibration period; it must lie between the
            first and the last purchase day. Defaults to the last purchase day.
        time_unit: ``days``, ``weeks`` or ``months`` for ``recency`` and ``T``.

    Returns:
        The :class:`RfmSummary`; customers whose first purchase is after ``calibration_end``
        are not in it (they were not yet customers during calibration).

    Examples:
        >>> frame = pd.DataFrame({"customer_id": ["a", "a", "b"],
        ...                       "date": ["2024-01-01", "2024-01-15", "2024-01-08"],
        ...                       "amount": [10.0, 20.0, 5.0]})
        >>> rfm_summary(frame, calibration_end="2024-01-15").customers["frequency"].tolist()
        [1.0, 0.0]
    """
    if time_unit not in TIME_UNIT_DAYS:
        raise ValueError(
            f"time unit {time_unit!r} is not supported; use one of {', '.join(TIME_UNIT_DAYS)}"
        )
    normalised = validate_transactions(transactions)
    if normalised.empty:
        raise TransactionDataError("transactions are empty: there is nothing to summarise")
    dates = normalised["date"]
    first_day, last_day = dates.min(), dates.max()
    end = last_day if calibration_end is None else _parse_calibration_end(calibration_end)
    if end < first_day or end > last_day:
        side, row = ("before", dates.idxmin()) if end < first_day else ("after", dates.idxmax())
        edge = first_day if end < first_day else last_day
        raise TransactionDataError(
            f"calibration end {end.date()} is {side} the {'first' if side == 'before' else 'last'}"
            f" purchase day {edge.date()} (transactions row {row}, field 'date'); choose a "
            "calibration end inside the data",
            row=int(row),
            field="date",
        )

    # One purchase per customer and calendar day, amounts summed (as in the CDNOW analyses).
    daily = normalised.groupby(["customer_id", "date"], sort=True, observed=True, as_index=False)[
        "amount"
    ].sum()
    calibration = daily[daily["date"] <= end]
    holdout = daily[daily["date"] > end]

    grouped = calibration.groupby("customer_id", sort=True, observed=True)
    first = grouped["date"].transform("min")
    is_repeat = (calibration["date"] != first).to_numpy()
    stats = grouped["date"].agg(first_day="min", last_day="max", purchase_days="count")
    repeat_spend = calibration.loc[is_repeat].groupby("customer_id", observed=True)["amount"].mean()

    days_per_unit = TIME_UNIT_DAYS[time_unit]
    customers = pd.DataFrame(index=stats.index)
    customers["frequency"] = (stats["purchase_days"] - 1).astype("float64")
    customers["recency"] = (stats["last_day"] - stats["first_day"]) / _DAY / days_per_unit
    customers["T"] = (end - stats["first_day"]) / _DAY / days_per_unit
    customers["monetary_value"] = repeat_spend.reindex(stats.index).fillna(0.0)
    holdout_counts = holdout.groupby("customer_id", observed=True).size()
    customers["holdout_frequency"] = holdout_counts.reindex(stats.index).fillna(0).astype("float64")
    customers.index.name = "customer_id"

    holdout_end = holdout["date"].max() if not holdout.empty else None
    holdout_length = (
        float((holdout_end - end) / _DAY / days_per_unit) if holdout_end is not None else 0.0
    )
    return RfmSummary(
        customers=customers,
        time_unit=str(time_unit),
        calibration_end=end,
        holdout_end=holdout_end,
        holdout_length=holdout_length,
    )


def _parse_calibration_end(value: str | pd.Timestamp) -> pd.Timestamp:
    """Parse the calibration end date, saying clearly when it is not a date."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as error:
        raise TransactionDataError(
            f"calibration end {value!r} is not a date (use ISO 8601 like 1997-09-30)",
            field="calibration_end",
        ) from error
    if stamp is pd.NaT:
        raise TransactionDataError(
            f"calibration end {value!r} is not a date", field="calibration_end"
        )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(None)
    return stamp.floor("D")
