"""What each column of a person-record table holds, inferred from its name and its values.

Probabilistic record matching needs to know that ``given_name`` is a forename, ``dob`` a date of
birth in ``%Y%m%d`` and ``mobile`` a phone number before it can pick comparisons and blocking
rules. :func:`infer_columns` reads the column names and a sample of the values and returns one
:class:`ColumnSpec` per column; :func:`normalise_person_records` turns the raw values into the
comparable form the Splink model sees (trimmed, lower-case, digits-only phones, ISO dates).

The inference rules are documented in ``docs/identity-record-linkage.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import pyarrow as pa

from cxloop.defaults import ColumnKind

NAME_KINDS = frozenset({ColumnKind.GIVEN_NAME, ColumnKind.SURNAME, ColumnKind.FULL_NAME})
DATE_KINDS = frozenset({ColumnKind.DATE_OF_BIRTH, ColumnKind.DATE})


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a person-record table and how record matching treats it.

    Attributes:
        name: the column's name in the input.
        kind: what the column holds (decides comparison, blocking and normalisation).
        date_format: the ``strftime`` format of the raw values, for date kinds.
        completeness: share of rows with a value (0–1).
        distinct_ratio: distinct values over non-empty values (0–1).
        reason: why this kind was chosen, in words (shown by the CLI).
    """

    name: str
    kind: ColumnKind
    date_format: str | None = None
    completeness: float = 1.0
    distinct_ratio: float = 1.0
    reason: str = ""

    @property
    def is_used(self) -> bool:
        """Whether the column takes part in matching at all."""
        return self.kind is not ColumnKind.IGNORED


# Column-name rules, tried in order on the lower-cased name split into word tokens. Each entry is
# (kind, tokens any of which may appear, compact names matched on the joined name).
_NAME_RULES: tuple[tuple[ColumnKind, frozenset[str], frozenset[str]], ...] = (
    (ColumnKind.EMAIL, frozenset({"email", "mail"}), frozenset({"email", "emailaddress"})),
    (
        ColumnKind.PHONE,
        frozenset({"phone", "mobile", "tel", "telephone", "cell", "cellphone", "fax", "msisdn"}),
        frozenset({"phonenumber", "mobilenumber", "telno"}),
    ),
    (
        ColumnKind.DATE_OF_BIRTH,
        frozenset({"dob", "birth", "birthday", "birthdate", "born", "bday"}),
        frozenset({"dateofbirth", "birthdate", "dob"}),
    ),
    (
        ColumnKind.NATIONAL_ID,
        frozenset(
            {
                "ssn",
                "sin",
                "nino",
                "passport",
                "tfn",
                "nhs",
                "medicare",
                "licence",
                "license",
                "taxid",
                "tin",
                "npi",
                "nic",
                "ni",
            }
        ),
        frozenset(
            {
                "socsecid",
                "socialsecurity",
                "socialsecuritynumber",
                "socsec",
                "nationalid",
                "nationalinsurance",
                "taxnumber",
                "idcard",
                "idnumber",
            }
        ),
    ),
    (
        ColumnKind.POSTCODE,
        frozenset({"postcode", "postal", "zip", "zipcode", "plz", "pincode", "eircode"}),
        frozenset({"postcode", "postalcode", "zipcode"}),
    ),
    (
        ColumnKind.GIVEN_NAME,
        frozenset(
            {
                "first",
                "given",
                "fore",
                "forename",
                "forenames",
                "fname",
                "firstname",
                "givenname",
                "christian",
                "middle",
                "middlename",
            }
        ),
        frozenset({"firstname", "givenname", "forename", "givennames"}),
    ),
    (
        ColumnKind.SURNAME,
        frozenset({"surname", "last", "family", "lname", "lastname", "familyname", "maiden"}),
        frozenset({"lastname", "familyname", "surname"}),
    ),
    (
        ColumnKind.FULL_NAME,
        frozenset({"name", "fullname"}),
        frozenset({"fullname", "customername", "contactname", "name"}),
    ),
    (
        ColumnKind.CITY,
        frozenset({"suburb", "city", "town", "locality", "village", "municipality", "place"}),
        frozenset({"city", "town", "suburb"}),
    ),
    (
        ColumnKind.STATE,
        frozenset({"state", "province", "county", "region", "territory", "prefecture"}),
        frozenset({"state", "province"}),
    ),
    (
        ColumnKind.STREET_ADDRESS,
        frozenset(
            {
                "address",
                "addr",
                "street",
                "road",
                "line",
                "line1",
                "line2",
                "address1",
                "address2",
                "building",
                "house",
            }
        ),
        frozenset({"address", "streetaddress", "addressline"}),
    ),
    (
        ColumnKind.CATEGORY,
        frozenset({"gender", "sex", "title", "country", "nationality", "salutation"}),
        frozenset({"gender", "sex", "country"}),
    ),
)
_STREET_NUMBER_TOKENS = frozenset({"number", "no", "num", "nr", "nbr"})
_STREET_TOKENS = frozenset({"street", "house", "building", "address", "addr", "flat", "unit"})
_DATE_TOKENS = frozenset({"date", "dt", "day", "at", "on", "when", "time", "timestamp"})
_ID_TOKENS = frozenset({"id", "number", "no", "num", "nr", "code", "key", "ref", "account", "uid"})

