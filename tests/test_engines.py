"""The same Ibis analytics on DuckDB, PostgreSQL and Spark (local mode) give the same numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cxloop.ingest import ingest_paths
from cxloop.simulate import simulate_world
from cxloop.store import open_store
from cxloop.store.overview import events_overview, store_overview


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    simulate_world(customers=300, seed=11, out_dir=out)
    return out


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from cxloop.store.spark import spark_session

    session = spark_session()
    yield session
    session.stop()


def overview_numbers(overview: Any) -> dict[str, Any]:
    data = overview.as_dict()
    for key in ("db", "rejected", "runs"):
        data.pop(key)
    return data


def test_store_overview_is_the_same_on_duckdb_and_postgres(world: Path, store_url: str) -> None:
    with open_store(":memory:") as reference, open_store(store_url) as other:
        for store in (reference, other):
            ingest_paths([world / "events.jsonl"], store)
        expected = store_overview(reference)
        got = store_overview(other)
    assert expected.events > 1000
    assert overview_numbers(got) == overview_numbers(expected)


@pytest.mark.slow
@pytest.mark.spark
def test_event_analytics_are_the_same_on_duckdb_and_spark(
    world: Path, tmp_path: Path, spark: Any
) -> None:
    from cxloop.store.spark import export_events_parquet, spark_backend

    with open_store(":memory:") as store:
        ingest_paths([world / "events.jsonl"], store)
        expected = events_overview(store.ibis().table("events"))
        parquet = export_events_parquet(store, tmp_path / "events.parquet")
    backend = spark_backend(spark)
    got = events_overview(backend.read_parquet(str(parquet)))
    assert expected.events > 1000
    assert got.by_channel == expected.by_channel
    assert got.identifiers_by_type == expected.identifiers_by_type
    assert overview_numbers(got) == overview_numbers(expected)
