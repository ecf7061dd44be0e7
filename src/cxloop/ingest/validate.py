"""Vectorized validation and normalization of raw records into canonical events.

A batch of raw records (record number + one JSON object text each) goes through one DuckDB
statement in an in-memory connection: parse, check every field, normalize identifiers, and split
the batch into valid events (Arrow, :data:`cxloop.schema.EVENT_ARROW_SCHEMA`) and rejects that name
the record, the field and the reason. Phones of the common identifier shape are looked up once
per distinct number and batch after the statement; the others (lists, JSON strings, and numbers
that turn out not to be phone numbers) by a dictionary look-up per record inside it
(``cx_e164``). Each distinct number is parsed once with ``phonenumbers``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.func import FunctionNullHandling, PythonUDFType
from duckdb.sqltypes import VARCHAR

from cxloop.schema import ACTORS, CHANNELS, EVENT_ARROW_SCHEMA, IDENTIFIER_TYPES, MAX_TEXT_BYTES
from cxloop.schema.identifiers import MAX_IDENTIFIER_LENGTH, normalize_phones
from cxloop.store.tables import RAW_KEEP_BYTES, REJECTED_SCHEMA

KNOWN_FIELDS: tuple[str, ...] = (
    "event_id",
    "occurred_at",
    "channel",
    "type",
    "identifiers",
    "conversation_id",
    "session_id",
    "actor",
    "agent_id",
    "queue",
    "text",
    "duration_s",
    "wait_s",
    "scores",
    "csat",
    "nps",
    "ces",
    "value",
    "currency",
    "attributes",
)
"""Top-level fields of an input record. Any other field is kept under ``attributes._extra``."""

_DROP_KNOWN = "{" + ", ".join(f'"{f}": null' for f in KNOWN_FIELDS) + "}"
"""A merge patch that removes every known field, leaving the unknown ones."""

_STRING_FIELDS = (
    "event_id",
    "channel",
    "type",
    "conversation_id",
    "session_id",
    "actor",
    "agent_id",
    "queue",
    "text",
    "currency",
)


@dataclass(frozen=True)
class RawBatch:
    """Raw input records: ``record_no`` (1-based line or row) and ``record`` (JSON object text).

    ``rejected`` carries records the reader itself could not read (invalid UTF-8, ragged CSV
    rows), already in :data:`cxloop.store.REJECTED_SCHEMA` minus the run id.
    """

    source: str
    records: pa.Table  # columns record_no int64, record string
    pre_rejected: list[tuple[int, str, str, str | None]]  # (record_no, field, reason, raw)
    position: int = 0
    """Bytes of the (compressed) file consumed once this batch is read, for progress bars."""

    @property
    def size(self) -> int:
        return int(self.records.num_rows) + len(self.pre_rejected)


@dataclass(frozen=True)
class ValidatedBatch:
    """A validated batch: events to store, rejects, and duplicates found inside the batch."""

    events: pa.Table
    rejected: pa.Table
    duplicates_in_batch: int
    records_read: int
    event_hashes: np.ndarray | None = None
    """DuckDB's ``hash(event_id)`` of the events, sorted (:attr:`BatchWrite.event_hashes`)."""


@dataclass(frozen=True)
class ValidationSettings:
    """What counts as valid. ``max_future`` bounds clock skew; ``min_time`` rules out epochs."""

    default_region: str = "US"
    min_time: dt.datetime = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
    max_future: dt.timedelta = dt.timedelta(days=1)


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


_JSON_FIELDS = ("identifiers", "attributes")
_TYPED_STRUCT = (
    "{"
    + ", ".join(
        f'"{f}": "JSON"'
        if f in _JSON_FIELDS
        else '"scores": {"csat": "VARCHAR", "nps": "VARCHAR", "ces": "VARCHAR"}'
        if f == "scores"
        else f'"{f}": "VARCHAR"'
        for f in KNOWN_FIELDS
    )
    + "}"
)
"""One parse of a record: every field as text (numbers too: checked by casting, so a wrong type
is reported rather than silently nulled), identifiers and attributes as JSON."""

_PARSE_SQL = f"""
SELECT record_no, record, jtype,
       CASE WHEN jtype = 'OBJECT' THEN from_json(record, '{_TYPED_STRUCT}') END AS j,
       CASE WHEN jtype = 'OBJECT' THEN json_keys(record) END AS keys
FROM (SELECT record_no, record, try(json_type(record)) AS jtype FROM _cx_raw)
"""
"""One parse of each record into its known fields, plus its top-level keys (for unknown
fields). Records that are not JSON objects keep ``j`` and ``keys`` NULL; ``jtype`` is NULL for
text that is not JSON."""

