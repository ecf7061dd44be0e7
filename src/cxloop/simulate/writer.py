"""Writing the world: ``events.jsonl`` (canonical input events), ``crm.csv`` and ``truth/``.

JSON lines are assembled by DuckDB from Arrow columns (string concatenation with ``to_json``
for escaping), so each line carries only the keys that have a value, and ``identifiers``,
``scores`` and ``attributes`` are nested objects exactly as the canonical input expects. The
DuckDB connection here is an in-memory formatting engine for files, not a store: cxloop.store
owns every database the pipeline reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from cxloop.simulate.catalog import (
    ACTORS_USED,
    AK,
    AUTH_METHODS,
    CHANNELS_USED,
    CHURN_REASONS,
    COUNTRIES,
    CURRENCIES,
    EVENT_TYPES_USED,
    IVR_MENUS,
    LOGIN_METHODS,
    PAGES,
    queue_names,
)
from cxloop.simulate.frame import Frame
from cxloop.simulate.people import Population

_TZ_CHANNELS = ("ivr", "voice")
"""The telephony platform stamps events in the customer's local time with its UTC offset."""


def _nullable(values: np.ndarray, missing: np.ndarray, type_: pa.DataType) -> pa.Array:
    return pa.array(values, type=type_, mask=missing)


def _labels(names: tuple[str, ...] | list[str], codes: np.ndarray) -> pa.Array:
    """Code → label, null for negative codes."""
    return pa.array(list(names), type=pa.string()).take(pa.array(codes, mask=codes < 0))


