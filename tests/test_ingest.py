"""Lossless ingest: the bad-input corpus, the counting invariant, formats, reruns."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.ingest import IngestSummary, ingest_paths
from cxloop.ingest.readers import _line_ends, read_jsonl
from cxloop.ingest.validate import RawBatch, Validator, _trim_sql
from cxloop.store import Store, open_store
from cxloop.store.tables import REJECTED_SCHEMA


def event(i: int | str, **change: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": f"e-{i}",
        "occurred_at": "2026-03-01T10:00:00Z",
        "channel": "chat",
        "type": "message",
        "identifiers": {"email": f"user{i}@example.com", "cookie": f"c{i}"},
        "actor": "customer",
        "text": f"where is my order {i}",
    }
    base.update(change)
    return {k: v for k, v in base.items() if v is not None}


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


# Each bad record, the field its reject must name, and words its reason must contain.
BAD_RECORDS: list[tuple[str, str, str, str]] = [
    ("broken json", '{"event_id": "x", "occurred_at": ', "(record)", "not valid JSON"),
    ("not an object", "[1, 2, 3]", "(record)", "not an object"),
    ("missing event_id", json.dumps(event(1, event_id=None)), "event_id", "missing"),
    ("missing occurred_at", json.dumps(event(2, occurred_at=None)), "occurred_at", "missing"),
    ("missing channel", json.dumps(event(3, channel=None)), "channel", "missing"),
    ("unknown channel", json.dumps(event(4, channel="fax")), "channel", "not one of"),
    (
        "impossible date",
        json.dumps(event(5, occurred_at="2026-02-30T10:00:00Z")),
        "occurred_at",
        "not a date and time",
    ),
    (
        "far future",
        json.dumps(event(6, occurred_at="2999-01-01T00:00:00Z")),
        "occurred_at",
        "outside the possible range",
    ),
    (
        "no time zone",
        json.dumps(event(7, occurred_at="2026-03-01 10:00:00")),
        "occurred_at",
        "no time zone",
    ),
    ("wrong number type", json.dumps(event(8, duration_s="long")), "duration_s", "not a number"),
    ("negative wait", json.dumps(event(9, wait_s=-5)), "wait_s", "negative"),
    ("score out of range", json.dumps(event(10, scores={"nps": 11})), "scores.nps", "from 0 to 10"),
    (
        "object as event_id",
        json.dumps(event(11, event_id={"a": 1})),
        "event_id",
        "must be a string",
    ),
    (
        "bad email",
        json.dumps(event(12, identifiers={"email": "nope"})),
        "identifiers.email",
        "not an email address",
    ),
    (
        "unknown identifier type",
        json.dumps(event(13, identifiers={"fax": "1"})),
        "identifiers.fax",
        "unknown identifier type",
    ),
    (
        "bad phone",
        json.dumps(event(14, identifiers={"phone": "12"})),
        "identifiers.phone",
        "not a phone number",
    ),
    ("huge text", json.dumps(event(15, text="x" * (10 * 1024 * 1024))), "text", "the limit is"),
    (
        "attributes not an object",
        json.dumps(event(16, attributes=[1, 2])),
        "attributes",
        "JSON object",
    ),
    ("unknown actor", json.dumps(event(17, actor="robot")), "actor", "not one of"),
    (
        "repeated field",
        json.dumps(event(18, text="first"))[:-1] + ', "text": "second"}',
        "text",
        "appears more than once",
    ),
    (
        "repeated unknown field",
        json.dumps(event(19, campaign="a"))[:-1] + ', "campaign": "b"}',
        "campaign",
        "appears more than once",
    ),
]


@pytest.mark.parametrize(
    ("case", "line", "field", "reason"), BAD_RECORDS, ids=[c[0] for c in BAD_RECORDS]
)
def test_each_bad_record_is_rejected_with_field_and_reason(
    tmp_path: Path, case: str, line: str, field: str, reason: str
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [event("ok-1"), line, event("ok-2")])
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store)
        assert (summary.records_read, summary.accepted, summary.rejected) == (3, 2, 1)
        rows = store.query("SELECT source, record_no, field, reason, raw_bytes FROM rejected")
        reject = rows.to_pylist()[0]
    assert reject["source"] == str(path)
    assert reject["record_no"] == 2
    assert reject["field"] == field
    assert reason in reject["reason"]
    assert reject["raw_bytes"] == len(line.encode())


def test_invalid_utf8_line_is_rejected_and_its_neighbours_kept(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps(event(1)).encode()
    path.write_bytes(good + b"\n" + b'{"event_id": "caf\xff"}\n' + json.dumps(event(2)).encode())
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store)
        reject = store.query("SELECT record_no, field, reason FROM rejected").to_pylist()[0]
    assert (summary.accepted, summary.rejected) == (2, 1)
    assert reject["record_no"] == 2
    assert "not valid UTF-8" in reject["reason"]


def test_empty_file_and_blank_lines_are_no_records(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    blanks = write_jsonl(tmp_path / "blanks.jsonl", ["", event(1), "   ", event(2), ""])
    with open_store(":memory:") as store:
        summary = ingest_paths([empty, blanks], store)
        sources = store.query("SELECT source FROM events ORDER BY source")["source"].to_pylist()
    assert (summary.records_read, summary.accepted, summary.rejected) == (2, 2, 0)
    assert sources == [f"{blanks}:2", f"{blanks}:4"]  # line numbers count the blank lines


def test_csv_with_identifier_columns_scores_and_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(
        "event_id,occurred_at,channel,type,email,phone,csat,store_code\n"
        "s1,2026-03-01T10:00:00Z,survey,survey_response,Ann@X.com,(415) 555-0100,5,B12\n"
        "s2,2026-03-01T11:00:00Z,survey,survey_response,,,9,\n"
        "s3,too,few\n"
    )
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store)
        stored = store.query("SELECT * FROM events").to_pylist()
        rejects = store.query("SELECT record_no, field, reason FROM rejected ORDER BY 1")
    assert (summary.records_read, summary.accepted, summary.rejected) == (3, 1, 2)
    assert stored[0]["identifiers"] == ["email:ann@x.com", "phone:+14155550100"]
    assert stored[0]["csat"] == 5
    assert json.loads(stored[0]["attributes"]) == {"_extra": {"store_code": "B12"}}
    assert rejects.to_pylist() == [
        {
            "record_no": 2,
            "field": "scores.csat",
            "reason": "csat 9 is not a whole number from 1 to 5",
        },
        {"record_no": 3, "field": "(record)", "reason": "row has 3 fields; the header has 8"},
    ]


def test_csv_missing_required_columns_rejects_every_row(tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_text("occurred_at,channel\n2026-03-01T10:00:00Z,web\n2026-03-01T10:05:00Z,web\n")
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store)
        fields = store.query("SELECT field, reason FROM rejected").to_pylist()
    assert (summary.records_read, summary.rejected) == (2, 2)
    assert all(f["field"] == "event_id" and "type is missing" in f["reason"] for f in fields)


def test_gzip_parquet_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    with gzip.open(folder / "a.jsonl.gz", "wt") as fh:
        fh.write("\n".join(json.dumps(event(i)) for i in range(100)))
    rows = [event(i) for i in range(100, 150)]
    for r in rows:
        r["identifiers"] = json.dumps(r["identifiers"])
    pq.write_table(pa.Table.from_pylist(rows), folder / "b.parquet")
    (folder / "README.txt").write_text("not data")
    with open_store(":memory:") as store:
        summary = ingest_paths([folder], store)
        ids = store.query("SELECT identifiers FROM events WHERE event_id = 'e-120'")
    assert (summary.records_read, summary.accepted) == (150, 150)
    assert [f.source.rsplit("/", 1)[1] for f in summary.files] == ["a.jsonl.gz", "b.parquet"]
    assert ids.to_pylist()[0]["identifiers"] == ["cookie:c120", "email:user120@example.com"]


def test_rerun_counts_everything_as_duplicates_and_stores_nothing_twice(
    store: Store, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [event(i) for i in range(50)] + [event(3), "{broken"])
    first = ingest_paths([path], store)
    second = ingest_paths([path], store)
    assert (first.accepted, first.duplicates, first.rejected) == (50, 1, 1)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 51, 1)
    assert store.count("events") == 50
    runs = store.runs()
    assert [r.status for r in runs] == ["completed", "completed"]
    assert sum(r.accepted for r in runs) == 50


def test_unknown_fields_are_kept_under_attributes(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl", [event(1, attributes={"page": "/a"}, campaign="spring", score=3)]
    )
    with open_store(":memory:") as store:
        ingest_paths([path], store)
        attributes = store.query("SELECT attributes FROM events")["attributes"][0].as_py()
    assert json.loads(attributes) == {"page": "/a", "_extra": {"campaign": "spring", "score": 3}}


record_kinds = st.lists(
    st.tuples(
        st.sampled_from(["valid", "duplicate", "broken", "bad_channel", "no_id", "blank"]),
        st.integers(min_value=0, max_value=30),
    ),
    min_size=0,
    max_size=60,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record_kinds, st.integers(min_value=200, max_value=5000), st.booleans())
def test_counts_always_add_up(
    tmp_path: Path, kinds: list[tuple[str, int]], batch_bytes: int, merge_batches: bool
) -> None:
    lines: list[str] = []
    for kind, i in kinds:
        if kind in ("valid", "duplicate"):
            lines.append(json.dumps(event(i)))
        elif kind == "broken":
            lines.append('{"event_id": ')
        elif kind == "bad_channel":
            lines.append(json.dumps(event(i, channel="pigeon")))
        elif kind == "no_id":
            lines.append(json.dumps(event(i, event_id=None)))
        else:
            lines.append("")
    path = tmp_path / "prop.jsonl"
    path.write_text("\n".join(lines))
    with open_store(":memory:") as store:
        # one transaction per batch, or batches of 4 events or more merged up to 8
        store.bulk_insert_rows = 8 if merge_batches else 0
        summary = ingest_paths([path], store, batch_bytes=batch_bytes)
        stored = store.count("events")
        rejected = store.count("rejected")
    records = sum(1 for line in lines if line.strip())
    distinct_valid = len({i for kind, i in kinds if kind in ("valid", "duplicate")})
    assert summary.records_read == records
    assert summary.adds_up()
    assert summary.accepted == stored == distinct_valid
    assert summary.rejected == rejected


def ingest_and_read(
    path: Path, batch_bytes: int, reject_columns: str
) -> tuple[IngestSummary, list[str], list[dict[str, Any]]]:
    """Ingest one file into a fresh store: the summary, the stored events' sources in order, and
    the given columns of the rejects."""
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store, batch_bytes=batch_bytes)
        sources = store.query("SELECT source FROM events ORDER BY source")["source"].to_pylist()
        rejects = store.query(f"SELECT {reject_columns} FROM rejected ORDER BY record_no")
    return summary, sources, rejects.to_pylist()


def test_raw_control_character_line_is_rejected_and_later_lines_keep_their_numbers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ctrl.jsonl"
    lines = [json.dumps(event(1)), '{"event_id": "x\x1ey"}', "", json.dumps(event(2))]
    path.write_text("\n".join(lines) + "\n")
    summary, sources, reject = ingest_and_read(path, 4096, "record_no, reason")
    assert (summary.records_read, summary.accepted, summary.rejected) == (3, 2, 1)
    assert sources == [f"{path}:1", f"{path}:4"]
    assert reject == [{"record_no": 2, "reason": "not valid JSON"}]


def test_line_ends_blank_lines_and_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    lines = [
        json.dumps(event(1)),
        " \t ",
        "\u00a0\u2003",  # Unicode spaces only: blank too
        '{"event_id": "bad"}',
        json.dumps(event(2)),
    ]
    # Windows line ends, and no newline after the last line
    path.write_bytes("\r\n".join(lines).encode())
    summary, sources, reject = ingest_and_read(path, 64, "record_no, raw, raw_bytes")
    assert (summary.records_read, summary.accepted, summary.rejected) == (3, 2, 1)
    assert sources == [f"{path}:1", f"{path}:5"]
    # the dead letter keeps the line as written, without its line end
    assert reject == [{"record_no": 4, "raw": '{"event_id": "bad"}', "raw_bytes": 19}]


def test_a_line_longer_than_a_batch_is_read_whole(tmp_path: Path) -> None:
    long_text = "ok " * 300_000  # 0.9 MB in one record, nine batches long
    path = write_jsonl(tmp_path / "long.jsonl", [event(1), event(2, text=long_text), event(3)])
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store, batch_bytes=100_000)
        stored = store.query("SELECT length(text) AS n FROM events WHERE event_id = 'e-2'")
    assert (summary.records_read, summary.accepted) == (3, 3)
    assert stored["n"][0].as_py() == len(long_text)


def test_identifier_forms_and_their_errors_in_the_order_of_the_record(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            event(1, identifiers={"Phone ": "(415) 555-0100"}),
            event(2, identifiers=json.dumps({"phone": "+44 20 7946 0958", "email": "A@B.co"})),
            event(3, identifiers=[{"type": None, "value": "x"}]),
            event(4, identifiers={"cookie": "c" * 400}),
            event(5, identifiers={"email": "nope", "phone": "12"}),
        ],
    )
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store)
        stored = store.query("SELECT event_id, identifiers FROM events ORDER BY event_id")
        rejects = store.query("SELECT record_no, field, reason FROM rejected ORDER BY record_no")
    assert (summary.accepted, summary.rejected) == (2, 3)
    assert stored.to_pylist() == [
        {"event_id": "e-1", "identifiers": ["phone:+14155550100"]},
        {"event_id": "e-2", "identifiers": ["email:a@b.co", "phone:+442079460958"]},
    ]
    assert rejects.to_pylist() == [
        {"record_no": 3, "field": "identifiers", "reason": "an identifier has no type"},
        {
            "record_no": 4,
            "field": "identifiers.cookie",
            "reason": "cookie is longer than 320 characters",
        },
        {
            "record_no": 5,
            "field": "identifiers.email",
            "reason": "email nope is not an email address; phone 12 is not a phone number",
        },
    ]


def test_the_statement_for_all_json_batches_agrees_with_the_general_one() -> None:
    records = [
        json.dumps(event(1)),
        "  " + json.dumps(event(2, channel=" WEB ")),
        json.dumps(event(3, extra_field={"a": 1})),
        "[1, 2]",
        "5",
        '"text"',
        "null",
        "true",
        "{}",
        json.dumps(event(4, identifiers=[{"type": "phone", "value": "(415) 555-0100"}])),
        json.dumps(event(5, scores={"nps": 11})),
    ]
    table = pa.table({"record_no": np.arange(1, len(records) + 1), "record": records})
    validator = Validator()
    validator.con.register("_cx_raw", table)
    now = dt.datetime.now(dt.UTC)
    general = validator.con.execute(validator._sql(now, "r", "s")).to_arrow_table()
    fast = validator.con.execute(validator._sql(now, "r", "s", all_json=True)).to_arrow_table()
    validator.close()
    # a record that is not an object is rejected by its type alone; everything else is the same
    objects = pc.equal(general["jtype"], "OBJECT")
    assert fast["jtype"].to_pylist() == general["jtype"].to_pylist()
    assert fast["bad_record"].to_pylist() == general["bad_record"].to_pylist()
    assert fast.filter(objects).equals(general.filter(objects))


def test_a_source_with_a_line_that_is_not_json_keeps_the_general_statement(tmp_path: Path) -> None:
    lines = [json.dumps(event(1)), '{"event_id": ', json.dumps(event(2)), "[1]"]
    lines += [json.dumps(event(i)) for i in range(3, 60)] + ["not json either"]
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    with open_store(":memory:") as store:
        summary = ingest_paths([path], store, batch_bytes=600)  # many batches
        rejects = store.query("SELECT record_no, reason FROM rejected ORDER BY record_no")
    assert (summary.accepted, summary.rejected) == (59, 3)
    assert rejects.to_pylist() == [
        {"record_no": 2, "reason": "not valid JSON"},
        {"record_no": 4, "reason": "a JSON array, not an object"},
        {"record_no": 62, "reason": "not valid JSON"},
    ]


_SPACES = " \u00a0\u2003\u3000\t\n\u200b\u0085"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.sampled_from(_SPACES), max_size=3),
            st.text(st.characters(max_codepoint=127), max_size=8) | st.text(max_size=8),
            st.text(st.sampled_from(_SPACES), max_size=3),
        ).map("".join)
    )
)
def test_the_guarded_trim_is_trim(values: list[str]) -> None:
    """The validation's trim skips values that cannot start or end with a space separator;
    what it gives is what ``trim`` gives, for any text (Unicode spaces, tabs, no spaces)."""
    validator = Validator()
    try:
        validator.con.register("_t", pa.table({"v": pa.array(values, pa.string())}))
        rows = validator.con.execute(
            f"SELECT trim(v) AS plain, {_trim_sql('v')} AS guarded FROM _t"
        ).fetchall()
    finally:
        validator.close()
    assert [guarded for _, guarded in rows] == [plain for plain, _ in rows]


def test_a_gzipped_file_read_in_many_blocks_keeps_every_line_and_its_number(
    tmp_path: Path,
) -> None:
    lines = [json.dumps({"event_id": f"e{i}", "pad": "y" * (i % 50)}) for i in range(1000)]
    lines[500], lines[700] = "", "  "  # blank lines count but are not records
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines))  # no newline after the last line
    batches = list(read_jsonl(path, batch_bytes=500))
    numbers = [n for b in batches for n in b.records["record_no"].to_pylist()]
    records = [json.loads(r)["event_id"] for b in batches for r in b.records["record"].to_pylist()]
    assert len(batches) > 100
    assert numbers == [i + 1 for i in range(1000) if i not in (500, 700)]
    assert records == [f"e{i}" for i in range(1000) if i not in (500, 700)]
    assert batches[-1].position == path.stat().st_size  # progress ends at the file's size


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=40))
def test_line_ends_found_piece_by_piece_are_every_newline(data: bytes, scratch: int) -> None:
    """The reader compares a block with the newline a piece at a time (the mask reused); the
    ends it finds are those of one comparison of the whole block, also at the pieces' edges."""
    block = np.frombuffer(data + b"\n\n" + data, dtype=np.uint8)
    ends = _line_ends(block, np.empty(scratch, dtype=bool))
    assert ends.tolist() == (np.flatnonzero(block == 10) + 1).tolist()
    assert _line_ends(block[:0], np.empty(scratch, dtype=bool)).tolist() == []


def test_a_clean_batch_has_an_empty_dead_letter_of_its_schema() -> None:
    table = pa.table({"record_no": [1, 2], "record": [json.dumps(event(1)), json.dumps(event(2))]})
    validator = Validator()
    try:
        out = validator.validate(RawBatch("s", table, []), "run")
    finally:
        validator.close()
    assert out.events.num_rows == 2
    assert out.rejected.num_rows == 0
    assert out.rejected.schema == REJECTED_SCHEMA
