"""The same store tests on DuckDB and PostgreSQL: atomic batches, keys, runs, Ibis access."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from cxloop.schema import EVENT_ARROW_SCHEMA, InteractionEvent
from cxloop.store import REJECTED_SCHEMA, BatchWrite, Store, StoreError, open_store


def events(*ids: str) -> pa.Table:
    rows = [
        InteractionEvent(
            event_id=i,
            occurred_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
            channel="web",
            type="page_view",
            identifiers={"cookie": f"c-{i}", "email": "a@b.co"},
        ).to_record()
        for i in ids
    ]
    return pa.Table.from_pylist(rows, schema=EVENT_ARROW_SCHEMA)


def test_batches_insert_only_new_events_and_count_the_rest(store: Store) -> None:
    store.start_run("r1", ["test"], "0")
    first = store.write_batch(
        BatchWrite("r1", events("a", "b"), REJECTED_SCHEMA.empty_table(), records_read=2)
    )
    second = store.write_batch(
        BatchWrite(
            "r1",
            events("b", "c"),
            REJECTED_SCHEMA.empty_table(),
            records_read=3,
            duplicates_in_run=1,
        )
    )
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (second.accepted, second.duplicates) == (1, 2)
    assert store.count("events") == 3
    run = store.runs()[0]
    assert (run.records_read, run.accepted, run.duplicates, run.rejected) == (5, 3, 2, 0)


def test_a_failing_batch_leaves_nothing_behind(store: Store) -> None:
    store.start_run("r1", ["test"], "0")
    good = events("a")
    broken = events("x", "y")
    broken = broken.set_column(
        0, pa.field("event_id", pa.string()), pa.array(["x", None], pa.string())
    )
    store.write_batch(BatchWrite("r1", good, REJECTED_SCHEMA.empty_table(), records_read=1))
    with pytest.raises(Exception):  # noqa: B017 - the engine's own NOT NULL error
        store.write_batch(BatchWrite("r1", broken, REJECTED_SCHEMA.empty_table(), records_read=2))
    assert store.count("events") == 1
    assert store.runs()[0].records_read == 1


def test_identifiers_round_trip_through_ibis(store: Store) -> None:
    store.start_run("r1", ["test"], "0")
    store.write_batch(
        BatchWrite("r1", events('q"uote,comma'), REJECTED_SCHEMA.empty_table(), records_read=1)
    )
    table = store.ibis().table("events")
    row = table.select("event_id", "identifiers").to_pyarrow().to_pylist()[0]
    assert row == {
        "event_id": 'q"uote,comma',
        "identifiers": ['cookie:c-q"uote,comma', "email:a@b.co"],
    }


def test_rejected_rows_must_follow_the_dead_letter_schema(store: Store) -> None:
    with pytest.raises(StoreError, match="REJECTED_SCHEMA"):
        store.write_batch(BatchWrite("r1", events("a"), pa.table({"x": [1]})))


def test_reopening_keeps_data_and_schema_version(store_url: str) -> None:
    with open_store(store_url) as s:
        s.start_run("r1", ["test"], "0")
        s.write_batch(BatchWrite("r1", events("a"), REJECTED_SCHEMA.empty_table(), records_read=1))
    with open_store(store_url) as s:
        assert s.count("events") == 1
        version = s.query("SELECT value FROM cxloop_meta WHERE key = 'schema_version'")
        assert version.column(0)[0].as_py() == "1"


def test_second_duckdb_writer_gets_a_clear_error(tmp_path: object) -> None:
    import subprocess
    import sys

    path = f"{tmp_path}/locked.duckdb"
    holder = open_store(path)
    try:
        other = subprocess.run(
            [sys.executable, "-c", f"from cxloop.store import open_store; open_store({path!r})"],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        holder.close()
    assert other.returncode != 0
    assert "one writer per file" in other.stderr
    assert "postgresql://" in other.stderr


def test_components_create_and_replace_their_own_tables(store: Store) -> None:
    from cxloop.store.tables import TableSpec

    spec = TableSpec(
        "profiles_test",
        pa.schema([("profile_id", pa.string()), ("identifiers", pa.list_(pa.string()))]),
        ("profile_id",),
    )
    assert not store.has_table("profiles_test")
    store.ensure_table(spec)
    assert store.has_table("profiles_test")
    first = pa.table(
        {"profile_id": ["p1", "p2"], "identifiers": [["email:a@b.co"], []]}, schema=spec.schema
    )
    store.replace_rows("profiles_test", first)
    store.replace_rows(
        "profiles_test",
        first.slice(0, 1).set_column(
            1, "identifiers", pa.array([["cookie:x"]], pa.list_(pa.string()))
        ),
        where=f"profile_id = {store.param}",
        params=("p1",),
    )
    rows = store.query("SELECT * FROM profiles_test ORDER BY profile_id").to_pylist()
    assert rows == [
        {"profile_id": "p1", "identifiers": ["cookie:x"]},
        {"profile_id": "p2", "identifiers": []},
    ]
    assert store.count("profiles_test") == 2