_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d %Y",
)
_ISO_FORMAT = "%Y-%m-%d"
_NULL_TOKENS = frozenset({"", "nan", "none", "null", "n/a", "na", "-", "?"})
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^\+?[\d\s().\-]{7,20}$")
_DIGITS_RE = re.compile(r"^\d+$")
_SAMPLE_ROWS = 5_000
_INFERENCE_ROWS = 5_000
_MIN_DATE_PARSE_SHARE = 0.85
_MIN_VALUE_SHARE = 0.85


def column_tokens(column_name: str) -> list[str]:
    """Split a column name into lower-case word tokens (``dateOfBirth`` → date, of, birth)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", column_name.strip())
    return [token for token in re.split(r"[^a-z0-9]+", spaced.lower()) if token]


def _kind_from_name(column_name: str) -> ColumnKind | None:
    tokens = column_tokens(column_name)
    token_set = set(tokens)
    compact = "".join(tokens)
    if token_set & _STREET_NUMBER_TOKENS and token_set & _STREET_TOKENS:
        return ColumnKind.STREET_NUMBER
    for kind, name_tokens, compact_names in _NAME_RULES:
        if compact in compact_names or token_set & name_tokens:
            if kind is ColumnKind.FULL_NAME and token_set & _ID_TOKENS:
                return ColumnKind.IDENTIFIER  # customer_id, contact_no
            return kind
    if token_set & _DATE_TOKENS:
        return ColumnKind.DATE
    if token_set & _ID_TOKENS:
        return ColumnKind.IDENTIFIER
    return None


def as_text(values: pd.Series) -> pd.Series:
    """Values as text, whatever their dtype: whole floats lose ``.0`` (a postcode read as
    4223.0 because of a gap is 4223), datetimes become ISO dates or timestamps."""
    if pd.api.types.is_datetime64_any_dtype(values):
        has_time = bool((values.dropna() != values.dropna().dt.normalize()).any())
        return values.dt.strftime("%Y-%m-%d %H:%M:%S" if has_time else _ISO_FORMAT).astype("string")
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        if len(present) and bool((present == present.round()).all()):
            return values.astype("Int64").astype("string")
    return values.astype("string")


def clean_text(values: pd.Series) -> pd.Series:
    """Trim, lower-case and collapse whitespace; empty strings and null tokens become null."""
    text = as_text(values).str.strip().str.lower()
    text = text.str.replace(r"\s+", " ", regex=True)
    return text.mask(text.isin(_NULL_TOKENS))


def detect_date_format(values: pd.Series) -> tuple[str | None, float]:
    """The ``strftime`` format that parses most of ``values`` (cleaned strings), and its share.

    Years must fall between 1800 and 2100, so 7- or 8-digit identifiers are not taken for dates.
    When day-first and month-first both parse everything, day-first wins only if some day > 12.
    """
    sample = values.dropna()
    if sample.empty:
        return None, 0.0
    sample = sample.head(_SAMPLE_ROWS)
    best_format: str | None = None
    best_share = 0.0
    for date_format in _DATE_FORMATS:
        parsed = pd.to_datetime(sample, format=date_format, errors="coerce")
        valid = parsed.notna() & parsed.dt.year.between(1800, 2100)
        share = float(valid.mean())
        if share > best_share + 1e-9:
            best_format, best_share = date_format, share
    return best_format, best_share


def _looks_like_row_number(numbers: pd.Series) -> bool:
    ordered = numbers.sort_values().to_numpy()
    return len(ordered) > 10 and bool((ordered[1:] - ordered[:-1] == 1).all())


def _infer_one(name: str, raw: pd.Series) -> ColumnSpec:
    values = clean_text(raw)
    present = values.dropna()
    completeness = float(len(present) / len(values)) if len(values) else 0.0
    distinct_ratio = float(present.nunique() / len(present)) if len(present) else 0.0
    spec = ColumnSpec(name, ColumnKind.IGNORED, None, completeness, distinct_ratio)
    if present.empty:
        return replace(spec, reason="no values")
    if present.nunique() == 1:
        return replace(spec, reason="a single value in every row")
    sample = present.head(_SAMPLE_ROWS)

    by_name = _kind_from_name(name)
    email_share = float(sample.str.match(_EMAIL_RE).mean())
    digits_share = float(sample.str.match(_DIGITS_RE).mean())
    if by_name in DATE_KINDS or by_name is None or by_name is ColumnKind.IDENTIFIER:
        date_format, date_share = detect_date_format(sample)
    else:
        date_format, date_share = None, 0.0

    if by_name is ColumnKind.EMAIL or email_share >= _MIN_VALUE_SHARE:
        return replace(spec, kind=ColumnKind.EMAIL, reason=_why(by_name, "values look like emails"))
    if date_share >= _MIN_DATE_PARSE_SHARE and by_name in (None, *DATE_KINDS):
        kind = by_name if by_name in DATE_KINDS else _date_kind_from_values(sample, date_format)
        return replace(
            spec,
            kind=kind,
            date_format=date_format,
            reason=_why(by_name, f"{date_share:.0%} parse as dates ({date_format})"),
        )
    if by_name in DATE_KINDS:
        return replace(
            spec,
            kind=ColumnKind.TEXT,
            reason="named like a date but values do not "
            f"parse as dates ({date_share:.0%}); compared as text",
        )
    if by_name is not None and by_name is not ColumnKind.IDENTIFIER:
        return replace(spec, kind=by_name, reason=f"column name suggests {by_name.value}")
    phone_share = float(sample.str.match(_PHONE_RE).mean())
    if by_name is None and phone_share >= _MIN_VALUE_SHARE and digits_share < 0.5:
        return replace(spec, kind=ColumnKind.PHONE, reason="values look like phone numbers")
    if digits_share >= _MIN_VALUE_SHARE:
        numbers = pd.to_numeric(present, errors="coerce").dropna()
        if by_name is None and distinct_ratio > 0.99 and _looks_like_row_number(numbers):
            return replace(spec, reason="consecutive row numbers carry no identity")
        if distinct_ratio >= 0.3 or by_name is ColumnKind.IDENTIFIER:
            return replace(
                spec,
                kind=ColumnKind.IDENTIFIER,
                reason=_why(by_name, f"numeric, {distinct_ratio:.0%} distinct"),
            )
        return replace(spec, kind=ColumnKind.NUMBER, reason="numeric with repeated values")
    if by_name is ColumnKind.IDENTIFIER:
        return replace(spec, kind=ColumnKind.IDENTIFIER, reason="column name suggests an id")
    mean_tokens = float(sample.str.count(" ").mean()) + 1.0
    mean_length = float(sample.str.len().mean())
    if mean_tokens >= 4 or mean_length >= 40:
        return replace(
            spec,
            kind=ColumnKind.FREE_TEXT,
            reason=f"free text ({mean_tokens:.1f} words on average)",
        )
    if present.nunique() <= 50 or distinct_ratio < 0.01:
        return replace(
            spec, kind=ColumnKind.CATEGORY, reason=f"{present.nunique()} distinct values"
        )
    return replace(spec, kind=ColumnKind.TEXT, reason="short text")


def _why(by_name: ColumnKind | None, value_reason: str) -> str:
    return f"column name and {value_reason}" if by_name is not None else value_reason


def _date_kind_from_values(sample: pd.Series, date_format: str | None) -> ColumnKind:
    """Dates of birth lie mostly more than 15 years back; other dates are events."""
    parsed = pd.to_datetime(sample, format=date_format, errors="coerce").dropna()
    cutoff = pd.Timestamp(date.today().year - 15, 1, 1)
    if len(parsed) and float((parsed < cutoff).mean()) >= 0.9:
        return ColumnKind.DATE_OF_BIRTH
    return ColumnKind.DATE


def infer_columns(
    records: pd.DataFrame,
    *,
    id_column: str | None = None,
    overrides: Mapping[str, ColumnKind | str] | None = None,
) -> list[ColumnSpec]:
    """Infer what each column of a person-record table holds.

    Args:
        records: the person records (any dtypes; values are read as text).
        id_column: the record id column; it is left out of the result.
        overrides: column name → kind, to force a kind instead of inferring it.

    Returns:
        One :class:`ColumnSpec` per column except the id column, in input order.

    Examples:
        >>> frame = pd.DataFrame({"id": ["1", "2"], "given_name": ["ann", "bob"]})
        >>> [spec.kind.value for spec in infer_columns(frame, id_column="id")]
        ['given_name']
    """
    forced = {name: ColumnKind(kind) for name, kind in (overrides or {}).items()}
    specs: list[ColumnSpec] = []
    for name in records.columns:
        if name == id_column:
            continue
        spec = _infer_one(str(name), records[name])
        if name in forced:
            kind = forced[name]
            date_format = spec.date_format
            if kind in DATE_KINDS and date_format is None:
                date_format, _ = detect_date_format(clean_text(records[name]))
            spec = replace(spec, kind=kind, date_format=date_format, reason="set by the caller")
        specs.append(spec)
    return specs


def infer_columns_of_tables(
    tables: Sequence[pd.DataFrame],
    *,
    id_column: str,
    columns: Iterable[str] | None = None,
    overrides: Mapping[str, ColumnKind | str] | None = None,
) -> list[ColumnSpec]:
    """Infer column kinds over the rows of one or more tables that share their columns.

    Args:
        tables: the tables to match (each must hold every column in ``columns``).
        id_column: the record id column, excluded from inference.
        columns: restrict matching to these columns (default: every shared column).
        overrides: column name → kind, forced instead of inferred.
    """
    shared = [c for c in tables[0].columns if all(c in t.columns for t in tables[1:])]
    chosen = list(columns) if columns is not None else [c for c in shared if c != id_column]
    # an equal share of rows from each table, so one table's format cannot hide the other's
    per_table = max(1, _INFERENCE_ROWS // len(tables))
    stacked = pd.concat(
        [t[chosen].sample(n=min(per_table, len(t)), random_state=7) for t in tables],
        ignore_index=True,
    )
    return infer_columns(stacked, overrides=overrides)


def normalise_column(values: pd.Series, spec: ColumnSpec) -> pd.Series:
    """The comparable form of one column: what the Splink comparisons see.

    Phones keep their last ten digits (so ``+44 7911 123456`` equals ``07911 123456``), ids and
    postcodes lose spaces and dashes, dates become ISO ``YYYY-MM-DD`` (unparseable → null).
    """
    text = clean_text(values)
    kind = spec.kind
    if kind is ColumnKind.PHONE:
        digits = text.str.replace(r"\D", "", regex=True).str[-10:]
        return digits.mask(digits.str.len() < 6)
    if kind in (ColumnKind.POSTCODE, ColumnKind.NATIONAL_ID, ColumnKind.IDENTIFIER):
        compact = text.str.replace(r"[\s\-./]", "", regex=True)
        return compact.mask(compact == "")
    if kind in DATE_KINDS:
        parsed = pd.to_datetime(text, format=spec.date_format, errors="coerce")
        iso = parsed.dt.strftime(_ISO_FORMAT).astype("string")
        return iso.mask(~parsed.dt.year.between(1800, 2100))
    if kind in NAME_KINDS or kind in (ColumnKind.CITY, ColumnKind.STREET_ADDRESS):
        words = text.str.replace(r"[^\w\s'\-]", " ", regex=True).str.replace(
            r"\s+", " ", regex=True
        )
        words = words.str.strip()
        return words.mask(words == "")
    return text


# SQL reserved words (PostgreSQL's list, which covers DuckDB's and Spark's common ones): a column
# named ``group`` or ``order`` would break unquoted blocking-rule SQL such as ``l.group = r.group``.
_SQL_RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric both case cast check collate column
    constraint create cross current_catalog current_date current_role current_time
    current_timestamp current_user default deferrable desc distinct do else end except false
    fetch for foreign from grant group having in initially inner intersect into is join lateral
    leading left like limit localtime localtimestamp natural not null offset on only or order
    outer placing primary references returning right select session_user some symmetric table
    then to trailing true union unique user using variadic when where window with""".split()  # noqa: SIM905
)


