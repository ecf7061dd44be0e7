"""Vectorized validation and normalization of raw records into canonical events.

A batch of raw records (record number + one JSON object text each) goes through DuckDB SQL in an
in-memory connection: parse, check every field, normalize identifiers, and split the batch into
valid events (Arrow, :data:`cxloop.schema.EVENT_ARROW_SCHEMA`) and rejects that name the record,
the field and the reason. No per-record Python runs here; phone numbers are parsed once per
distinct value with ``phonenumbers``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cxloop.schema import ACTORS, CHANNELS, EVENT_ARROW_SCHEMA, IDENTIFIER_TYPES, MAX_TEXT_BYTES
from cxloop.schema.identifiers import MAX_IDENTIFIER_LENGTH, normalize_phones
from cxloop.store.tables import RAW_KEEP_BYTES, REJECTED_SCHEMA

KNOWN_FIELDS: tuple[str, ...] = (
    "event_id", "occurred_at", "channel", "type", "identifiers", "conversation_id", "session_id",
    "actor", "agent_id", "queue", "text", "duration_s", "wait_s", "scores", "csat", "nps", "ces",
    "value", "currency", "attributes",
)
"""Top-level fields of an input record. Any other field is kept under ``attributes._extra``."""

_DROP_KNOWN = "{" + ", ".join(f'"{f}": null' for f in KNOWN_FIELDS) + "}"
"""A merge patch that removes every known field, leaving the unknown ones."""

_STRING_FIELDS = ("event_id", "channel", "type", "conversation_id", "session_id", "actor",
                  "agent_id", "queue", "text", "currency")


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
        f'"{f}": "JSON"' if f in _JSON_FIELDS
        else '"scores": {"csat": "VARCHAR", "nps": "VARCHAR", "ces": "VARCHAR"}' if f == "scores"
        else f'"{f}": "VARCHAR"'
        for f in KNOWN_FIELDS
    )
    + "}"
)
"""One parse of a record: every field as text (numbers too: checked by casting, so a wrong type
is reported rather than silently nulled), identifiers and attributes as JSON."""

# One parse of each record into its known fields, plus its top-level keys (for unknown fields).
_PARSE_SQL = f"""
WITH typed AS (
  SELECT record_no, record, try(json_type(record)) AS jtype FROM _cx_raw
)
SELECT record_no, record, jtype,
       CASE WHEN jtype = 'OBJECT' THEN from_json(record, '{_TYPED_STRUCT}') END AS j,
       CASE WHEN jtype = 'OBJECT' THEN json_keys(record) END AS keys
FROM typed
"""


def _str(field: str) -> str:
    """SQL: the field as a trimmed string (NULL when absent, JSON null or blank)."""
    return f"nullif(trim(j.{field}), '')"


def _is_wrong_string(field: str) -> str:
    """SQL: the field holds an object or list where a string belongs. Only values that start
    like one are parsed again, so the check costs nothing on ordinary records."""
    return (
        f"(left(j.{field}, 1) IN ('{{', '[') AND "
        f"json_type(json_extract(record, '$.{field}')) IN ('OBJECT', 'ARRAY'))"
    )


def _fields_sql(settings: ValidationSettings) -> str:
    # ids, codes and names are trimmed; a message's text is kept exactly as sent
    strings = ",\n  ".join(
        (f"nullif(j.{f}, '') AS {f}" if f == "text" else f"{_str(f)} AS {f}")
        for f in _STRING_FIELDS
    )
    return f"""
