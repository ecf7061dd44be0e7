"""Unified profiles and the event → profile mapping other stages (journeys) build on.

**One profile per event.** An event belongs to the profile of its strongest identifier: linked
identifiers before shared, blocked or detached ones, then by type priority (``customer_id``
first), then by text. So when a guardrail cut leaves an event's identifiers in two profiles (a
customer number and a household tablet, say), the event goes with the customer number.

**Traits** are resolved by rule: from customer records linked to the profile, the latest record
(the last in the file) with a value wins for name, tier, segment, country and consent; preferred
language is the records' value, or else the language most often detected in the profile's
events. Channel mix counts the profile's events per channel.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from cxloop.identity.components import Workspace
from cxloop.identity.graph import IDENTITY_MAP
from cxloop.schema.identifiers import (
    IDENTIFIER_TYPES,
    IdentifierError,
    is_identifier_type,
    normalize_identifier,
)
from cxloop.store import Store
from cxloop.store.tables import TableSpec

__all__ = ["PROFILES", "event_profiles", "find_identifier", "profile_of", "write_profiles"]

_TS = pa.timestamp("us", tz="UTC")

PROFILES = TableSpec(
    "profiles",
    pa.schema(
        [
            pa.field("profile_id", pa.string(), nullable=False),
            pa.field("identifiers", pa.list_(pa.string())),
            pa.field("identifier_count", pa.int64(), nullable=False),
            pa.field("traits", pa.string()),
            pa.field("channels", pa.string()),
            pa.field("events", pa.int64(), nullable=False),
            pa.field("first_seen", _TS),
            pa.field("last_seen", _TS),
            pa.field("updated_at", _TS, nullable=False),
        ]
    ),
    ("profile_id",),
)
"""One row per profile: its identifiers (sorted), traits and channel mix (JSON objects), event
count, first and last seen. ``profile_id`` is ``p_`` + a hash of the profile's strongest
identifier, so it stays the same while that identifier stays in the profile."""

TRAITS = ("name", "preferred_language", "tier", "segment", "country", "consent")


def event_profiles(store: Store) -> ir.Table:
    """Every event with at least one resolved identifier, and its one profile.

    Returns:
        An Ibis table ``event_id, profile_id`` on the store's backend (see the module docstring
        for the rule that picks one profile per event).
    """
    con = store.ibis()
    return _event_profiles(con.table("events"), con.table(IDENTITY_MAP.name))


def _event_profiles(events: ir.Table, identity_map: ir.Table) -> ir.Table:
    seen = events.select(events.event_id, identifier=events.identifiers.unnest())
    return _pick_profile(seen, identity_map)


def _pick_profile(seen: ir.Table, identity_map: ir.Table) -> ir.Table:
    """``event_id, identifier`` rows → ``event_id, profile_id``, one profile per event."""
    joined = seen.join(identity_map, seen.identifier == identity_map.identifier)
    order = [ibis.ifelse(joined.status == "linked", 0, 1), joined["rank"], joined.identifier]
    ranked = joined.select(
        joined.event_id,
        joined.profile_id,
        pick=ibis.row_number().over(group_by=joined.event_id, order_by=order),
    )
    return ranked.filter(ranked.pick == 0).select("event_id", "profile_id")


def write_profiles(store: Store, ws: Workspace, con: Any, affected: ir.Table) -> int:
    """Rebuild the ``profiles`` rows of the ``affected`` profile ids; return how many exist now."""
    ids = con.table(IDENTITY_MAP.name)
    members = ids.semi_join(affected, ids.profile_id == affected.profile_id)
    members = ws.materialize(members, "members")
    base = (
        members.group_by("profile_id")
        .agg(
            identifiers=members.identifier.collect(order_by=members.identifier),
            identifier_count=members.identifier.count(),
            first_seen=members.first_seen.min(),
            last_seen=members.last_seen.max(),
        )
        .to_pyarrow()
    )
    events = con.table("events")
    seen = events.select(events.event_id, identifier=events.identifiers.unnest())
    hit = seen.semi_join(members, seen.identifier == members.identifier).select("event_id")
    seen = seen.semi_join(hit.distinct(), "event_id")
    picked = _pick_profile(seen, ids)
    per_event = ws.materialize(
        picked.semi_join(affected, picked.profile_id == affected.profile_id), "profile_events"
    )
    with_channel = per_event.join(events, "event_id")
    channels = (
        with_channel.group_by(["profile_id", "channel"])
        .agg(n=with_channel.event_id.count())
        .to_pandas()
    )
    languages = _languages(con, per_event)
    traits = _record_traits(con, members)
    frame = base.to_pandas()
    frame["channels"] = _json_objects(frame["profile_id"], channels, "channel", "n")
    event_counts = channels.groupby("profile_id")["n"].sum()
    frame["events"] = frame["profile_id"].map(event_counts).fillna(0).astype("int64")
    frame["traits"] = _traits_json(frame["profile_id"], traits, languages)
    frame["updated_at"] = dt.datetime.now(dt.UTC)
    rows = pa.Table.from_pandas(
        frame[[f.name for f in PROFILES.schema]], schema=PROFILES.schema, preserve_index=False
    )
    affected_name = affected.get_name()
    store.replace_rows(
        PROFILES.name, rows, f"profile_id IN (SELECT profile_id FROM {affected_name})"
    )
    return int(rows.num_rows)


def _json_objects(keys: pd.Series, long: pd.DataFrame, name: str, value: str) -> list[str]:
    """One JSON object per key from a long table ``profile_id, name, value``."""
    if long.empty:
        return ["{}"] * len(keys)
    wide = long.pivot_table(index="profile_id", columns=name, values=value, aggfunc="sum")
    wide = wide.reindex(sorted(wide.columns), axis=1)
    lines = wide.to_json(orient="records", lines=True).splitlines()
    objects = pd.Series([_drop_nulls(line) for line in lines], index=wide.index)
    return list(keys.map(objects).fillna("{}"))


def _drop_nulls(line: str) -> str:
    return json.dumps({k: int(v) for k, v in json.loads(line).items() if v is not None})


def _languages(con: Any, per_event: ir.Table) -> pd.Series:
    """The language most often detected in each profile's events (enrichments)."""
    if "enrichments" not in con.list_tables():
        return pd.Series(dtype="string")
    enr = con.table("enrichments")
    enr = enr.filter(enr.enricher == "language")
    joined = per_event.join(enr, "event_id")
    found = joined.group_by(["profile_id", "output"]).agg(n=joined.event_id.count()).to_pandas()
    if found.empty:
        return pd.Series(dtype="string")
    found["language"] = [json.loads(o or "{}").get("language") for o in found["output"]]
    found = (
        found.dropna(subset=["language"])
        .groupby(["profile_id", "language"], as_index=False)["n"]
        .sum()
    )
    found = found.sort_values(["profile_id", "n", "language"], ascending=[True, False, True])
    return found.drop_duplicates("profile_id").set_index("profile_id")["language"]


