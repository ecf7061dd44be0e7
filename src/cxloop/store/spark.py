"""Spark for analytics at scale: an Ibis backend on a local or cluster Spark session.

The same Ibis expressions that run on the DuckDB file and on PostgreSQL run here; data reaches
Spark as Parquet (exported from any store, or written by an upstream job).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

try:
    from pyspark.sql import SparkSession
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("Spark support needs the spark extra: pip install 'cxloop[spark]'") from exc


def spark_session(
    master: str = "local[2]", app_name: str = "cxloop", warehouse: str | None = None
) -> Any:
    """A Spark session in UTC (timestamps compare equal across engines), quiet and small.

    Managed tables go to ``warehouse`` — by default a fresh temporary folder, so tables of one
    run never collide with leftovers of another (Spark refuses to reuse a table location).
    """
    os.environ.setdefault("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", "python3"))
    warehouse = warehouse or tempfile.mkdtemp(prefix="cxloop-spark-warehouse-")
    session = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_backend(session: Any | None = None) -> Any:
    """An Ibis backend on ``session`` (a new local session by default)."""
    import ibis

    return ibis.pyspark.connect(session or spark_session())


def export_events_parquet(store: Any, path: Path) -> Path:
    """Write a store's events table to Parquet, for Spark (or any engine) to read."""
    import pyarrow.parquet as pq

    table = store.ibis().table("events").to_pyarrow()
    pq.write_table(table, path)
    return path