SELECT record_no, record, jtype,
  list_filter(keys, k -> NOT list_contains({_sql_list(KNOWN_FIELDS)}, k)) AS extra_keys,
  {strings},
  j.occurred_at AS occurred_at_raw,
  try_cast(j.occurred_at AS TIMESTAMPTZ) AS occurred_at,
  j.duration_s AS duration_raw, try_cast(j.duration_s AS DOUBLE) AS duration_s,
  j.wait_s AS wait_raw, try_cast(j.wait_s AS DOUBLE) AS wait_s,
  j.value AS value_raw, try_cast(j.value AS DOUBLE) AS value,
  coalesce(j.scores.csat, j.csat) AS csat_raw,
  coalesce(j.scores.nps, j.nps) AS nps_raw,
  coalesce(j.scores.ces, j.ces) AS ces_raw,
  CASE WHEN list_contains(keys, 'scores') AND j.scores IS NULL
       THEN json_type(json_extract(record, '$.scores')) END AS scores_type,
  CASE WHEN json_type(j.attributes) = 'VARCHAR' THEN try(json(j.attributes->>'$'))
       ELSE j.attributes END AS attributes_json,
  j.attributes AS attributes_raw,
  list_filter([
    {" ".join(f"CASE WHEN {_is_wrong_string(f)} THEN '{f}' END," for f in _STRING_FIELDS)}
    NULL
  ], x -> x IS NOT NULL) AS wrong_type_fields,
  strlen(j.text) AS text_bytes,
  {MAX_TEXT_BYTES} AS text_limit
FROM _cx_parsed
WHERE jtype = 'OBJECT'
"""


def _checks(settings: ValidationSettings, now: dt.datetime) -> list[tuple[str, str, str]]:
    """Every field check as (failing condition, field, reason) SQL, in reporting order."""
    channels = _sql_list(CHANNELS)
    actors = _sql_list(ACTORS)
    max_time = (now + settings.max_future).isoformat()
    min_time = settings.min_time.isoformat()
    tz_pattern = r"([Zz]|[+-]\d{2}(:?\d{2})?|UTC)$"
    checks: list[tuple[str, str, str]] = [
        ("event_id IS NULL", "'event_id'", "'event_id is missing'"),
        ("length(event_id) > 200", "'event_id'", "'event_id is longer than 200 characters'"),
        ("occurred_at_raw IS NULL", "'occurred_at'", "'occurred_at is missing'"),
        ("occurred_at_raw IS NOT NULL AND occurred_at IS NULL", "'occurred_at'",
         "'occurred_at ' || left(occurred_at_raw, 60) || "
         "' is not a date and time (ISO 8601, e.g. 2026-03-01T10:00:00Z)'"),
        (f"occurred_at IS NOT NULL AND NOT regexp_matches(trim(occurred_at_raw), '{tz_pattern}')",
         "'occurred_at'",
         "'occurred_at ' || left(occurred_at_raw, 60) || ' has no time zone (add Z or +01:00)'"),
        (f"(occurred_at < TIMESTAMPTZ '{min_time}' OR occurred_at > TIMESTAMPTZ '{max_time}')",
         "'occurred_at'",
         f"'occurred_at ' || left(occurred_at_raw, 60) || ' is outside the possible range "
         f"({min_time[:10]} to {max_time[:10]})'"),
        ("channel IS NULL", "'channel'", "'channel is missing'"),
        (f"NOT list_contains({channels}, lower(channel))", "'channel'",
         f"'channel ' || left(channel, 40) || ' is not one of {', '.join(CHANNELS)}'"),
        ("type IS NULL", "'type'", "'type is missing'"),
        ("length(type) > 100", "'type'", "'type is longer than 100 characters'"),
        (f"actor IS NOT NULL AND NOT list_contains({actors}, lower(actor))", "'actor'",
         f"'actor ' || left(actor, 40) || ' is not one of {', '.join(ACTORS)}'"),
        ("text_bytes > text_limit", "'text'",
         "'text is ' || text_bytes || ' bytes; the limit is ' || text_limit"),
    ]
    for name, raw, non_negative in (("duration_s", "duration_raw", True),
                                    ("wait_s", "wait_raw", True),
                                    ("value", "value_raw", False)):
        checks.append((f"{raw} IS NOT NULL AND {name} IS NULL", f"'{name}'",
                       f"'{name} ' || left({raw}, 40) || ' is not a number'"))
        if non_negative:
            checks.append((f"{name} < 0", f"'{name}'", f"'{name} ' || {raw} || ' is negative'"))
    for name, (lo, hi) in (("csat", (1, 5)), ("nps", (0, 10)), ("ces", (1, 7))):
        number = f"try_cast({name}_raw AS DOUBLE)"
        checks.append((
            f"{name}_raw IS NOT NULL AND ({number} IS NULL OR {number} <> round({number}) "
            f"OR {number} NOT BETWEEN {lo} AND {hi})",
            f"'scores.{name}'",
            f"'{name} ' || left({name}_raw, 40) || ' is not a whole number from {lo} to {hi}'",
        ))
    checks += [
        ("scores_type IS NOT NULL AND scores_type NOT IN ('OBJECT', 'NULL')", "'scores'",
         "'scores must be an object like {\"csat\": 4}'"),
        ("currency IS NOT NULL AND NOT regexp_matches(currency, '^[A-Za-z]{3}$')", "'currency'",
         "'currency ' || left(currency, 20) || ' is not a three-letter ISO 4217 code'"),
        ("attributes_raw IS NOT NULL AND json_type(attributes_raw) <> 'NULL' AND "
         "(attributes_json IS NULL OR json_type(attributes_json) <> 'OBJECT')",
         "'attributes'", "'attributes must be a JSON object'"),
        ("len(wrong_type_fields) > 0", "wrong_type_fields[1]",
         "wrong_type_fields[1] || ' must be a string, not an object or list'"),
    ]
    return checks


def _checks_sql(settings: ValidationSettings, now: dt.datetime) -> str:
    """Checked records: ``errors`` lists {field, reason} of every failed check. The list is
    built only for records that fail one (a cheap OR of the conditions decides), so valid
    records cost a few vectorized comparisons."""
    checks = _checks(settings, now)
    any_failed = " OR ".join(f"coalesce({cond}, false)" for cond, _, _ in checks)
    items = ",\n    ".join(
        f"CASE WHEN {cond} THEN {{'field': {field}, 'reason': {reason}}} END"
        for cond, field, reason in checks
    )
    return f"""
