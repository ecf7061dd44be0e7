"""Customer records (a CRM export) in the identity graph.

Identifiers on one record (customer number, email, phone) are linked as ``record`` links.
Records are then matched with zero-config probabilistic record matching
(:func:`cxloop.identity.link_records`); each match above the threshold links the two records'
strongest identifiers as a ``probable`` link that keeps its match weight. Probable links are the
weakest of all: the guardrails cut them before any observed link.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from cxloop.identity.graph import EDGES, NODES
from cxloop.identity.guardrails import Guardrails
from cxloop.identity.record_linkage import (
    DEFAULT_THRESHOLD,
    RecordLinkError,
    link_records,
    read_person_records,
)
from cxloop.schema.identifiers import normalize_phones
from cxloop.store import Store
from cxloop.store.tables import TableSpec

__all__ = ["RECORDS", "load_records", "record_identifiers"]

RECORDS = TableSpec(
    "identity_records",
    pa.schema(
        [
            pa.field("record_id", pa.string(), nullable=False),
            pa.field("record_no", pa.int64(), nullable=False),
            pa.field("source", pa.string()),
            pa.field("identifiers", pa.list_(pa.string())),
            pa.field("representative", pa.string()),
            pa.field("name", pa.string()),
            pa.field("preferred_language", pa.string()),
            pa.field("tier", pa.string()),
            pa.field("segment", pa.string()),
            pa.field("country", pa.string()),
            pa.field("consent", pa.string()),
        ]
    ),
    ("record_id",),
)
"""Customer records as loaded: their identifiers, the strongest one (the record's place in the
graph) and the trait columns profiles read."""

_ID_COLUMNS = ("customer_id", "account", "email", "phone", "social")
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def record_identifiers(
    frame: pd.DataFrame, id_column: str, source: str
) -> tuple[pd.DataFrame, list[str]]:
    """Typed, normalized identifiers of each record: ``record_id, identifier`` rows.

    Phones are read in the record's ``country`` (when there is one); values that are not
    identifiers are skipped and reported (record id and column) in the returned problems.
    """
    problems: list[str] = []
    parts = []
    ids = frame[id_column].str.strip()
    for column in _ID_COLUMNS:
        if column not in frame:
            continue
        raw = frame[column].fillna("").str.strip()
        present = raw != ""
        if column == "email":
            value = raw.str.lower()
            ok = value.str.match(_EMAIL)
        elif column == "phone":
            region = (
                frame["country"].fillna("").str.strip().str.upper()
                if "country" in frame
                else pd.Series("US", index=frame.index)
            )
            region = region.where(region.str.len() == 2, "US")
            keys = raw + "\x1f" + region
            parsed: dict[str, str | None] = {}
            for reg in region[present].unique():
                values = raw[present & (region == reg)]
                for k, v in normalize_phones(values, reg).items():
                    parsed[k + "\x1f" + reg] = v
            value = keys.map(parsed)
            ok = value.notna()
        else:
            value, ok = raw, pd.Series(True, index=frame.index)
        bad = present & ~ok
        if bad.any():
            first = int(bad.to_numpy().nonzero()[0][0])
            problems.append(
                f"{source}: {int(bad.sum())} record(s) with an unusable {column}, "
                f"e.g. record {ids.iloc[first]!r}: {raw.iloc[first]!r}"
            )
        keep = present & ok
        parts.append(
            pd.DataFrame(
                {"record_id": ids[keep], "identifier": column + ":" + value[keep].astype(str)}
            )
        )
    if not parts:
        raise RecordLinkError(f"{source}: no identifier column ({', '.join(_ID_COLUMNS)})")
    return pd.concat(parts, ignore_index=True).drop_duplicates(), problems


def load_records(
    store: Store,
    path: Path,
    guardrails: Guardrails,
    *,
    id_column: str = "record_id",
    threshold: float | None = None,
) -> dict[str, Any]:
    """Load customer records into the graph: record links, probable links, ``identity_records``.

    Raises:
        RecordLinkError: the file is unreadable or lacks the id column or any identifier column.
    """
    frame = read_person_records(path)
    source = path.name
    if id_column not in frame:
        raise RecordLinkError(
            f"{source}: id column {id_column!r} not found; the columns are: "
            f"{', '.join(frame.columns)}"
        )
    frame = frame.reset_index(drop=True)
    pairs_of, problems = record_identifiers(frame, id_column, source)
    ranked = pairs_of.assign(
        rank=[guardrails.rank(i.split(":", 1)[0]) for i in pairs_of["identifier"]]
    )
    ranked = ranked.sort_values(["record_id", "rank", "identifier"])
    representative = ranked.drop_duplicates("record_id").set_index("record_id")["identifier"]

    # identifiers on one record are linked
    left = pairs_of.rename(columns={"identifier": "identifier_a"})
    right = pairs_of.rename(columns={"identifier": "identifier_b"})
    same = left.merge(right, on="record_id")
    same = same[same["identifier_a"] < same["identifier_b"]]
    record_links = same.groupby(["identifier_a", "identifier_b"], as_index=False).agg(
        evidence=("record_id", "size"), example=("record_id", "min")
    )
    record_links["kind"] = "record"
    record_links["weight"] = None

    # record matches above the threshold link the two records' strongest identifiers
    result = link_records(
        frame,
        id_column=id_column,
        sources=[path.stem],
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
    )
    matches = result.pairs.to_pandas()
    matches["a"] = matches["id_l"].map(representative)
    matches["b"] = matches["id_r"].map(representative)
    matches = matches.dropna(subset=["a", "b"])
    matches = matches[matches["a"] != matches["b"]]
    lo = matches[["a", "b"]].min(axis=1)
    hi = matches[["a", "b"]].max(axis=1)
    matches = matches.assign(
        identifier_a=lo, identifier_b=hi, example=matches["id_l"] + " ~ " + matches["id_r"]
    )
    matches = matches.sort_values("match_weight", ascending=False)
    probable = matches.groupby(["identifier_a", "identifier_b"], as_index=False).agg(
        evidence=("example", "size"), example=("example", "first"), weight=("match_weight", "first")
    )
    probable["kind"] = "probable"
    links = pd.concat([record_links, probable], ignore_index=True)
    links["first_seen"] = pd.NaT
    links["last_seen"] = pd.NaT
    table = pa.Table.from_pandas(
        links[[f.name for f in EDGES.schema]], schema=EDGES.schema, preserve_index=False
    )
    store.replace_rows(EDGES.name, table, "kind IN ('record', 'probable')")

    # record-only identifiers join the graph's nodes
    known = set(store.ibis().table(NODES.name).identifier.to_pyarrow().to_pylist())
    fresh = sorted(set(pairs_of["identifier"]) - known)
    store.append(
        NODES.name,
        pa.table(
            {
                "identifier": fresh,
                "id_type": [i.split(":", 1)[0] for i in fresh],
                "events": [0] * len(fresh),
                "first_seen": [None] * len(fresh),
                "last_seen": [None] * len(fresh),
            },
            schema=NODES.schema,
        ),
    )

    grouped = pairs_of.groupby("record_id")["identifier"].agg(sorted)
    ids = frame[id_column].str.strip()
    name = (
        frame.get("first_name", pd.Series("", index=frame.index)).fillna("")
        + " "
        + frame.get("last_name", pd.Series("", index=frame.index)).fillna("")
    ).str.strip()

    def column(col: str) -> pd.Series:
        values = frame[col] if col in frame else pd.Series(None, index=frame.index)
        return values.where(values.fillna("").str.strip() != "", None)

    rows = pd.DataFrame(
        {
            "record_id": ids,
            "record_no": frame.index.astype("int64") + 1,
            "source": column("source_system"),
            "identifiers": ids.map(grouped).apply(lambda v: v if isinstance(v, list) else []),
            "representative": ids.map(representative),
            "name": name.where(name != "", None),
            "preferred_language": column("preferred_language"),
            "tier": column("tier"),
            "segment": column("segment"),
            "country": column("country"),
            "consent": column("consent"),
        }
    )
    store.ensure_table(RECORDS)
    store.replace_rows(
        RECORDS.name, pa.Table.from_pandas(rows, schema=RECORDS.schema, preserve_index=False)
    )
    return {
        "file": str(path),
        "records": len(frame),
        "record_links": len(record_links),
        "probable_links": len(probable),
        "matched_pairs": int(result.pairs.num_rows),
        "threshold": result.threshold,
        "problems": problems,
    }