def event_table(f: Frame, text: pa.Array, event_key: np.ndarray, pop: Population) -> pa.Table:
    """The events as an Arrow table of ready-to-format columns."""
    person = f["person"]
    tz_offset_h = np.array([c.utc_offset_h for c in COUNTRIES])[pop.country[person]]
    local = np.isin(f["channel"], [CHANNELS_USED.index(c) for c in _TZ_CHANNELS])
    tz_min = np.where(local, tz_offset_h * 60, 0).astype(np.int64)
    suffixes = ["Z", "+01:00", "-05:00", "-06:00"]
    suffix_code = np.select([tz_min == 60, tz_min == -300, tz_min == -360], [1, 2, 3], 0)

    def pick(values: np.ndarray, index: np.ndarray, missing: np.ndarray) -> pa.Array:
        # Arrow's take instead of indexing object arrays: millions of rows, no Python objects
        source = pa.array(values.ravel(), type=pa.string())
        return source.take(pa.array(np.where(missing, 0, index), mask=missing))

    person64 = person.astype(np.int64)
    email_sources = np.concatenate([pop.email, pop.email_work, pop.email_household, pop.email_typo])
    email_idx = f["id_email"].astype(np.int64) * pop.n + person64
    phone_forms = np.concatenate([pop.phone_forms, pop.phone2_forms], axis=1)  # (n, 8)
    phone_idx = np.maximum(f["id_phone"], 0).astype(np.int64)
    phone_e164 = np.stack([pop.phone_e164, pop.phone2_e164], axis=1)  # (n, 2)
    has_phone = f["id_phone"] >= 0
    no_email = f["id_email"] < 0
    columns: dict[str, Any] = {
        "event_key": event_key,
        "ts_ms": f["ts_ms"],
        "tz_min": tz_min,
        "tz_suffix": _labels(suffixes, suffix_code),
        "channel": _labels(CHANNELS_USED, f["channel"]),
        "etype": _labels(EVENT_TYPES_USED, f["etype"]),
        "actor": _labels(ACTORS_USED, f["actor"]),
        "conv": _nullable(f["conv"], f["conv"] == 0, pa.uint64()),
        "session": _nullable(f["session"], f["session"] == 0, pa.uint64()),
        "agent": _nullable(f["agent"], f["agent"] < 0, pa.int32()),
        "queue": _labels(queue_names(), f["queue"]),
        "text": text,
        "duration_s": _nullable(f["duration_s"], np.isnan(f["duration_s"]), pa.float64()),
        "wait_s": _nullable(f["wait_s"], np.isnan(f["wait_s"]), pa.float64()),
        "csat": _nullable(f["csat"], f["csat"] < 0, pa.int8()),
        "nps": _nullable(f["nps"], f["nps"] < 0, pa.int8()),
        "ces": _nullable(f["ces"], f["ces"] < 0, pa.int8()),
        "value": _nullable(f["value"], np.isnan(f["value"]), pa.float64()),
        "currency": _labels(CURRENCIES, f["currency"]),
        "attr_kind": f["attr_kind"],
        "a_i1": f["a_i1"],
        "a_i2": f["a_i2"],
        "a_f1": _nullable(f["a_f1"], np.isnan(f["a_f1"]), pa.float64()),
        "a_f2": _nullable(f["a_f2"], np.isnan(f["a_f2"]), pa.float64()),
        "a_f3": _nullable(f["a_f3"], np.isnan(f["a_f3"]), pa.float64()),
        "i_customer": pick(pop.customer_id, person64, ~f["id_customer"]),
        "i_account": pick(pop.account, person64, ~f["id_account"]),
        "i_email": pick(email_sources, email_idx, no_email),
        "email_kind": f["id_email"],
        "i_phone": pick(phone_forms, person64 * 8 + phone_idx, ~has_phone),
        "phone_e164": pick(phone_e164, person64 * 2 + phone_idx // 4, ~has_phone),
        "i_cookie": _nullable(f["id_cookie"], f["id_cookie"] == 0, pa.uint64()),
        "i_device": _nullable(f["id_device"], f["id_device"] == 0, pa.uint64()),
        "i_social": pick(pop.social, person64, ~f["id_social"]),
        "person": person,
        "journey": f["journey"],
        "contact_index": f["contact_index"],
        "household": pop.household[person],
    }
    return pa.table(columns)


_LINE_SQL = """
SELECT '{"event_id":"evt_' || printf('%016x', event_key)
  || '","occurred_at":"'
  || strftime(make_timestamp((ts_ms + tz_min * 60000) * 1000), '%Y-%m-%dT%H:%M:%S.%g')
  || tz_suffix || '","channel":"' || channel || '","type":"' || etype || '"'
  || ',"identifiers":{' || concat_ws(',',
       '"customer_id":' || to_json(i_customer), '"account":' || to_json(i_account),
       '"email":' || to_json(i_email), '"phone":' || to_json(i_phone),
       '"cookie":"ck_' || printf('%016x', i_cookie) || '"',
       '"device":"dev_' || printf('%016x', i_device) || '"',
       '"social":' || to_json(i_social)) || '}'
  || coalesce(',"conversation_id":"conv_' || printf('%016x', conv) || '"', '')
  || coalesce(',"session_id":"sess_' || printf('%016x', session) || '"', '')
  || coalesce(',"actor":"' || actor || '"', '')
  || coalesce(',"agent_id":"A' || lpad(agent::VARCHAR, 5, '0') || '"', '')
  || coalesce(',"queue":"' || queue || '"', '')
  || coalesce(',"text":' || to_json(text), '')
  || coalesce(',"duration_s":' || duration_s::VARCHAR, '')
  || coalesce(',"wait_s":' || wait_s::VARCHAR, '')
  || coalesce(',"scores":{"csat":' || csat || coalesce(',"nps":' || nps, '')
               || coalesce(',"ces":' || ces, '') || '}', '')
  || coalesce(',"value":' || value::VARCHAR, '')
  || coalesce(',"currency":"' || currency || '"', '')
  || ',"attributes":' || (CASE attr_kind
       WHEN $page THEN CASE WHEN a_i2 >= 0
            THEN json_object('page', $pages[a_i1 + 1], 'article_id', 'kb-' || a_i2::VARCHAR)
            ELSE json_object('page', $pages[a_i1 + 1]) END
       WHEN $ivr_menu THEN json_object('menu', $menus[a_i2 + 1], 'depth', a_i1)
       WHEN $call_end THEN json_object('talk_s', a_f1, 'hold_s', a_f2, 'wrap_s', a_f3)
       WHEN $transfer THEN json_object('from_queue', $queues[a_i1 + 1],
                                       'to_queue', $queues[a_i2 + 1])
       WHEN $auth THEN json_object('method', $methods[a_i1 + 1], 'verified', true)
       WHEN $survey THEN json_object('survey', CASE a_i2 WHEN 0 THEN 'post_contact'
                                                ELSE 'web_feedback' END, 'questions', a_i1)
       WHEN $purchase THEN json_object('order_id', 'ORD-' || lpad(a_i2::VARCHAR, 8, '0'),
                                       'items', a_i1)
       WHEN $churn THEN json_object('reason', $reasons[a_i1 + 1])
       WHEN $case THEN json_object('case_id', 'CS-' || lpad(((a_i1 * 2654435761 + 7919)
                                                             % 100000000)::VARCHAR, 8, '0'))
       WHEN $handoff THEN json_object('from', 'bot', 'to_queue', $queues[a_i1 + 1])
       WHEN $login THEN json_object('method', $login_methods[greatest(a_i2, 0) + 1])
       ELSE '{}'::JSON END)::VARCHAR
  || '}' || chr(10) AS line
FROM events
"""


def _sql_params() -> dict[str, Any]:
    params: dict[str, Any] = {
        name: AK[name]
        for name in (
            "page",
            "ivr_menu",
            "call_end",
            "transfer",
            "auth",
            "survey",
            "purchase",
            "churn",
            "case",
            "handoff",
            "login",
        )
    }
    params.update(
        pages=list(PAGES),
        menus=list(IVR_MENUS),
        queues=queue_names(),
        methods=list(AUTH_METHODS),
        login_methods=list(LOGIN_METHODS),
        reasons=list(CHURN_REASONS),
    )
    return params


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB used as a file formatter (quiet: the caller shows progress)."""
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    return con


def write_events_jsonl(con: duckdb.DuckDBPyConnection, events: pa.Table, path: Path) -> int:
    """Write ``events.jsonl`` in the order of ``events`` (sorted by time by the caller; DuckDB
    keeps insertion order for a plain projection); returns the number of lines."""
    con.register("events", events)
    reader = con.execute(_LINE_SQL, _sql_params()).to_arrow_reader(500_000)
    lines = 0
    with path.open("wb") as out:
        for batch in reader:
            column = batch.column(0)
            if column.null_count:
                raise ValueError("an event line came out empty; a required column is null")
            buffers = column.buffers()
            offset_type = np.int64 if pa.types.is_large_string(column.type) else np.int32
            offsets = np.frombuffer(buffers[1], dtype=offset_type)
            first = int(offsets[column.offset])
            last = int(offsets[column.offset + len(column)])
            out.write(memoryview(buffers[2])[first:last])
            lines += len(column)
    return lines


def copy_csv(
    con: duckdb.DuckDBPyConnection, sql: str, path: Path, params: dict[str, Any] | None = None
) -> int:
    """Write a query's result as CSV with a header; returns the row count."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _out AS {sql}", params or {})
    rows = int(con.execute("SELECT count(*) FROM _out").fetchone()[0])  # type: ignore[index]
    con.execute(f"COPY _out TO '{_sql_path(path)}' (FORMAT CSV, HEADER)")
    return rows


def _sql_path(path: Path) -> str:
    """A path as a SQL string literal body (COPY takes no bound parameter for its target)."""
    return str(path).replace("'", "''")