SELECT *, CASE WHEN {any_failed} THEN list_filter([
    {items}
  ], x -> x IS NOT NULL) ELSE [] END AS errors
FROM _cx_fields
"""


_IDS_JSON = (
    "CASE WHEN json_type(j.identifiers) = 'VARCHAR' THEN try(json(j.identifiers->>'$')) "
    "ELSE j.identifiers END"
)
"""Identifiers as JSON; a string holding a JSON object (CSV, Parquet) is read as that object."""

_IDENTIFIERS_SQL = f"""
WITH src AS (
  SELECT record_no, ids, json_type(ids) AS t FROM (
    SELECT record_no, {_IDS_JSON} AS ids
    FROM _cx_parsed WHERE jtype = 'OBJECT' AND j.identifiers IS NOT NULL)
), pairs AS (
  SELECT record_no, e.key AS id_type, e.value AS v
  FROM (SELECT record_no, unnest(map_entries(try_cast(ids AS MAP(VARCHAR, JSON)))) AS e
        FROM src WHERE t = 'OBJECT')
  UNION ALL
  SELECT record_no, s.type AS id_type, s.value AS v
  FROM (SELECT record_no, unnest(try_cast(ids AS STRUCT(type VARCHAR, value JSON)[])) AS s
        FROM src WHERE t = 'ARRAY')
), listed AS (
  SELECT record_no, lower(trim(id_type)) AS id_type, json_type(v) AS vtype,
         CASE WHEN json_type(v) = 'ARRAY' THEN try_cast(v AS VARCHAR[])
              ELSE [v->>'$'] END AS vals
  FROM pairs WHERE v IS NOT NULL AND json_type(v) <> 'NULL'
), flat AS (
  SELECT record_no, id_type, vtype, unnest(vals) AS raw_value FROM listed
)
SELECT record_no, id_type, raw_value, vtype,
  CASE
    WHEN vtype IN ('OBJECT', 'NULL') OR raw_value IS NULL THEN NULL
    WHEN id_type = 'email' THEN lower(trim(raw_value))
    -- formatting variants of one number collapse before the (cached) phone parser sees them
    WHEN id_type = 'phone' THEN regexp_replace(trim(raw_value), '[\\s().\\-]', '', 'g')
    ELSE trim(raw_value)
  END AS value
