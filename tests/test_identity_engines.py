"""The identity graph's Ibis expressions give the same profiles on DuckDB and Spark (local)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import ibis
import pyarrow as pa
import pytest

from cxloop.identity.components import Workspace
from cxloop.identity.graph import EDGES, RULES, node_status
from cxloop.identity.guardrails import DEFAULT_GUARDRAILS
from cxloop.identity.resolve import profile_labels


def graph_tables() -> tuple[pa.Table, pa.Table, pa.Table]:
    rng = random.Random(5)
    pool = (
        [f"customer_id:C{i}" for i in range(30)]
        + [f"email:e{i}@x.com" for i in range(40)]
        + [f"cookie:k{i}" for i in range(80)]
        + ["device:tab", "email:test@test.com"]
    )
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    pairs = {tuple(sorted(rng.sample(pool, 2))) for _ in range(220)}
    edges = pa.table(
        {
            "identifier_a": [a for a, _ in pairs],
            "identifier_b": [b for _, b in pairs],
            "kind": ["event"] * len(pairs),
            "evidence": [1] * len(pairs),
            "first_seen": [start + dt.timedelta(days=rng.randint(0, 300)) for _ in pairs],
            "last_seen": [start + dt.timedelta(days=301)] * len(pairs),
            "example": ["evt"] * len(pairs),
            "weight": [None] * len(pairs),
        },
        schema=EDGES.schema,
    )
    nodes = pa.table(
        {"identifier": pool, "first_seen": [start] * len(pool)},
        schema=pa.schema(
            [("identifier", pa.string()), ("first_seen", pa.timestamp("us", tz="UTC"))]
        ),
    )
    rules = pa.table(
        {
            "rule_id": ["r1"],
            "kind": ["never_link"],
            "identifier": ["email:e1@x.com"],
            "other": ["email:e2@x.com"],
            "reason": [None],
            "created_at": [start],
        },
        schema=RULES.schema,
    )
    return nodes, edges, rules


def profiles_on(con: Any) -> dict[str, str]:
    nodes, edges, rules = graph_tables()
    with Workspace(con, "cx_test") as ws:
        n = ws.materialize(ibis.memtable(nodes), "nodes")
        e = ws.materialize(ibis.memtable(edges), "edges")
        r = ws.materialize(ibis.memtable(rules), "rules")
        status = ws.materialize(node_status(n, e, r, DEFAULT_GUARDRAILS), "status")
        labels, _ = profile_labels(ws, status, e, r, DEFAULT_GUARDRAILS)
        rows = labels.to_pyarrow().to_pylist()
    return {row["identifier"]: row["profile_id"] for row in rows}


@pytest.mark.slow
@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_profiles() -> None:
    from cxloop.store.spark import spark_backend, spark_session

    on_duckdb = profiles_on(ibis.duckdb.connect())
    session = spark_session()
    try:
        on_spark = profiles_on(spark_backend(session))
    finally:
        session.stop()
    assert on_spark == on_duckdb
    assert len(set(on_duckdb.values())) > 10  # a real graph, not one blob


def test_the_same_profiles_on_duckdb_twice() -> None:
    assert profiles_on(ibis.duckdb.connect()) == profiles_on(ibis.duckdb.connect())
