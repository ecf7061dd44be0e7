"""The audit log of merges and splits: old profiles against new ones, set-at-a-time."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cxloop.identity.components import Workspace
from cxloop.identity.graph import AUDIT, IDENTITY_MAP
from cxloop.store import Store

__all__ = ["audit_log", "record_changes", "record_rule"]


def record_changes(
    store: Store, ws: Workspace, con: Any, region: ir.Table, new_map: ir.Table, run_id: str
) -> tuple[int, int]:
    """Append a ``merge`` row for every new profile made of several old ones and a ``split``
    row for every old profile now spread over several; return (merges, splits)."""
    old = con.table(IDENTITY_MAP.name)
    old = old.semi_join(region, old.identifier == region.identifier).select(
        identifier=old.identifier, old_profile=old.profile_id
    )
    both = ws.materialize(
        old.join(new_map.select("identifier", new_profile=new_map.profile_id), "identifier"),
        "changes",
    )
    merged = both.group_by(profile_id=both.new_profile).agg(
        n=both.old_profile.nunique(),
        profiles=both.old_profile.collect(distinct=True),
        identifiers=both.identifier.count(),
    )
    merged = merged.filter(merged.n > 1).mutate(action=ibis.literal("merge"))
    split = both.group_by(profile_id=both.old_profile).agg(
        n=both.new_profile.nunique(),
        profiles=both.new_profile.collect(distinct=True),
        identifiers=both.identifier.count(),
    )
    split = split.filter(split.n > 1).mutate(action=ibis.literal("split"))
    rows = merged.union(split, distinct=False).to_pyarrow()
    if rows.num_rows == 0:
        return 0, 0
    now = dt.datetime.now(dt.UTC)
    profiles = pa.array([sorted(p) for p in rows["profiles"].to_pylist()], pa.list_(pa.string()))
    detail = [
        json.dumps({"from" if a == "merge" else "into": p})
        for a, p in zip(rows["action"].to_pylist(), profiles.to_pylist(), strict=True)
    ]
    store.append(
        AUDIT.name,
        pa.table(
            {
                "at": pa.repeat(pa.scalar(now, pa.timestamp("us", tz="UTC")), rows.num_rows),
                "run_id": pa.repeat(run_id, rows.num_rows),
                "action": rows["action"],
                "profile_id": rows["profile_id"],
                "profiles": profiles,
                "identifiers": rows["identifiers"].cast(pa.int64()),
                "detail": detail,
            },
            schema=AUDIT.schema,
        ),
    )
    actions = rows["action"].to_pylist()
    return actions.count("merge"), actions.count("split")


def record_rule(
    store: Store,
    action: str,
    profile_id: str | None,
    detail: dict[str, Any],
    run_id: str = "manual",
) -> None:
    """Append a manual action (a split or never-link rule) to the audit log."""
    store.append(
        AUDIT.name,
        pa.table(
            {
                "at": [dt.datetime.now(dt.UTC)],
                "run_id": [run_id],
                "action": [action],
                "profile_id": [profile_id],
                "profiles": [None],
                "identifiers": [None],
                "detail": [json.dumps(detail)],
            },
            schema=AUDIT.schema,
        ),
    )


def audit_log(store: Store, profile_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest audit rows (of one profile, when given)."""
    param = store.param
    where, params = "", ()  # type: tuple[str, tuple[Any, ...]]
    if profile_id:
        where = f"WHERE profile_id = {param}"
        params = (profile_id,)
    result = store.query(
        f"SELECT * FROM {AUDIT.name} {where} ORDER BY at DESC LIMIT {int(limit)}", params
    )
    return list(result.to_pylist())
