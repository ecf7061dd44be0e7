"""The one place that opens connections: DuckDB (embedded default) and PostgreSQL.

``open_store(db)`` takes what users pass as ``--db`` (or ``CXLOOP_DB``): a file path for DuckDB
(the default, ``cxloop.duckdb``), ``:memory:``, or ``postgresql://…``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from cxloop.store.base import (
    BatchOutcome,
    BatchWrite,
    IngestRun,
    Store,
    StoreError,
    any_hash_shared,
)
from cxloop.store.tables import (
    ENRICHMENTS_SCHEMA,
    INGEST_RUNS_SCHEMA,
    RAW_KEEP_BYTES,
    REJECTED_SCHEMA,
    SCHEMA_VERSION,
    TABLES,
)

if TYPE_CHECKING:
    from cxloop.store.duckdb_store import DuckDBStore
    from cxloop.store.postgres_store import PostgresStore

DEFAULT_DB = "cxloop.duckdb"

__all__ = [
    "DEFAULT_DB",
    "ENRICHMENTS_SCHEMA",
    "INGEST_RUNS_SCHEMA",
    "RAW_KEEP_BYTES",
    "REJECTED_SCHEMA",
    "SCHEMA_VERSION",
    "TABLES",
    "BatchOutcome",
    "BatchWrite",
    "DuckDBStore",
    "IngestRun",
    "PostgresStore",
    "Store",
    "StoreError",
    "any_hash_shared",
    "open_store",
    "resolve_db",
]


def resolve_db(db: str | None) -> str:
    """The store location: ``db`` if given, else ``$CXLOOP_DB``, else ``cxloop.duckdb``."""
    return db or os.environ.get("CXLOOP_DB") or DEFAULT_DB


def is_postgres_url(db: str) -> bool:
    """Whether ``db`` names a PostgreSQL database."""
    return db.startswith(("postgresql://", "postgres://"))


def open_store(db: str | None = None, *, create: bool = True, read_only: bool = False) -> Store:
    """Open the store named by ``db`` (see :func:`resolve_db`) and create its tables."""
    location = resolve_db(db)
    store: Store
    if is_postgres_url(location):
        from cxloop.store.postgres_store import PostgresStore

        store = PostgresStore(location)
    else:
        from cxloop.store.duckdb_store import DuckDBStore

        store = DuckDBStore(location, read_only=read_only)
    if create and not read_only:
        store.create_tables()
    return store


def __getattr__(name: str) -> Any:
    if name == "DuckDBStore":
        from cxloop.store.duckdb_store import DuckDBStore

        return DuckDBStore
    if name == "PostgresStore":
        from cxloop.store.postgres_store import PostgresStore

        return PostgresStore
    raise AttributeError(name)