FROM flat
"""

_IDENTIFIER_ERRORS_SQL = f"""
SELECT i.record_no, i.id_type,
  CASE WHEN i.id_type = 'phone' THEN p.e164 ELSE i.value END AS value,
  CASE
    WHEN i.id_type IS NULL OR i.id_type = '' THEN 'an identifier has no type'
    WHEN NOT (list_contains({_sql_list(IDENTIFIER_TYPES)}, i.id_type)
              OR regexp_matches(i.id_type, '^external:[a-z0-9_][a-z0-9_.-]{{0,63}}$'))
      THEN 'unknown identifier type ' || left(i.id_type, 40) ||
           ' (use {", ".join(IDENTIFIER_TYPES)} or external:<name>)'
    WHEN i.vtype = 'OBJECT' THEN i.id_type || ' must be a string or a list of strings'
    WHEN i.value IS NULL OR i.value = '' THEN i.id_type || ' is empty'
    WHEN length(i.value) > {MAX_IDENTIFIER_LENGTH} THEN i.id_type || ' is longer than
      {MAX_IDENTIFIER_LENGTH} characters'
    WHEN i.id_type = 'email' AND NOT regexp_matches(i.value, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$')
      THEN i.id_type || ' ' || left(i.raw_value, 60) || ' is not an email address'
    WHEN i.id_type = 'phone' AND p.e164 IS NULL
      THEN i.id_type || ' ' || left(i.raw_value, 60) || ' is not a phone number'
  END AS error
FROM _cx_ids i LEFT JOIN _cx_phones p ON p.raw = i.value
"""

_RESULT_SQL = f"""
WITH id_agg AS (
  SELECT record_no,
    list_sort(list(DISTINCT id_type || ':' || value) FILTER (WHERE error IS NULL)) AS identifiers,
    min(CASE WHEN error IS NOT NULL THEN 'identifiers.' || id_type END) AS id_error_field,
    string_agg(error, '; ') FILTER (WHERE error IS NOT NULL) AS id_error
  FROM _cx_id_checked GROUP BY record_no
), bad_shape AS (
  SELECT record_no FROM _cx_parsed
  WHERE jtype = 'OBJECT' AND j.identifiers IS NOT NULL
    AND coalesce(json_type({_IDS_JSON}), 'INVALID') NOT IN ('OBJECT', 'ARRAY', 'NULL')
)
SELECT c.*, a.identifiers,
  CASE WHEN b.record_no IS NOT NULL THEN list_append(c.errors, {{'field': 'identifiers',
         'reason': 'identifiers must be an object {{"email": "…"}} or a list of {{"type", "value"}}'}})
       WHEN a.id_error IS NOT NULL THEN list_append(c.errors, {{'field': a.id_error_field,
         'reason': a.id_error}})
       ELSE c.errors END AS all_errors
FROM _cx_checked c
LEFT JOIN id_agg a USING (record_no)
LEFT JOIN bad_shape b USING (record_no)
"""


def _event_select(run_id: str, source: str) -> str:
    """SQL select-list of the canonical event columns from ``r`` (result) and ``p`` (parsed)."""
    return f"""
  r.event_id, r.occurred_at, lower(r.channel) AS channel, r.type,
  coalesce(r.identifiers, []::VARCHAR[]) AS identifiers,
  r.conversation_id, r.session_id, lower(r.actor) AS actor, r.agent_id, r.queue, r.text,
  r.duration_s, r.wait_s,
  try_cast(r.csat_raw AS DOUBLE)::SMALLINT AS csat,
  try_cast(r.nps_raw AS DOUBLE)::SMALLINT AS nps,
  try_cast(r.ces_raw AS DOUBLE)::SMALLINT AS ces,
  r.value, upper(r.currency) AS currency,
  CASE
    WHEN len(r.extra_keys) > 0 THEN json_merge_patch(
      coalesce(CASE WHEN json_type(r.attributes_json) = 'OBJECT' THEN r.attributes_json END,
               '{{}}'::JSON),
      json_object('_extra', json_merge_patch(p.record, '{_DROP_KNOWN}')))::VARCHAR
    WHEN json_type(r.attributes_json) = 'OBJECT' AND r.attributes_json::VARCHAR <> '{{}}'
      THEN r.attributes_json::VARCHAR
  END AS attributes,
  '{run_id}' AS ingest_run_id,
  '{source}:' || p.record_no AS source"""


class Validator:
    """Validates raw batches in its own in-memory DuckDB connection (the vectorized engine)."""

    def __init__(self, settings: ValidationSettings | None = None, threads: int = 2) -> None:
        self.settings = settings or ValidationSettings()
        self.con = duckdb.connect(":memory:", config={"threads": threads})
        self.con.execute("SET TimeZone = 'UTC'")
        self._phone_cache: dict[str, str | None] = {}

    def close(self) -> None:
        self.con.close()

    def _chain(self, now: dt.datetime) -> str:
        """The CTE chain from raw records to checked records with their identifiers."""
        return (
            f"WITH _cx_parsed AS ({_PARSE_SQL}), _cx_fields AS ({_fields_sql(self.settings)}), "
            f"_cx_checked AS ({_checks_sql(self.settings, now)}), _cx_ids AS ({_IDENTIFIERS_SQL})"
        )

    def _register_phones(self) -> None:
        """Parse each distinct phone number once (cached across batches) with ``phonenumbers``."""
        light = (
            "WITH _cx_parsed AS (SELECT record_no, 'OBJECT' AS jtype, "
            "{'identifiers': try(json_extract(record, '$.identifiers'))} AS j FROM _cx_raw "
            # only records that mention a phone can hold one, in any of the identifier forms
            "WHERE contains(record, '\"phone\"')), "
            f"_cx_ids AS ({_IDENTIFIERS_SQL}) "
            "SELECT DISTINCT value FROM _cx_ids WHERE id_type = 'phone' AND value IS NOT NULL"
        )
        raws = self.con.execute(light).to_arrow_table()["value"].to_pylist()
        cache = self._phone_cache
        missing = [r for r in raws if r not in cache]
        if len(cache) + len(missing) > 2_000_000:
            cache.clear()
        cache.update(normalize_phones(missing, self.settings.default_region))
        table = pa.table(
            {"raw": raws, "e164": [cache[r] for r in raws]},
            schema=pa.schema([("raw", pa.string()), ("e164", pa.string())]),
        )
        self.con.register("_cx_phones", table)

    def validate(self, batch: RawBatch, run_id: str) -> ValidatedBatch:
        """Split ``batch`` into valid canonical events and rejects."""
        con = self.con
        now = dt.datetime.now(dt.UTC)
        source = batch.source.replace("'", "''")
        con.register("_cx_raw", batch.records)
        try:
            self._register_phones()
            result = con.execute(
                f"""{self._chain(now)}, _cx_id_checked AS ({_IDENTIFIER_ERRORS_SQL}),
                _cx_result AS ({_RESULT_SQL})
                SELECT p.record_no, p.jtype, r.all_errors, {_event_select(run_id, source)},
                  CASE WHEN p.jtype IS DISTINCT FROM 'OBJECT' OR len(r.all_errors) > 0
                       THEN p.record END AS bad_record
                FROM _cx_parsed p LEFT JOIN _cx_result r USING (record_no)
                """
            ).to_arrow_table()
        finally:
            con.unregister("_cx_raw")
            con.unregister("_cx_phones")
        result = result.sort_by("record_no")
        is_bad = pc.is_valid(result["bad_record"])
        candidates = result.filter(pc.invert(is_bad))
        # the first occurrence of an event_id in the batch is the event; later ones are duplicates
        first = candidates.group_by("event_id", use_threads=False).aggregate(
            [("record_no", "min")]
        )
        keep = pc.is_in(candidates["record_no"], value_set=first["record_no_min"])
        events = candidates.filter(keep).select(EVENT_ARROW_SCHEMA.names).cast(EVENT_ARROW_SCHEMA)
        rejected = self._rejects(batch, result.filter(is_bad), run_id, now)
        return ValidatedBatch(
            events=events,
            rejected=rejected,
            duplicates_in_batch=candidates.num_rows - events.num_rows,
            records_read=batch.size,
        )

    def _rejects(self, batch: RawBatch, bad: pa.Table, run_id: str,
                 now: dt.datetime) -> pa.Table:
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
                  left(bad_record, {RAW_KEEP_BYTES}) AS raw, strlen(bad_record) AS raw_bytes,
                  ?::TIMESTAMPTZ AS rejected_at
                FROM _cx_bad ORDER BY record_no
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

