"""Ingest's overlapped steps and the DuckDB store's fresh-run shortcut: same outcome, errors
raised, nothing half-written."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxloop.ingest.pipeline as pipeline
from cxloop.ingest import ingest_paths
from cxloop.ingest.validate import RawBatch, Validator
from cxloop.store import BatchWrite, Store, open_store


def event(i: int | str, **change: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": f"e-{i}",
        "occurred_at": "2026-03-01T10:00:00Z",
        "channel": "chat",
        "type": "message",
        "identifiers": {"email": f"user{i}@example.com"},
    }
    base.update(change)
    return {k: v for k, v in base.items() if v is not None}


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def test_ahead_yields_in_order_and_raises_the_producers_error() -> None:
    def numbers() -> Iterator[int]:
        yield from range(5)
        raise ValueError("the reader broke at record 6")

    seen: list[int] = []
    with (
        pytest.raises(ValueError, match="record 6"),
        pipeline._Ahead(numbers(), 1, "test") as ahead,
    ):
        for n in ahead:
            seen.append(n)
    assert seen == [0, 1, 2, 3, 4]


def test_ahead_stops_its_thread_when_the_consumer_stops_early() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    ahead = pipeline._Ahead(endless(), 1, "test")
    assert next(iter(ahead)) == 0
    ahead.close()
    assert closed.is_set()
    assert not ahead._thread.is_alive()


@pytest.mark.parametrize("step", ["read", "validate", "store"])
def test_an_error_in_any_step_fails_the_run_and_keeps_whole_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [event(i) for i in range(300)])
    real_read = pipeline.read_source
    real_validate = pipeline.Validator.validate
    calls = {"n": 0}

    def second_time(what: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError(f"{what} failed on purpose")

    def read_source(*args: Any, **kwargs: Any) -> Iterator[RawBatch]:
        for raw in real_read(*args, **kwargs):
            second_time("read")
            yield raw

    def validate(self: Any, batch: RawBatch, run_id: str) -> Any:
        second_time("validate")
        return real_validate(self, batch, run_id)

    with open_store(str(tmp_path / "s.duckdb")) as store:
        store.bulk_insert_rows = 0  # one transaction per batch
        real_write = store.write_batch

        def write_batch(batch: BatchWrite) -> Any:
            second_time("store")
            return real_write(batch)

        if step == "read":
            monkeypatch.setattr(pipeline, "read_source", read_source)
        elif step == "validate":
            monkeypatch.setattr(pipeline.Validator, "validate", validate)
        else:
            monkeypatch.setattr(store, "write_batch", write_batch)
        with pytest.raises(RuntimeError, match=f"{step} failed on purpose"):
            ingest_paths([path], store, batch_bytes=2000)
        run = store.runs()[0]
        stored = store.count("events")
        assert run.status == "failed"
        assert run.accepted == stored > 0  # the first batch, whole, and its counters
        assert store.query("SELECT current_setting('threads') AS t")["t"][0].as_py() > 0
    assert threading.active_count() < 5  # no step left running


@pytest.mark.parametrize("bulk_insert_rows", [0, 30, 45], ids=["each", "pairs", "more"])
def test_duplicates_across_batches_of_a_fresh_run_are_found(
    tmp_path: Path, bulk_insert_rows: int
) -> None:
    records = [event(i) for i in range(200)] + [event(i, text="again") for i in range(0, 200, 7)]
    path = write_jsonl(tmp_path / "in.jsonl", records)
    with open_store(str(tmp_path / "s.duckdb")) as store:
        # batches (about 20 events each) stored one by one or merged a few at a time
        store.bulk_insert_rows = bulk_insert_rows
        summary = ingest_paths([path], store, batch_bytes=3000)
        assert (summary.accepted, summary.duplicates) == (200, 29)
        assert store.count("events") == 200
        # batches validated side by side are stored in file order: the first occurrence stays
        assert store.query("SELECT count(text) AS n FROM events")["n"][0].as_py() == 0
        distinct = store.query("SELECT count(DISTINCT event_id) AS n FROM events")["n"][0]
        assert distinct.as_py() == 200


def events_table(*ids: str) -> pa.Table:
    from cxloop.schema import EVENT_ARROW_SCHEMA

    n = len(ids)
    columns: dict[str, Any] = {f.name: pa.nulls(n, f.type) for f in EVENT_ARROW_SCHEMA}
    columns["event_id"] = pa.array(ids)
    columns["occurred_at"] = pa.array([0] * n, pa.timestamp("us", tz="UTC"))
    columns["channel"] = pa.array(["web"] * n)
    columns["type"] = pa.array(["page_view"] * n)
    columns["identifiers"] = pa.array([[]] * n, pa.list_(pa.string()))
    columns["ingest_run_id"] = pa.array(["r"] * n)
    columns["source"] = pa.array(["f:1"] * n)
    return pa.table(columns, schema=EVENT_ARROW_SCHEMA)


def batch(*ids: str) -> BatchWrite:
    from cxloop.store import REJECTED_SCHEMA

    return BatchWrite(
        run_id="r",
        events=events_table(*ids),
        rejected=REJECTED_SCHEMA.empty_table(),
        records_read=len(ids),
    )


def test_a_hash_collision_takes_the_exact_path_and_loses_nothing(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "s.duckdb")) as store:
        store.start_run("r", [], "test")
        with store.batch_writes():
            assert store.write_batch(batch("a", "b")).accepted == 2
            # pretend "c" collides with an id this run stored: the anti-join decides
            hashes = store.query("SELECT hash('c') AS h")["h"].to_numpy()
            seen = np.sort(np.concatenate([store._run_hashes, hashes]))
            store._run_hashes = seen
            outcome = store.write_batch(batch("c", "a"))
        assert (outcome.accepted, outcome.duplicates) == (1, 1)
        assert sorted(store.query("SELECT event_id FROM events")["event_id"].to_pylist()) == [
            "a",
            "b",
            "c",
        ]


def test_another_writer_in_the_process_turns_the_shortcut_off(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    with open_store(db) as store:
        store.start_run("r", [], "test")
        with store.batch_writes():
            store.write_batch(batch("a"))
            other: Store = open_store(db)  # the same database, another connection
            other.start_run("o", [], "test")
            other.write_batch(batch("b"))
            other.close()
            outcome = store.write_batch(batch("b", "c"))
        assert (outcome.accepted, outcome.duplicates) == (1, 1)
        assert store.count("events") == 3


def test_a_store_that_held_events_before_the_run_uses_the_anti_join(store: Store) -> None:
    store.start_run("r", [], "test")
    store.write_batch(batch("a"))
    with store.batch_writes():
        outcome = store.write_batch(batch("a", "b"))
    assert (outcome.accepted, outcome.duplicates) == (1, 1)
    assert store.count("events") == 2


identifier_values = st.one_of(
    st.sampled_from(
        [
            "Ann@Example.COM",
            " bob@x.org ",
            "nope",
            "",
            "  ",
            "(415) 555-0100",
            "+44 20 7946 0958",
            "12",
            "+1 415 555 0100",
            "\u00a0c-1\u3000",
            'a":1',
            "back\\slash",
            "x" * 321,
            "e\u0301",
            "C-9",
        ]
    ),
    st.text(max_size=12),
)
identifier_objects = st.dictionaries(
    st.sampled_from(["customer_id", "account", "email", "phone", "cookie", "device", "social"]),
    identifier_values,
    max_size=4,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(identifier_objects, min_size=1, max_size=20))
def test_fast_identifier_path_agrees_with_the_general_one(
    tmp_path: Path, objects: list[dict[str, str]]
) -> None:
    # an object of built-in types holding strings takes the typed fast path; the same items as a
    # list of {type, value} take the general one: events and rejects must not differ
    outcomes = []
    for form in ("object", "list"):
        records = [
            event(
                i,
                identifiers=ids
                if form == "object"
                else [{"type": t, "value": v} for t, v in ids.items()],
            )
            for i, ids in enumerate(objects)
        ]
        path = write_jsonl(tmp_path / f"{form}.jsonl", records)
        with open_store(":memory:") as store:
            ingest_paths([path], store)
            outcomes.append(
                (
                    store.query("SELECT event_id, identifiers FROM events ORDER BY 1").to_pylist(),
                    store.query(
                        "SELECT record_no, field, reason FROM rejected ORDER BY 1"
                    ).to_pylist(),
                )
            )
    assert outcomes[0] == outcomes[1]


class _PerRecordPhones(Validator):
    """Looks every phone up per record inside the statement, as the build before the batch
    look-up did: the reference the batch look-up must agree with."""

    phones_per_batch = False


def _validated(validator: Validator, records: list[Any]) -> tuple[pa.Table, list[Any]]:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    table = pa.table({"record_no": np.arange(1, len(lines) + 1), "record": lines})
    try:
        out = validator.validate(RawBatch("s", table, []), "run")
    finally:
        validator.close()
    return out.events, out.rejected.drop_columns(["rejected_at"]).to_pylist()


phone_values = st.one_of(
    st.sampled_from(
        [
            "+14155550100",
            "(415) 555-0100",
            "+1 415 555 0100",
            "415.555.0100",
            "+44 20 7946 0958",
            "0034 606 998 996",
            "+34606998996",
            " +34606998996 ",
            "12",
            "abc",
            "",
            "+999 1234",
            "x" * 321,
        ]
    ),
    st.text(st.sampled_from("0123456789+ ()-."), max_size=16),
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            phone_values,
            st.sampled_from(["object", "list", "none"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_phones_looked_up_per_batch_agree_with_the_per_record_look_up(
    cases: list[tuple[str, str, bool]],
) -> None:
    # typed-path phones are looked up once per batch after the statement, the others (and a
    # number that is not a phone number) per record inside it: the events and rejects must be
    # those of looking every phone up per record
    records: list[Any] = []
    for i, (phone, form, with_email) in enumerate(cases):
        ids: dict[str, str] = {"customer_id": f"C{i}"}
        if with_email:
            ids["email"] = "a@b.co" if i % 3 else "nope"
        if form != "none":
            ids["phone"] = phone
        records.append(
            event(
                i % 7,  # repeated event ids: duplicates inside the batch
                identifiers=ids
                if form != "list"
                else [{"type": t, "value": v} for t, v in ids.items()],
            )
        )
    events, rejected = _validated(Validator(), records)
    expected_events, expected_rejected = _validated(_PerRecordPhones(), records)
    assert events.equals(expected_events)
    assert rejected == expected_rejected


def test_a_batch_looks_up_typed_path_phones_and_rechecks_only_the_wrong_ones() -> None:
    records = [
        event(1, identifiers={"phone": "(415) 555-0100", "customer_id": "C1"}),
        event(2, identifiers={"phone": "12", "customer_id": "C2"}),
        event(3, identifiers={"phone": "+34606998996"}),
        event(4, identifiers={"phone": "(415) 555-0100", "email": "nope"}),
        event(5, identifiers={"phone": "415 555 0100"}),
    ]
    validator = Validator()
    table = pa.table({"record_no": np.arange(1, 6), "record": [json.dumps(r) for r in records]})
    validator.con.register("_cx_raw", table)
    now = dt.datetime.now(dt.UTC)
    statement = validator.con.execute(
        validator._sql(now, "r", "s", all_json=True, phones_after=True)
    ).to_arrow_table()
    validator.con.unregister("_cx_raw")
    # the statement leaves the compacted numbers of the typed path, as if each were valid
    assert statement["fast_phone"].to_pylist() == [
        "4155550100",
        "12",
        "+34606998996",
        None,  # an invalid email: the general path
        "4155550100",
    ]
    assert statement["identifiers"][0].as_py() == ["customer_id:C1", "phone:4155550100"]
    put, failed = validator._put_phones(statement)
    assert failed is not None and failed.to_pylist() == [2]
    assert put["identifiers"].to_pylist()[:1] + put["identifiers"].to_pylist()[2:] == [
        ["customer_id:C1", "phone:+14155550100"],
        ["phone:+34606998996"],
        statement["identifiers"][3].as_py(),
        ["phone:+14155550100"],
    ]
    out = validator.validate(RawBatch("s", table, []), "run")
    validator.close()
    assert out.events["event_id"].to_pylist() == ["e-1", "e-3", "e-5"]
    assert out.events["identifiers"].to_pylist() == [
        ["customer_id:C1", "phone:+14155550100"],
        ["phone:+34606998996"],
        ["phone:+14155550100"],
    ]
    assert out.rejected.select(["record_no", "field", "reason"]).to_pylist() == [
        {"record_no": 2, "field": "identifiers.phone", "reason": "phone 12 is not a phone number"},
        {
            "record_no": 4,
            "field": "identifiers.email",
            "reason": "email nope is not an email address",
        },
    ]


def test_merged_batches_store_what_storing_them_one_by_one_stores(tmp_path: Path) -> None:
    def annotated(ids: list[str], annotated_ids: list[str], file_index: int = 0) -> Any:
        notes = pa.table({"event_id": annotated_ids, "output": ["{}"] * len(annotated_ids)})
        write = batch(*ids)
        write = BatchWrite(
            run_id=write.run_id,
            events=write.events,
            rejected=write.rejected,
            annotations={("pii", "1"): notes},
            records_read=write.records_read,
        )
        return pipeline._Prepared(file_index, 0, write)

    first = annotated(["a", "b"], ["a"])
    later = annotated(["b", "c"], ["a", "b", "c"])  # "b" repeats; "a" was annotated before
    merged = pipeline._merged(first, later)
    assert merged.write.events["event_id"].to_pylist() == ["a", "b", "c"]
    assert merged.write.duplicates_in_run == 1
    assert merged.write.records_read == 4
    # "b" keeps the later batch's annotation, as the store's NOT EXISTS would have kept it
    assert merged.write.annotations[("pii", "1")]["event_id"].to_pylist() == ["a", "b", "c"]
    # batches of different files are never merged; each file's last batch is handed on, and
    # one of fewer than half the events asked for stays alone
    out = list(pipeline._coalesced([first, later, annotated(["d"], [], 1)], 4))
    assert [p.write.events.num_rows for p in out] == [3, 1]
    out = list(pipeline._coalesced([first, later], 6))
    assert [p.write.events.num_rows for p in out] == [2, 2]


def test_a_failure_before_storing_still_stores_what_was_merged_so_far() -> None:
    def failing() -> Iterator[Any]:
        yield pipeline._Prepared(0, 0, batch("a"))
        raise RuntimeError("read failed on purpose")

    stored: list[int] = []
    with pytest.raises(RuntimeError, match="on purpose"):
        for each in pipeline._coalesced(failing(), 2):
            stored.append(each.write.events.num_rows)
    assert stored == [1]


def _duckdb_hashes(ids: list[str]) -> np.ndarray:
    """Sorted DuckDB ``hash`` of the ids, as the DuckDB store computes them."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("_ids", pa.table({"event_id": pa.array(ids, pa.string())}))
        found = con.execute("SELECT hash(event_id) AS h FROM _ids").to_arrow_table()
    finally:
        con.close()
    return np.sort(found["h"].to_numpy())