_PARSE_VALID_SQL = f"""
SELECT record_no, record,
       CASE WHEN prefix(record, '{{') THEN 'OBJECT' ELSE json_type(record) END AS jtype,
       from_json(record, '{_TYPED_STRUCT}') AS j, json_keys(record) AS keys
FROM _cx_raw
"""
""":data:`_PARSE_SQL` for a batch of valid JSON texts only (any other fails the statement):
without the parse that tells JSON from other text, and without a condition around the parse.
Valid JSON that starts with ``{`` is an object; the type of the others is looked up. A record
that is not an object gets no NULL ``j`` here but one without fields, which rejects it all the
same (its reason comes from ``jtype``)."""

_KNOWN_PRESENT = " + ".join(f"(j.{f} IS NOT NULL)::INTEGER" for f in KNOWN_FIELDS)
"""SQL: how many known fields a record has with a non-null value. Each is one of its keys, so
when the record has exactly that many keys (``only_known``, computed once per record), none of
them is unknown or repeated (the exact list filters, which cost a lambda per key, run only for
the other records)."""


def _trim_sql(value: str) -> str:
    """SQL: ``trim(value)``, which removes the Unicode space separators at both ends, computed
    only for values that may start or end with one: ASCII values that start or end with a
    space, and values with a character beyond ASCII (their byte and character lengths differ).
    ``trim`` looks at every character of a value; the guard at its ends and its length, which
    costs a third as much on ids and codes (docs/performance.md)."""
    return (
        f"CASE WHEN prefix({value}, ' ') OR suffix({value}, ' ') "
        f"OR strlen({value}) <> length({value}) THEN trim({value}) ELSE {value} END"
    )


def _str(field: str) -> str:
    """SQL: the field as a trimmed string (NULL when absent, JSON null or blank)."""
    return f"nullif({_trim_sql('j.' + field)}, '')"


def _is_wrong_string(field: str) -> str:
    """SQL: the field holds an object or list where a string belongs. Only values that start
    like one are parsed again, and the list of such fields is built only for records with a
    value starting with ``{`` or ``[``, so ordinary records pay two byte comparisons per field
    (``prefix``; ``ascii`` would read the whole value to tell whether it is ASCII)."""
    return (
        f"((prefix(j.{field}, '{{') OR prefix(j.{field}, '[')) AND "
        f"json_type(json_extract(record, '$.{field}')) IN ('OBJECT', 'ARRAY'))"
    )


def _json_type(value: str) -> str:
    """SQL: ``json_type`` of a JSON value the parse wrote (so valid JSON without leading white
    space): an object is told by its first byte, and only the other values are parsed again."""
    return f"CASE WHEN prefix({value}, '{{') THEN 'OBJECT' ELSE json_type({value}) END"


def _fields_sql() -> str:
    """SQL: the known fields of each parsed record as typed columns, and the raw texts the checks
    quote. Identifiers and attributes keep their JSON type, decided once here."""
    # ids, codes and names are trimmed; a message's text is kept exactly as sent
    strings = ",\n  ".join(
        (f"nullif(j.{f}, '') AS {f}" if f == "text" else f"{_str(f)} AS {f}")
        for f in _STRING_FIELDS
    )
    return f"""
SELECT record_no, record, jtype,
  CASE WHEN only_known THEN []::VARCHAR[]
       ELSE list_filter(keys, k -> NOT list_contains({_sql_list(KNOWN_FIELDS)}, k))
  END AS extra_keys,
  CASE WHEN NOT only_known
       THEN list_filter(keys, (k, i) -> list_position(keys, k) < i)[1] END AS repeated_key,
  {strings},
  j.occurred_at AS occurred_at_raw,
  try_cast(j.occurred_at AS TIMESTAMPTZ) AS occurred_at,
  j.duration_s AS duration_raw, try_cast(j.duration_s AS DOUBLE) AS duration_s,
  j.wait_s AS wait_raw, try_cast(j.wait_s AS DOUBLE) AS wait_s,
  j.value AS value_raw, try_cast(j.value AS DOUBLE) AS value,
  coalesce(j.scores.csat, j.csat) AS csat_raw,
  coalesce(j.scores.nps, j.nps) AS nps_raw,
  coalesce(j.scores.ces, j.ces) AS ces_raw,
  CASE WHEN j.scores IS NULL AND list_contains(keys, 'scores')
       THEN json_type(json_extract(record, '$.scores')) END AS scores_type,
  j.attributes AS attributes_raw, {_json_type("j.attributes")} AS attributes_raw_type,
  j.identifiers AS ids_raw, {_json_type("j.identifiers")} AS ids_raw_type,
  CASE WHEN {" OR ".join(f"prefix(j.{f}, '{{') OR prefix(j.{f}, '[')" for f in _STRING_FIELDS)}
    THEN list_filter([
      {" ".join(f"CASE WHEN {_is_wrong_string(f)} THEN '{f}' END," for f in _STRING_FIELDS)}
      NULL
    ], x -> x IS NOT NULL)
    ELSE []::VARCHAR[] END AS wrong_type_fields,
  strlen(j.text) AS text_bytes,
  {MAX_TEXT_BYTES} AS text_limit
FROM (SELECT *, len(keys) = {_KNOWN_PRESENT} AS only_known FROM _cx_parsed)
"""