def _record_traits(con: Any, members: ir.Table) -> pd.DataFrame:
    """Per profile, the latest non-empty value of each trait over its customer records."""
    if "identity_records" not in con.list_tables():
        return pd.DataFrame(columns=["profile_id", *TRAITS])
    records = con.table("identity_records")
    linked = records.join(members, records.representative == members.identifier)
    frame = linked.select("profile_id", "record_no", *TRAITS).to_pandas()
    if frame.empty:
        return pd.DataFrame(columns=["profile_id", *TRAITS])
    frame = frame.sort_values(["profile_id", "record_no"])
    latest = frame.replace("", None).groupby("profile_id")[list(TRAITS)].last()
    return latest.reset_index()


def _traits_json(keys: pd.Series, traits: pd.DataFrame, languages: pd.Series) -> list[str]:
    table = pd.DataFrame({"profile_id": keys})
    if not traits.empty:
        table = table.merge(traits, on="profile_id", how="left")
    for trait in TRAITS:
        if trait not in table:
            table[trait] = None
    detected = table["profile_id"].map(languages)
    table["preferred_language"] = table["preferred_language"].where(
        table["preferred_language"].notna(), detected
    )
    values = table[list(TRAITS)].astype(object).where(table[list(TRAITS)].notna(), None)
    return [
        json.dumps({k: v for k, v in zip(TRAITS, row, strict=True) if v is not None})
        for row in values.itertuples(index=False)
    ]


def find_identifier(store: Store, text: str) -> list[str]:
    """Stored identifiers matching what a user typed: ``type:value`` (normalized), or a bare
    value matched against every type (``ann@example.com``, ``+14155550123``)."""
    head, sep, value = text.strip().partition(":")
    candidates: list[str] = []
    if sep and is_identifier_type(head.lower()):
        try:
            candidates = [normalize_identifier(head, value)]
        except IdentifierError:
            candidates = [text.strip()]
    elif sep and head.lower() == "external":
        candidates = [text.strip()]
    else:
        for id_type in IDENTIFIER_TYPES:
            try:
                candidates.append(normalize_identifier(id_type, text))
            except IdentifierError:
                continue
    if not candidates:
        return []
    marks = ", ".join([store.param] * len(candidates))
    found = store.query(
        f"SELECT identifier FROM {IDENTITY_MAP.name} WHERE identifier IN "
        f"({marks}) ORDER BY identifier",
        tuple(candidates),
    )
    return [str(v) for v in found.column(0).to_pylist()]


def profile_of(store: Store, identifier: str) -> dict[str, Any] | None:
    """The profile holding ``identifier`` (exact stored form), as a dict, or None."""
    param = store.param
    found = store.query(
        f"SELECT p.* FROM profiles p JOIN {IDENTITY_MAP.name} m ON m.profile_id = p.profile_id "
        f"WHERE m.identifier = {param}",
        (identifier,),
    )
    if found.num_rows == 0:
        return None
    row: dict[str, Any] = found.to_pylist()[0]
    row["traits"] = json.loads(row["traits"] or "{}")
    row["channels"] = json.loads(row["channels"] or "{}")
    statuses = store.query(
        f"SELECT identifier, id_type, status, reason, first_seen, last_seen FROM "
        f"{IDENTITY_MAP.name} WHERE profile_id = {param} ORDER BY rank, identifier",
        (row["profile_id"],),
    )
    row["members"] = statuses.to_pylist()
    return row
