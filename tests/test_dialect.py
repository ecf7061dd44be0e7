"""Engine fast paths (cxloop.store.dialect) mean exactly what the portable Ibis expressions
mean, and the journey build gives the same tables whichever path it takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from cxloop.journeys import build_journeys, profiles_from_identifiers, with_profiles
from cxloop.simulate import simulate_world
from cxloop.store import open_store
from cxloop.store.dialect import Dialect

UTC = dt.UTC


@pytest.fixture()
def con() -> Any:
    return ibis.duckdb.connect()


def test_dialect_of_names_the_engine_and_falls_back_to_portable(con: Any) -> None:
    t = con.create_table("t", pa.table({"x": [1]}))
    assert Dialect.of(t).duckdb
    assert Dialect.of(ibis.table({"x": "int64"}, name="unbound")) == Dialect()
    assert not Dialect().duckdb


def test_epoch_ms_fast_path_equals_the_portable_form(con: Any) -> None:
    stamps = [
        dt.datetime(2025, 1, 6, 9, 30, 1, 999_999, tzinfo=UTC),
        dt.datetime(2025, 7, 7, 23, 59, 59, 1_000, tzinfo=UTC),
        dt.datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
        dt.datetime(2000, 2, 29, 0, 0, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        None,
    ]
    t = con.create_table("ts", pa.table({"ts": pa.array(stamps, pa.timestamp("us", "UTC"))}))
    fast = Dialect("duckdb").epoch_ms(t.ts)
    portable = Dialect().epoch_ms(t.ts)
    assert "epoch_ms" in ibis.to_sql(t.select(m=fast)).lower()
    got = t.select(fast=fast, portable=portable).to_pyarrow().to_pylist()
    expected = [None if s is None else (int(s.timestamp() * 1_000_000) // 1000) for s in stamps]
    assert [r["fast"] for r in got] == expected
    assert [r["portable"] for r in got] == expected


def test_queries_run_together_give_what_each_gives_alone(con: Any) -> None:
    """``to_pyarrow_all`` (on DuckDB: compiled while the one before runs on a worker thread)
    returns each table's rows, typed and in order, as ``to_pyarrow`` does; a failing query
    raises its own error."""
    t = con.create_table(
        "q", pa.table({"k": ["a", "b", "a", None], "v": [1.5, None, 2.0, 4.0], "n": [1, 2, 3, 4]})
    )
    tables = [
        t.group_by("k").aggregate(s=t.v.sum(), c=t.count()).order_by("k"),
        t.filter(t.n > 1).select("n", w=t.v.fill_null(0.0)).order_by("n"),
        t.select(day=ibis.literal("2025-01-02").cast("date"), small=t.n.cast("int16")),
    ]
    alone = [x.to_pyarrow() for x in tables]
    for dialect in (Dialect("duckdb"), Dialect()):
        together = dialect.to_pyarrow_all(tables)
        assert [x.schema for x in together] == [x.schema for x in alone]
        assert [x.to_pylist() for x in together] == [x.to_pylist() for x in alone]
    bad = t.select(x=ibis.literal("x").cast("int64"))
    import duckdb

    with pytest.raises(duckdb.ConversionException):
        Dialect("duckdb").to_pyarrow_all([tables[0], bad, tables[1]])


def test_utc_day_and_week_are_utc_whatever_the_session_time_zone(con: Any) -> None:
    stamps = [
        dt.datetime(2025, 7, 1, 20, 0, 0, 123_456, tzinfo=UTC),  # 2 July in Tokyo
        dt.datetime(2025, 6, 29, 23, 59, 59, tzinfo=UTC),  # a Sunday: week of 23 June
        dt.datetime(2025, 6, 30, 0, 0, 0, tzinfo=UTC),  # a Monday: its own week
        None,
    ]
    t = con.create_table("days", pa.table({"ts": pa.array(stamps, pa.timestamp("us", "UTC"))}))

    def labels(dialect: Dialect) -> list[tuple[Any, Any]]:
        u = dialect.utc_timestamp(t.ts)
        e = t.select(d=u.date().cast("string"), w=u.truncate("W").date().cast("string"))
        return [(r["d"], r["w"]) for r in e.to_pyarrow().to_pylist()]

    expected = [
        ("2025-07-01", "2025-06-30"),
        ("2025-06-29", "2025-06-23"),
        ("2025-06-30", "2025-06-30"),
        (None, None),
    ]
    con.raw_sql("SET TimeZone = 'UTC'")
    assert labels(Dialect("duckdb")) == labels(Dialect()) == expected
    con.raw_sql("SET TimeZone = 'Asia/Tokyo'")
    assert labels(Dialect("duckdb")) == expected  # the portable form would say 2 July
    assert labels(Dialect())[0][0] == "2025-07-02"


def test_any_starts_with_fast_path_equals_the_portable_form(con: Any) -> None:
    lists = [
        None,
        [],
        ["customer_id:C1"],
        ["cookie:a", "account:x"],
        ["cookie:customer_id:1"],  # the prefix inside a value, not at its start
        ["customer_id"],
        [None, "account:"],
    ]
    t = con.create_table("ids", pa.table({"ids": pa.array(lists, pa.list_(pa.string()))}))
    prefixes = ("customer_id:", "account:")
    fast = Dialect("duckdb").any_starts_with(t.ids, prefixes)
    portable = Dialect().any_starts_with(t.ids, prefixes)
    assert "list_bool_or" in ibis.to_sql(t.select(s=fast)).lower()
    got = t.select(fast=fast, portable=portable).to_pyarrow().to_pylist()
    expected = [False, False, True, True, False, False, True]
    assert [r["fast"] for r in got] == expected
    assert [r["portable"] for r in got] == expected


def test_first_any_starts_with_fast_path_equals_the_portable_form(con: Any) -> None:
    """Per group, the list at the smallest key tested (DuckDB: once per group) equals the
    first of the per-row tests (a null or empty first list is false; later lists don't count)."""
    rows = [
        ("a", 3, ["customer_id:1"]),
        ("a", 1, ["cookie:x"]),  # a's first: not signed in
        ("b", 2, ["email:y", "customer_id:2"]),  # b's first: signed in
        ("b", 5, None),
        ("c", 7, None),  # c's only list is null
        ("d", 4, []),
        ("d", 9, ["customer_id:3"]),
        ("e", 6, ["account:z"]),
    ]
    t = con.create_table(
        "firsts",
        pa.table(
            {
                "g": [r[0] for r in rows],
                "k": [r[1] for r in rows],
                "ids": pa.array([r[2] for r in rows], pa.list_(pa.string())),
            }
        ),
    )
    prefixes = ("customer_id:", "account:")
    got = {}
    for name, dialect in (("fast", Dialect("duckdb")), ("portable", Dialect())):
        agg = t.group_by("g").aggregate(s=dialect.first_any_starts_with(t.ids, t.k, prefixes))
        got[name] = {r["g"]: r["s"] for r in agg.to_pyarrow().to_pylist()}
    assert (
        "arg_min_null"
        in ibis.to_sql(
            t.group_by("g").aggregate(
                s=Dialect("duckdb").first_any_starts_with(t.ids, t.k, prefixes)
            )
        ).lower()
    )
    expected = {"a": False, "b": True, "c": False, "d": False, "e": True}
    assert got["fast"] == expected
    assert got["portable"] == expected


def test_isin_fast_path_equals_the_portable_form(con: Any) -> None:
    t = con.create_table("kinds", pa.table({"k": ["call_start", "page_view", None, "auth", ""]}))
    for values in (("call_start", "auth", "message"), ("auth",), ()):
        fast = Dialect("duckdb").isin(t.k, values)
        portable = Dialect().isin(t.k, values)
        got = t.select(fast=fast, portable=portable).to_pyarrow().to_pylist()
        # null stays null (unknown), except against no values at all: never in an empty list
        expected = [
            None if k is None and values else k in values for k in t.k.to_pyarrow().to_pylist()
        ]
        assert [r["fast"] for r in got] == expected, values
        assert [r["portable"] for r in got] == expected, values
    sql = ibis.to_sql(t.select(m=Dialect("duckdb").isin(t.k, ("a", "b")))).lower()
    assert "array_contains" in sql or "list_contains" in sql


def test_first_and_last_fast_paths_equal_argmin_argmax(con: Any) -> None:
    # group a: the first row's value is null (kept, like FIRST); group b: a filter; group c:
    # every value null
    t = con.create_table(
        "g",
        pa.table(
            {
                "g": ["a", "a", "a", "b", "b", "b", "c", "c"],
                "k": [3, 1, 2, 5, 4, 6, 1, 2],
                "v": ["late", None, "mid", "x", "y", None, None, None],
                "f": [1.5, 2.5, None, 4.0, 3.0, 7.0, None, None],
            }
        ),
    )
    out = {}
    for name, d in (("fast", Dialect("duckdb")), ("portable", Dialect())):
        agg = (
            t.group_by("g")
            .aggregate(
                first=d.first(t.v, t.k),
                last=d.last(t.v, t.k),
                first_set=d.first(t.v, t.k, where=t.v.notnull()),
                last_set=d.last(t.v, t.k, where=t.v.notnull()),
                last_f=d.last(t.f, t.k, where=t.f.notnull()),
            )
            .order_by("g")
        )
        out[name] = agg.to_pyarrow().to_pylist()
    assert out["fast"] == out["portable"]
    assert out["fast"] == [
        {
            "g": "a",
            "first": None,
            "last": "late",
            "first_set": "mid",
            "last_set": "late",
            "last_f": 1.5,
        },
        {"g": "b", "first": "y", "last": None, "first_set": "y", "last_set": "x", "last_f": 7.0},
        {
            "g": "c",
            "first": None,
            "last": None,
            "first_set": None,
            "last_set": None,
            "last_f": None,
        },
    ]


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    def norm(v: Any) -> Any:
        return round(v, 6) if isinstance(v, float) else v

    return sorted((tuple(norm(v) for v in r.values()) for r in table.to_pylist()), key=repr)


@pytest.fixture(scope="module")
def world_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    """A small simulated world ingested into a DuckDB file."""
    from cxloop.ingest import ingest_paths

    root = tmp_path_factory.mktemp("dialect")
    world = root / "w"
    simulate_world(customers=120, seed=11, out_dir=world)
    with open_store(str(root / "s.duckdb")) as store:
        ingest_paths([world / "events.jsonl"], store)
        yield world, store


def test_build_from_a_stored_table_equals_the_build_from_a_view(
    world_store: tuple[Path, Any],
) -> None:
    """On DuckDB a stored input is rescanned instead of copied (build._cheap_to_rescan); the
    tables must not depend on which path ran."""
    world, store = world_store
    con = store.ibis()
    events = con.table("events")
    ids = con.read_csv(str(world / "truth" / "identities.csv"))
    mapping = ids.select(identifier=ids.identifier, profile_id=ids.person_id)
    view = with_profiles(events, profiles_from_identifiers(events, mapping))
    con.create_table("ewp", view)
    stored = con.table("ewp")
    from cxloop.journeys.build import _cheap_to_rescan

    assert _cheap_to_rescan(stored) and not _cheap_to_rescan(view)
    results = []
    for source in (view, stored):
        b = build_journeys(source)
        try:
            results.append({n: _rows(t.to_pyarrow()) for n, t in b.tables().items()})
        finally:
            b.release()
    assert results[0]["journeys"], "the world has journeys"
    assert results[0] == results[1]


def test_staged_build_saves_the_same_tables_and_cleans_up_on_failure(
    world_store: tuple[Path, Any],
) -> None:
    """``stage_into`` writes the event map during the build (no cached copy): the saved tables
    equal a build without it, and a failed save leaves no ``__next`` table behind."""
    from cxloop.journeys import save_build, stage_into, truth_profiles
    from cxloop.journeys.store_io import JOURNEY_TABLES, STAGING_SUFFIX

    world, store = world_store
    con = store.ibis()
    events = con.table("events")
    ewp = with_profiles(events, truth_profiles(events, world / "truth"))
    saved = []
    for stage in (None, stage_into(store)):
        b = build_journeys(ewp, stage=stage)
        assert b.staged == (() if stage is None else ("journey_events",))
        counts = save_build(store, b)
        assert counts["journey_events"] > 0
        saved.append({n: _rows(con.table(n).to_pyarrow()) for n in JOURNEY_TABLES})
    assert saved[0] == saved[1]

    # on DuckDB the staging area writes on its own thread: the intermediate steps went to
    # temporary tables, all dropped once the build was saved
    temps = store.query("SELECT table_name FROM duckdb_tables() WHERE temporary").to_pydict()
    assert not [n for n in temps["table_name"] if n.startswith("cxloop_step_")]

    broken = build_journeys(ewp, stage=stage_into(store))
    assert broken.staging is not None and broken.staging.background
    assert broken.staging.rows("journey_events") == counts["journey_events"]
    assert store.has_table("journey_events" + STAGING_SUFFIX)
    broken.surveys = broken.surveys.mutate(bad=ibis.literal("x").cast("int64"))
    import duckdb

    with pytest.raises(duckdb.ConversionException):
        save_build(store, broken)
    assert not any(store.has_table(n + STAGING_SUFFIX) for n in JOURNEY_TABLES)
    assert _rows(con.table("journeys").to_pyarrow()) == saved[0]["journeys"]


def test_staged_parts_are_written_one_after_the_other(tmp_path: Path) -> None:
    """An output staged in parts (the event map: the contacts' events, then the follow-on
    events) is the union of the parts, in order, on the worker thread and without it."""
    from cxloop.journeys.store_io import STAGING_SUFFIX, StagingArea

    with open_store(str(tmp_path / "parts.duckdb")) as store:
        backend = store.ibis()
        first = backend.create_table("first", pa.table({"k": ["a", "b", "c"], "n": [1, 2, 3]}))
        second = backend.create_table("second", pa.table({"k": ["d"], "n": [4]}))
        written = []
        for background in (True, False):
            staging = StagingArea(store)
            staging.background = background
            staging("out", first, second)
            assert staging.rows("out") == 4
            staging.close()
            written.append(backend.table("out" + STAGING_SUFFIX).to_pyarrow().to_pylist())
    expected = [{"k": k, "n": n} for k, n in (("a", 1), ("b", 2), ("c", 3), ("d", 4))]
    assert written[0] == expected
    assert written[1] == expected


def test_pinned_compression_is_what_duckdb_writes(tmp_path: Path) -> None:
    """A staged table's pinned columns are written with that method even where DuckDB would
    choose another (repeated values: a dictionary), the others as DuckDB chooses."""
    from cxloop.journeys.store_io import _create_pinned

    with open_store(str(tmp_path / "p.duckdb")) as store:
        backend = store.ibis()
        rows = pa.table({"x": ["same value"] * 5000, "y": ["same value"] * 5000})
        src = backend.create_table("src", rows)
        table = _create_pinned(backend, "pinned", src, {"x": "fsst"})
        assert table.count().execute() == 5000
        store.query("CHECKPOINT")
        found = store.query(
            "SELECT column_name AS c, min(compression) AS m FROM pragma_storage_info('pinned') "
            "WHERE segment_type = 'VARCHAR' GROUP BY ALL"
        ).to_pydict()
    methods = dict(zip(found["c"], found["m"], strict=True))
    assert methods["x"] == "FSST"
    assert methods["y"] != "FSST"  # what DuckDB picks for one repeated value