# Identifiers and attributes may arrive as a JSON string holding the object (CSV, Parquet): such
# a string is read as that object. The type of the JSON value is computed once per record.
_JSON_VALUES_SQL = """
SELECT *,
  CASE WHEN attributes_raw_type = 'VARCHAR' THEN json_type(attributes_json)
       ELSE attributes_raw_type END AS attributes_type,
  CASE WHEN ids_raw_type = 'VARCHAR' THEN json_type(ids_json) ELSE ids_raw_type END AS ids_type
FROM (
  SELECT *,
    CASE WHEN attributes_raw_type = 'VARCHAR' THEN try(json(attributes_raw->>'$'))
         ELSE attributes_raw END AS attributes_json,
    CASE WHEN ids_raw_type = 'VARCHAR' THEN try(json(ids_raw->>'$')) ELSE ids_raw END AS ids_json
  FROM _cx_fields
)
"""

_EMAIL_PATTERN = "'^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'"
_PHONE_PUNCTUATION = "'[\\s().\\-]'"

_TYPED_IDS = "{" + ", ".join(f'"{t}": "VARCHAR"' for t in IDENTIFIER_TYPES) + "}"


def _normalized_sql(id_type: str, raw: str) -> str:
    """SQL: the normalized value of an identifier of a known type (before phone parsing)."""
    if id_type == "email":
        return f"lower({_trim_sql(raw)})"
    if id_type == "phone":
        # formatting variants of one number collapse before the phone parser sees them
        return f"regexp_replace({_trim_sql(raw)}, {_PHONE_PUNCTUATION}, '', 'g')"
    return _trim_sql(raw)


# The common shape of identifiers — an object whose keys are built-in types, each holding one
# string — is read as a typed struct: no list, no lambda. A record qualifies when no key is
# followed by anything but a string, and it has as many keys as the struct found fields (so every
# key is one of them, once). Its identifiers are then exactly what the general path below makes of
# them, as long as each is valid: records with another shape or an invalid identifier (whose
# error the general path words) take the general path.
_FAST_IDS_SQL = f"""
SELECT *,
  CASE WHEN len(ids_keys) = {
    " + ".join(f"(tid.{t} IS NOT NULL)::INTEGER" for t in IDENTIFIER_TYPES)
}
       THEN {{{", ".join(f"'{t}': {_normalized_sql(t, 'tid.' + t)}" for t in IDENTIFIER_TYPES)}}}
  END AS fid
FROM (
  SELECT *,
    CASE WHEN simple_ids THEN from_json(ids_raw, '{_TYPED_IDS}') END AS tid,
    CASE WHEN simple_ids THEN json_keys(ids_raw) END AS ids_keys
  FROM (SELECT *, ids_raw_type = 'OBJECT' AND NOT regexp_matches(ids_raw, '":\\s*[^"\\s]')
                  AS simple_ids
        FROM _cx_json)
)
"""


def _fast_checked_sql(*, phones_after: bool) -> str:
    """SQL: ``ids_fast``, whether a record's identifiers take the typed path (the common shape,
    each identifier valid), and ``fid_e164``, its phone as E.164.

    With ``phones_after`` no phone is looked up here: ``fid_e164`` holds the compacted number
    and the record takes the typed path as if the number were valid. :meth:`Validator.validate`
    then looks each distinct number up once per batch and puts its E.164 in the identifiers; a
    record whose number is not a phone number is validated again by the statement that looks
    numbers up per record, which words the error (docs/performance.md: per-record calls into
    Python cost far more under two validation threads than one look-up per distinct number)."""
    phone = "fid.phone" if phones_after else "cx_e164(fid.phone)"
    return f"""
SELECT *, fid IS NOT NULL AND {
        " AND ".join(
            f"(fid.{t} IS NULL OR (fid.{t} <> '' AND length(fid.{t}) <= {MAX_IDENTIFIER_LENGTH}"
            + (f" AND regexp_matches(fid.{t}, {_EMAIL_PATTERN})" if t == "email" else "")
            + (" AND fid_e164 IS NOT NULL" if t == "phone" else "")
            + "))"
            for t in IDENTIFIER_TYPES
        )
    } AS ids_fast
FROM (
  SELECT *, CASE WHEN fid.phone <> '' AND length(fid.phone) <= {MAX_IDENTIFIER_LENGTH}
                 THEN {phone} END AS fid_e164
  FROM _cx_fast_ids
)
"""


_FAST_IDENTIFIERS = (
    "list_filter(["
    + ", ".join(
        f"'{t}:' || " + ("fid_e164" if t == "phone" else f"fid.{t}")
        for t in sorted(IDENTIFIER_TYPES)
    )
    + "], x -> x IS NOT NULL)"
)
"""SQL: the identifiers of a record on the fast path, absent types dropped. Listed in the order
of their type names, they are already sorted as ``list_sort`` sorts them (no type name is the
start of another, so the type decides), and there is at most one per type."""


