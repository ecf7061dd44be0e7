"""Shared fixtures: every store test runs on DuckDB and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxloop.store import Store, open_store

PG_URL = os.environ.get("CXLOOP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SHARED_DATA = Path(
    os.environ.get("CXLOOP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
"""The public evaluation data sets: ../shared/data beside the repository (CXLOOP_SHARED_DATA
overrides); tests that need them skip with a message where they are absent."""


def pg_schema_url() -> tuple[str, str]:
    """A fresh PostgreSQL schema for one test, and a URL whose search_path points at it."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store location on each engine: a DuckDB file, or a fresh PostgreSQL schema."""
    if request.param == "duckdb":
        yield str(tmp_path / "store.duckdb")
        return
    schema, url = pg_schema_url()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()
