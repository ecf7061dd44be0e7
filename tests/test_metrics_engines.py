"""Every metric at every grain is the same on PostgreSQL as on DuckDB, through the whole
pipeline (ingest → identity → journeys → metrics)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cxloop.identity import resolve_identities
from cxloop.ingest import ingest_paths
from cxloop.journeys import demo_step as build_journeys
from cxloop.metrics.compute import DIMENSIONS, FactTables, compute_metrics
from cxloop.simulate import simulate_world
from cxloop.store import open_store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("metrics_world")
    simulate_world(customers=250, seed=9, out_dir=out)
    return out


def all_metrics(url: str, world: Path) -> dict[tuple[str, str, str], Any]:
    with open_store(url) as store:
        ingest_paths([world / "events.jsonl"], store)
        resolve_identities(store)
        build_journeys(store, world, Console(file=io.StringIO()))
        facts = FactTables.from_backend(store.ibis())
        out = {}
        for by in DIMENSIONS:
            if by == "segment":
                continue
            for row in compute_metrics(facts, by):
                out[(by, row["metric"], str(row["group"]))] = (row["value"], row["denominator"])
        return out


@pytest.mark.postgres
def test_metrics_are_the_same_on_postgres_and_duckdb(
    world: Path, store_url: str, tmp_path: Path
) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("the DuckDB side is the reference")
    reference = all_metrics(str(tmp_path / "ref.duckdb"), world)
    other = all_metrics(store_url, world)
    assert len(reference) > 100
    assert other.keys() == reference.keys()
    for key, (value, denominator) in reference.items():
        got_value, got_denominator = other[key]
        assert got_denominator == denominator, key
        if value is None:
            assert got_value is None, key
        else:
            assert got_value == pytest.approx(value, rel=1e-6, abs=1e-6), key