# Each record's identifiers as a list of {type, value} pairs (both forms, object and list), then
# one item per value (a value may be a list of strings), normalized as on the typed path
# (_normalized_sql) and phones turned into E.164 by cx_e164 (each distinct number parsed once).
_ID_PAIRS = """
CASE
  WHEN ids_type = 'OBJECT' THEN list_transform(
    map_entries(try_cast(ids_json AS MAP(VARCHAR, JSON))), e -> {'t': e.key, 'v': e.value})
  WHEN ids_type = 'ARRAY' THEN list_transform(
    try_cast(ids_json AS STRUCT(type VARCHAR, value JSON)[]), s -> {'t': s.type, 'v': s.value})
END"""

_ID_ITEMS_SQL = f"""
SELECT *, CASE WHEN ids_fast THEN [] ELSE coalesce(flatten(list_transform(
    list_filter(
      list_transform({_ID_PAIRS}, p -> {{'t': lower(trim(p.t)), 'v': p.v, 'vt': json_type(p.v)}}),
      p -> p.v IS NOT NULL AND p.vt <> 'NULL'),
    p -> list_transform(
      CASE WHEN p.vt = 'ARRAY' THEN try_cast(p.v AS VARCHAR[]) ELSE [p.v->>'$'] END,
      raw -> {{'t': p.t, 'vt': p.vt, 'raw': raw,
              'norm': CASE
                WHEN p.vt = 'OBJECT' OR raw IS NULL THEN NULL
                WHEN p.t = 'email' THEN {_normalized_sql("email", "raw")}
                WHEN p.t = 'phone' THEN {_normalized_sql("phone", "raw")}
                ELSE {_normalized_sql("other", "raw")}
              END}}))), []) END AS id_items
FROM _cx_fast
"""

# The general path's lists are [] on the typed path (id_items is): the lambdas below skip those
# records instead of running once per record on an empty list (about 4% of the statement).
_ID_VALUED_SQL = """
SELECT *, CASE WHEN ids_fast THEN [] ELSE list_transform(id_items, i -> {
  't': i.t, 'vt': i.vt, 'raw': i.raw, 'norm': i.norm,
  'value': CASE WHEN i.t = 'phone' THEN cx_e164(i.norm) ELSE i.norm END}) END AS id_valued
FROM _cx_ids
"""

_ID_CHECKED_SQL = f"""
SELECT *, CASE WHEN ids_fast THEN [] ELSE list_transform(id_valued, i -> {{
  't': i.t, 'value': i.value, 'field': coalesce('identifiers.' || i.t, 'identifiers'),
  'error': CASE
    WHEN i.t IS NULL OR i.t = '' THEN 'an identifier has no type'
    WHEN NOT (list_contains({_sql_list(IDENTIFIER_TYPES)}, i.t)
              OR regexp_matches(i.t, '^external:[a-z0-9_][a-z0-9_.-]{{0,63}}$'))
      THEN 'unknown identifier type ' || left(i.t, 40) ||
           ' (use {", ".join(IDENTIFIER_TYPES)} or external:<name>)'
    WHEN i.vt = 'OBJECT' THEN i.t || ' must be a string or a list of strings'
    WHEN i.norm IS NULL OR i.norm = '' THEN i.t || ' is empty'
    WHEN length(i.norm) > {MAX_IDENTIFIER_LENGTH}
      THEN i.t || ' is longer than {MAX_IDENTIFIER_LENGTH} characters'
    WHEN i.t = 'email' AND NOT regexp_matches(i.norm, {_EMAIL_PATTERN})
      THEN i.t || ' ' || left(i.raw, 60) || ' is not an email address'
    WHEN i.t = 'phone' AND i.value IS NULL
      THEN i.t || ' ' || left(i.raw, 60) || ' is not a phone number'
  END}}) END AS id_checked
FROM _cx_id_valued
"""