def test_validation_hands_on_the_sorted_hashes_of_its_events_ids() -> None:
    # padded ids (hashed after the trim), a duplicate inside the batch (hashed once), a reject
    records: list[Any] = [
        event(1, event_id="  e-1 "),
        event(2),
        event(1),
        event(3, channel=7),
        "not json",
        event(4),
    ]
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    table = pa.table({"record_no": np.arange(1, len(lines) + 1), "record": lines})
    validator = Validator()
    try:
        out = validator.validate(RawBatch("s", table, []), "run")
    finally:
        validator.close()
    ids = out.events["event_id"].to_pylist()
    assert ids == ["e-1", "e-2", "e-4"]
    assert out.event_hashes is not None
    assert out.event_hashes.tolist() == _duckdb_hashes(ids).tolist()


def _hashed(ids: list[str], file_index: int = 0) -> pipeline._Prepared:
    write = batch(*ids)
    return pipeline._Prepared(
        file_index,
        0,
        BatchWrite(
            run_id=write.run_id,
            events=write.events,
            rejected=write.rejected,
            records_read=write.records_read,
            event_hashes=_duckdb_hashes(ids),
        ),
    )


@pytest.mark.parametrize(
    ("first", "later"),
    [(["a", "b"], ["c", "d"]), (["a", "b"], ["b", "c"]), (["a"], ["a"]), ([], ["a"]), (["a"], [])],
)
def test_merging_by_hashes_agrees_with_comparing_the_ids(
    first: list[str], later: list[str]
) -> None:
    exact = pipeline._merged(
        pipeline._Prepared(0, 0, batch(*first)), pipeline._Prepared(0, 0, batch(*later))
    )
    hashed = pipeline._merged(_hashed(first), _hashed(later))
    assert hashed.write.events["event_id"].to_pylist() == exact.write.events["event_id"].to_pylist()
    assert hashed.write.duplicates_in_run == exact.write.duplicates_in_run
    assert exact.write.event_hashes is None
    kept = hashed.write.events["event_id"].to_pylist()
    if set(first) & set(later):  # the ids were compared: the store hashes them itself
        assert hashed.write.event_hashes is None
    else:
        assert hashed.write.event_hashes is not None
        assert hashed.write.event_hashes.tolist() == _duckdb_hashes(kept).tolist()