def safe_column_name(name: str, taken: set[str]) -> str:
    """A SQL-safe, unique, lower-case identifier for ``name`` (recorded in ``taken``)."""
    base = "_".join(column_tokens(name)) or "column"
    if base[0].isdigit():
        base = f"c_{base}"
    if base in _SQL_RESERVED:
        base = f"{base}_value"
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


def normalise_person_records(
    records: pd.DataFrame,
    specs: Sequence[ColumnSpec],
    *,
    id_column: str,
    internal_names: Mapping[str, str],
    internal_id: str,
) -> pd.DataFrame:
    """The table handed to Splink: the id as text plus each used column, normalised and renamed.

    Args:
        records: the raw person records.
        specs: the column specs (ignored columns are dropped).
        id_column: the raw id column.
        internal_names: raw column name → SQL-safe name.
        internal_id: the SQL-safe name for the id column.
    """
    prepared = {internal_id: records[id_column].astype("string").str.strip()}
    for spec in specs:
        if spec.is_used:
            prepared[internal_names[spec.name]] = normalise_column(records[spec.name], spec)
    frame = pd.DataFrame(prepared)
    dates = [internal_names[s.name] for s in specs if s.is_used and s.kind in DATE_KINDS]
    texts = [name for name in frame.columns if name not in dates]
    frame[texts] = frame[texts].astype("object").where(frame[texts].notna(), None)
    for name in dates:
        # real DATE values: Splink then compares dates without parsing strings for every pair
        parsed = pd.to_datetime(frame[name], format=_ISO_FORMAT, errors="coerce")
        frame[name] = parsed.dt.date.astype(pd.ArrowDtype(pa.date32()))
    return frame