def _checks(settings: ValidationSettings, now: dt.datetime) -> list[tuple[str, str, str]]:
    """Every field check as (failing condition, field, reason) SQL, in reporting order."""
    channels = _sql_list(CHANNELS)
    actors = _sql_list(ACTORS)
    max_time = (now + settings.max_future).isoformat()
    min_time = settings.min_time.isoformat()
    tz_pattern = r"([Zz]|[+-]\d{2}(:?\d{2})?|UTC)$"
    checks: list[tuple[str, str, str]] = [
        # the parse keeps one value of a name given twice: the record is not stored with the
        # other silently dropped (a record with a repeated name never has as many keys as
        # known fields present, so only those records look for one)
        (
            "repeated_key IS NOT NULL",
            "left(repeated_key, 60)",
            "left(repeated_key, 60) || ' appears more than once in the record'",
        ),
        ("event_id IS NULL", "'event_id'", "'event_id is missing'"),
        # length counts characters, strlen bytes (free): only long texts are counted
        (
            "strlen(event_id) > 200 AND length(event_id) > 200",
            "'event_id'",
            "'event_id is longer than 200 characters'",
        ),
        ("occurred_at_raw IS NULL", "'occurred_at'", "'occurred_at is missing'"),
        (
            "occurred_at_raw IS NOT NULL AND occurred_at IS NULL",
            "'occurred_at'",
            "'occurred_at ' || left(occurred_at_raw, 60) || "
            "' is not a date and time (ISO 8601, e.g. 2026-03-01T10:00:00Z)'",
        ),
        # a trailing Z settles the time zone without the regular expression
        (
            f"occurred_at IS NOT NULL AND NOT (suffix(occurred_at_raw, 'Z') OR "
            f"regexp_matches(trim(occurred_at_raw), '{tz_pattern}'))",
            "'occurred_at'",
            "'occurred_at ' || left(occurred_at_raw, 60) || ' has no time zone (add Z or +01:00)'",
        ),
        (
            f"(occurred_at < TIMESTAMPTZ '{min_time}' OR occurred_at > TIMESTAMPTZ '{max_time}')",
            "'occurred_at'",
            f"'occurred_at ' || left(occurred_at_raw, 60) || ' is outside the possible range "
            f"({min_time[:10]} to {max_time[:10]})'",
        ),
        ("channel IS NULL", "'channel'", "'channel is missing'"),
        (
            f"NOT list_contains({channels}, lower(channel))",
            "'channel'",
            f"'channel ' || left(channel, 40) || ' is not one of {', '.join(CHANNELS)}'",
        ),
        ("type IS NULL", "'type'", "'type is missing'"),
        (
            "strlen(type) > 100 AND length(type) > 100",
            "'type'",
            "'type is longer than 100 characters'",
        ),
        (
            f"actor IS NOT NULL AND NOT list_contains({actors}, lower(actor))",
            "'actor'",
            f"'actor ' || left(actor, 40) || ' is not one of {', '.join(ACTORS)}'",
        ),
        (
            "text_bytes > text_limit",
            "'text'",
            "'text is ' || text_bytes || ' bytes; the limit is ' || text_limit",
        ),
    ]
    for name, raw, non_negative in (
        ("duration_s", "duration_raw", True),
        ("wait_s", "wait_raw", True),
        ("value", "value_raw", False),
    ):
        checks.append(
            (
                f"{raw} IS NOT NULL AND {name} IS NULL",
                f"'{name}'",
                f"'{name} ' || left({raw}, 40) || ' is not a number'",
            )
        )
        if non_negative:
            checks.append((f"{name} < 0", f"'{name}'", f"'{name} ' || {raw} || ' is negative'"))
    for name, (lo, hi) in (("csat", (1, 5)), ("nps", (0, 10)), ("ces", (1, 7))):
        number = f"try_cast({name}_raw AS DOUBLE)"
        checks.append(
            (
                f"{name}_raw IS NOT NULL AND ({number} IS NULL OR {number} <> round({number}) "
                f"OR {number} NOT BETWEEN {lo} AND {hi})",
                f"'scores.{name}'",
                f"'{name} ' || left({name}_raw, 40) || ' is not a whole number from {lo} to {hi}'",
            )
        )
    checks += [
        (
            "scores_type IS NOT NULL AND scores_type NOT IN ('OBJECT', 'NULL')",
            "'scores'",
            "'scores must be an object like {\"csat\": 4}'",
        ),
        (
            "currency IS NOT NULL AND NOT regexp_matches(currency, '^[A-Za-z]{3}$')",
            "'currency'",
            "'currency ' || left(currency, 20) || ' is not a three-letter ISO 4217 code'",
        ),
        (
            "attributes_raw IS NOT NULL AND attributes_raw_type <> 'NULL' AND "
            "(attributes_json IS NULL OR attributes_type <> 'OBJECT')",
            "'attributes'",
            "'attributes must be a JSON object'",
        ),
        (
            "len(wrong_type_fields) > 0",
            "wrong_type_fields[1]",
            "wrong_type_fields[1] || ' must be a string, not an object or list'",
        ),
    ]
    return checks


_SHAPE_ERROR = (
    "{'field': 'identifiers', 'reason': 'identifiers must be an object {\"email\": \"…\"} or a "
    'list of {"type", "value"}\'}'
)


def _checks_sql(settings: ValidationSettings, now: dt.datetime) -> str:
    """Checked records: ``all_errors`` lists {field, reason} of every failed check, field checks
    first, then the identifiers' shape or their errors (joined into one reason). The list is built
    only for records that fail one (a cheap OR of the conditions decides), so valid records cost a
    few vectorized comparisons."""
    checks = _checks(settings, now)
    # a NULL condition counts as passed: OR is true as soon as one is, and CASE takes NULL as
    # false, so the conditions need no coalesce
    any_failed = " OR ".join(f"({cond})" for cond, _, _ in checks)
    items = ",\n    ".join(
        f"CASE WHEN {cond} THEN {{'field': {field}, 'reason': {reason}}} END"
        for cond, field, reason in checks
    )
    return f"""
SELECT *,
  CASE WHEN {any_failed} THEN list_filter([
    {items}
  ], x -> x IS NOT NULL) ELSE [] END AS errors,
  ids_raw IS NOT NULL AND coalesce(ids_type, 'INVALID') NOT IN ('OBJECT', 'ARRAY', 'NULL')
    AS ids_bad_shape,
  CASE WHEN ids_fast THEN [] ELSE list_filter(id_checked, i -> i.error IS NOT NULL) END
    AS id_errors
FROM _cx_id_checked
"""