def test_a_store_given_the_hashes_finds_a_later_duplicate_as_with_its_own(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "s.duckdb")) as store:
        store.start_run("r", [], "test")
        with store.batch_writes():
            assert store.write_batch(_hashed(["a", "b"]).write).accepted == 2
            out = store.write_batch(_hashed(["c", "b"]).write)
            assert (out.accepted, out.duplicates) == (1, 1)
            assert store._run_hashes is not None
            assert store._run_hashes.tolist() == _duckdb_hashes(["a", "b", "c", "b"]).tolist()
        ids = store.query("SELECT event_id FROM events ORDER BY event_id")["event_id"].to_pylist()
        assert ids == ["a", "b", "c"]


def test_arrow_pool_is_the_system_one_while_ingests_run_and_restored_after_the_last() -> None:
    before = pa.default_memory_pool().backend_name
    pool = pipeline._ArrowPool()
    first, second = pool.used(), pool.used()
    first.__enter__()
    assert pa.default_memory_pool().backend_name == "system"
    second.__enter__()  # a second ingest starts before the first ends
    first.__exit__(None, None, None)
    assert pa.default_memory_pool().backend_name == "system"  # still in use by the second
    second.__exit__(None, None, None)
    assert pa.default_memory_pool().backend_name == before


def test_an_ingest_leaves_the_process_arrow_pool_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps(
            {
                "event_id": "e1",
                "occurred_at": "2026-01-01T00:00:00Z",
                "channel": "web",
                "type": "page_view",
            }
        )
        + "\n"
    )
    before = pa.default_memory_pool().backend_name
    with open_store(":memory:") as store:
        assert ingest_paths([path], store).accepted == 1
    assert pa.default_memory_pool().backend_name == before