_RESULT_SQL = f"""
SELECT *,
  CASE WHEN ids_bad_shape THEN list_append(errors, {_SHAPE_ERROR})
       WHEN len(id_errors) > 0 THEN list_append(errors, {{
         'field': list_min(list_transform(id_errors, i -> i.field)),
         'reason': array_to_string(list_transform(id_errors, i -> i.error), '; ')}})
       ELSE errors END AS all_errors
FROM _cx_checked
"""


def _event_select(run_id: str, source: str) -> str:
    """SQL select-list of the canonical event columns of a checked record."""
    return f"""
  event_id, occurred_at, lower(channel) AS channel, type,
  CASE WHEN ids_fast THEN {_FAST_IDENTIFIERS}
       WHEN len(id_checked) = 0 THEN []::VARCHAR[]
       ELSE list_sort(list_distinct(list_transform(
         list_filter(id_checked, i -> i.error IS NULL), i -> i.t || ':' || i.value)))
  END AS identifiers,
  conversation_id, session_id, lower(actor) AS actor, agent_id, queue, text,
  duration_s, wait_s,
  try_cast(csat_raw AS DOUBLE)::SMALLINT AS csat,
  try_cast(nps_raw AS DOUBLE)::SMALLINT AS nps,
  try_cast(ces_raw AS DOUBLE)::SMALLINT AS ces,
  value, upper(currency) AS currency,
  CASE
    WHEN len(extra_keys) > 0 THEN json_merge_patch(
      coalesce(CASE WHEN attributes_type = 'OBJECT' THEN attributes_json END, '{{}}'::JSON),
      json_object('_extra', json_merge_patch(record, '{_DROP_KNOWN}')))::VARCHAR
    WHEN attributes_type = 'OBJECT' AND attributes_json::VARCHAR <> '{{}}'
      THEN attributes_json::VARCHAR
  END AS attributes,
  '{run_id}' AS ingest_run_id,
  '{source}:' || record_no AS source"""


class Validator:
    """Validates raw batches in its own in-memory DuckDB connection (the vectorized engine).

    One statement per batch, single-threaded: ingest overlaps reading, validating and storing on
    threads of its own, which keeps the cores busier than DuckDB's workers on one statement.
    """

    phones_per_batch: bool = True
    """Look the phones of the typed identifier path up once per distinct number and batch, after
    the statement (:meth:`_put_phones`). ``False`` looks every phone up per record inside it, as
    the general path does: the same outcome, slower under two validation threads — the
    reference the batch look-up is tested against."""

    def __init__(
        self,
        settings: ValidationSettings | None = None,
        threads: int = 1,
        *,
        phone_cache: dict[str, str | None] | None = None,
        sources_with_other_text: set[str] | None = None,
    ) -> None:
        self.settings = settings or ValidationSettings()
        self.con = duckdb.connect(":memory:", config={"threads": threads})
        self.con.execute("SET TimeZone = 'UTC'")
        self._phone_cache: dict[str, str | None] = {} if phone_cache is None else phone_cache
        self._sources_with_other_text: set[str] = (
            set() if sources_with_other_text is None else sources_with_other_text
        )
        """Sources in which a record that is not JSON was found: their later batches go straight
        to the general statement (one such record in a batch fails the other one)."""
        # called once per phone number (a dictionary hit once seen): cheaper than an Arrow
        # function, whose fixed cost per call is paid for every small vector a lambda hands it
        self.con.create_function(
            "cx_e164",
            self._e164,
            [VARCHAR],
            VARCHAR,
            type=PythonUDFType.NATIVE,
            null_handling=FunctionNullHandling.SPECIAL,
            side_effects=False,
        )

    def close(self) -> None:
        self.con.close()

    def sibling(self) -> Validator:
        """Another validator with the same settings and phone cache, to validate other batches
        on another thread (a DuckDB connection serves one thread at a time)."""
        return Validator(
            self.settings,
            phone_cache=self._phone_cache,
            sources_with_other_text=self._sources_with_other_text,
        )

    def _e164(self, raw: str | None) -> str | None:
        """E.164 of a compacted phone number (``None`` where it is not one), parsed once with
        ``phonenumbers`` and cached across batches."""
        if raw is None:
            return None
        cache = self._phone_cache
        try:
            return cache[raw]
        except KeyError:
            if len(cache) >= 2_000_000:
                cache.clear()
            e164 = normalize_phones([raw], self.settings.default_region)[raw]
            cache[raw] = e164
            return e164

    def _sql(
        self,
        now: dt.datetime,
        run_id: str,
        source: str,
        *,
        all_json: bool = False,
        phones_after: bool = False,
    ) -> str:
        """The statement from raw records to checked records (one pipeline, no joins); with
        ``all_json`` one that takes less time but fails on a record that is not JSON; with
        ``phones_after`` one that leaves the phones of the typed path to :meth:`_put_phones`
        (column ``fast_phone``: the compacted number of a record on that path)."""
        parse = _PARSE_VALID_SQL if all_json else _PARSE_SQL
        return f"""
WITH _cx_parsed AS ({parse}), _cx_fields AS ({_fields_sql()}),
  _cx_json AS ({_JSON_VALUES_SQL}), _cx_fast_ids AS ({_FAST_IDS_SQL}),
  _cx_fast AS ({_fast_checked_sql(phones_after=phones_after)}), _cx_ids AS ({_ID_ITEMS_SQL}),
  _cx_id_valued AS ({_ID_VALUED_SQL}), _cx_id_checked AS ({_ID_CHECKED_SQL}),
  _cx_checked AS ({_checks_sql(self.settings, now)}), _cx_result AS ({_RESULT_SQL})
SELECT record_no, jtype, {_event_select(run_id, source)},
  CASE WHEN jtype IS DISTINCT FROM 'OBJECT' OR len(all_errors) > 0 THEN all_errors END
    AS all_errors,
  CASE WHEN jtype IS DISTINCT FROM 'OBJECT' OR len(all_errors) > 0 THEN record END AS bad_record,
  CASE WHEN ids_fast THEN fid_e164 END AS fast_phone,
  hash(event_id) AS event_hash
FROM _cx_result
"""

    def _put_phones(self, result: pa.Table) -> tuple[pa.Table, pa.Array | None]:
        """The result of a ``phones_after`` statement with the E.164 of each typed-path phone in
        its identifiers, and the numbers of the records whose phone is not a phone number
        (``None`` when there is none; what this gives for them does not count).

        Each distinct number is looked up once per batch. A number already in its E.164 form
        (the usual case) stays as it is; only the identifiers of records with another form are
        rebuilt, where the only item starting with ``phone:`` is that number."""
        compact = result["fast_phone"]
        if compact.null_count == len(compact):
            return result, None
        raws = pc.unique(compact).drop_null()
        raw_numbers = raws.to_pylist()
        e164 = [self._e164(raw) for raw in raw_numbers]
        failed = None
        if None in e164:
            wrong = pc.is_in(compact, value_set=raws.filter(pa.array([e is None for e in e164])))
            failed = pc.filter(result["record_no"], wrong).combine_chunks()
        changed = [
            i
            for i, (raw, e) in enumerate(zip(raw_numbers, e164, strict=True))
            if e is not None and e != raw
        ]
        if not changed:
            return result, failed
        olds = raws.take(changed)
        news = pa.array(["phone:" + str(e164[i]) for i in changed], pa.string())
        index = result.schema.get_field_index("identifiers")
        chunks = []
        for ids, phones in zip(result.column(index).chunks, compact.chunks, strict=True):
            at = pc.index_in(phones, value_set=olds)
            if at.null_count == len(at):
                chunks.append(ids)
                continue
            lengths = pc.list_value_length(ids).fill_null(0).to_numpy(zero_copy_only=False)
            items = pc.list_flatten(ids)
            per_item = np.repeat(at.fill_null(-1).to_numpy(zero_copy_only=False), lengths)
            mask = (per_item >= 0) & pc.starts_with(items, "phone:").to_numpy(zero_copy_only=False)
            items = pc.replace_with_mask(items, pa.array(mask), news.take(per_item[mask]))
            offsets = np.zeros(len(ids) + 1, dtype=np.int32)
            np.cumsum(lengths, out=offsets[1:])
            chunks.append(
                pa.ListArray.from_arrays(
                    pa.array(offsets), items, type=ids.type, mask=pc.is_null(ids)
                )
            )
        column = pa.chunked_array(chunks, result.schema.field(index).type)
        return result.set_column(index, result.schema.field(index), column), failed

    def validate(self, batch: RawBatch, run_id: str) -> ValidatedBatch:
        """Split ``batch`` into valid canonical events and rejects."""
        con = self.con
        now = dt.datetime.now(dt.UTC)
        source = batch.source.replace("'", "''")
        con.register("_cx_raw", batch.records)
        try:
            # most batches hold only JSON: the statement that relies on it runs first, and a
            # batch with a record that is not JSON is validated again by the general one, as are
            # the later batches of its source (a file with one broken line often has more)
            result = None
            all_json = batch.source not in self._sources_with_other_text
            if all_json:
                try:
                    result = con.execute(
                        self._sql(
                            now, run_id, source, all_json=True, phones_after=self.phones_per_batch
                        )
                    ).to_arrow_table()
                except duckdb.InvalidInputException:
                    self._sources_with_other_text.add(batch.source)
                    all_json = False
            if result is None:
                result = con.execute(
                    self._sql(now, run_id, source, phones_after=self.phones_per_batch)
                ).to_arrow_table()
            failed = None
            if self.phones_per_batch:
                result, failed = self._put_phones(result)
            if failed is not None:
                # a number on the typed path that is not a phone number: those records go
                # through the statement that looks numbers up per record (records are checked
                # one by one, so the others keep their outcome) and take the general path
                con.unregister("_cx_raw")
                con.register(
                    "_cx_raw",
                    batch.records.filter(pc.is_in(batch.records["record_no"], value_set=failed)),
                )
                again = con.execute(self._sql(now, run_id, source, all_json=all_json))
                kept = result.filter(pc.invert(pc.is_in(result["record_no"], value_set=failed)))
                result = pa.concat_tables([kept, again.to_arrow_table().cast(kept.schema)]).sort_by(
                    "record_no"
                )
        finally:
            con.unregister("_cx_raw")
        numbers = result["record_no"]
        if len(numbers) > 1 and not pc.all(pc.greater(numbers[1:], numbers[:-1])).as_py():
            result = result.sort_by("record_no")  # one pipeline keeps the order; never rely on it
        is_bad = pc.is_valid(result["bad_record"])
        any_bad = result["bad_record"].null_count < result.num_rows
        candidates = result.filter(pc.invert(is_bad)) if any_bad else result
        # the first occurrence of an event_id in the batch is the event; later ones are duplicates.
        # Ids with different hashes differ: only a batch with two equal hashes among its
        # candidates (a duplicate, or a collision) needs the group-by, which costs several times
        # the sort of the hashes
        hashes = np.sort(candidates["event_hash"].to_numpy())
        if bool(np.any(hashes[1:] == hashes[:-1])):
            first = candidates.group_by("event_id", use_threads=False).aggregate(
                [("record_no", "min")]
            )
            if first.num_rows < candidates.num_rows:
                keep = pc.is_in(candidates["record_no"], value_set=first["record_no_min"])
                candidates = candidates.filter(keep)
                hashes = np.sort(candidates["event_hash"].to_numpy())
        events = candidates.select(EVENT_ARROW_SCHEMA.names).cast(EVENT_ARROW_SCHEMA)
        bad = result.filter(is_bad) if any_bad else result.slice(0, 0)
        rejected = self._rejects(batch, bad, run_id, now)
        return ValidatedBatch(
            events=events,
            rejected=rejected,
            duplicates_in_batch=result.num_rows - bad.num_rows - events.num_rows,
            records_read=batch.size,
            event_hashes=hashes,
        )

    def _rejects(self, batch: RawBatch, bad: pa.Table, run_id: str, now: dt.datetime) -> pa.Table:
        if not bad.num_rows and not batch.pre_rejected:
            # the usual batch: no statement to plan for no rows
            return REJECTED_SCHEMA.empty_table()
        self.con.register("_cx_bad", bad)
        try:
            rows = self.con.execute(
                f"""
                SELECT ? AS run_id, ? AS source, record_no, event_id,
                  CASE WHEN jtype IS NULL OR jtype <> 'OBJECT' THEN '(record)'
                       ELSE all_errors[1].field END AS field,
                  CASE WHEN jtype IS NULL THEN 'not valid JSON'
                       WHEN jtype <> 'OBJECT' THEN 'a JSON ' || lower(jtype) || ', not an object'
                       ELSE array_to_string(list_transform(all_errors, e -> e.reason), '; ')
                  END AS reason,
                  left(line, {RAW_KEEP_BYTES}) AS raw, strlen(line) AS raw_bytes,
                  ?::TIMESTAMPTZ AS rejected_at
                FROM (SELECT *, rtrim(bad_record, chr(13) || chr(10)) AS line FROM _cx_bad)
                ORDER BY record_no
                """,
                [run_id, batch.source, now],
            ).to_arrow_table()
        finally:
            self.con.unregister("_cx_bad")
        table = rows.cast(REJECTED_SCHEMA)
        if batch.pre_rejected:
            pre = pa.table(
                {
                    "run_id": [run_id] * len(batch.pre_rejected),
                    "source": [batch.source] * len(batch.pre_rejected),
                    "record_no": [r[0] for r in batch.pre_rejected],
                    "event_id": [None] * len(batch.pre_rejected),
                    "field": [r[1] for r in batch.pre_rejected],
                    "reason": [r[2] for r in batch.pre_rejected],
                    "raw": [(r[3] or "")[:RAW_KEEP_BYTES] for r in batch.pre_rejected],
                    "raw_bytes": [len((r[3] or "").encode()) for r in batch.pre_rejected],
                    "rejected_at": [now] * len(batch.pre_rejected),
                },
                schema=REJECTED_SCHEMA,
            )
            table = pa.concat_tables([table, pre]).sort_by("record_no")
        return table
