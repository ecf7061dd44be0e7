"""``resolve_identities``: events (and customer records) → identity graph → profiles.

A run folds the events of new ingest runs into the stored links, then recomputes only the
*region* those links touch: every identifier in a group (component) that a new link reaches, plus
the new identifiers. Guardrail decisions are local to an identifier's own links and limits are
local to a component, and links only ever accumulate, so recomputing the region gives exactly
what a full recompute would (``tests/test_identity_incremental.py`` checks this with hypothesis).
A run is full the first time, with ``full=True``, when customer records are (re)loaded, or when
the guardrails changed since the last run.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cxloop.identity.components import Workspace, connected_components, enforce_limits
from cxloop.identity.graph import (
    AUDIT,
    EDGES,
    IDENTITY_MAP,
    IDENTITY_TABLES,
    LINKS,
    NODES,
    PROCESSED,
    RULES,
    RUNS,
    event_links,
    guarded_edges,
    new_events,
    node_status,
)
from cxloop.identity.guardrails import DEFAULT_GUARDRAILS, Guardrails
from cxloop.store import Store

__all__ = ["ResolveSummary", "ensure_identity_tables", "profile_labels", "resolve_identities"]


@dataclass(frozen=True)
class ResolveSummary:
    """What one resolve did."""

    run_id: str
    mode: str
    events: int
    identifiers: int
    profiles_written: int
    profiles_total: int
    merges: int
    splits: int
    status_counts: dict[str, int]
    records: dict[str, Any] | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "mode": self.mode,
            "events": self.events,
            "identifiers_recomputed": self.identifiers,
            "profiles_written": self.profiles_written,
            "profiles": self.profiles_total,
            "merges": self.merges,
            "splits": self.splits,
            "identifier_status": self.status_counts,
            "records": self.records,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def ensure_identity_tables(store: Store) -> None:
    """Create the identity tables (and ``profiles``) if the store lacks them."""
    from cxloop.identity.profiles import PROFILES

    for spec in (*IDENTITY_TABLES, PROFILES):
        store.ensure_table(spec)


def _scalar(expr: ir.Scalar) -> Any:
    return expr.to_pyarrow().as_py()


def profile_labels(
    ws: Workspace, status: ir.Table, edges: ir.Table, rules: ir.Table, guardrails: Guardrails
) -> tuple[ir.Table, ir.Table]:
    """Profiles of the identifiers in ``status`` (the output of :func:`node_status`).

    Returns:
        ``(labels, links)``: labels ``identifier, component_id, profile_id``; links ``a, b,
        kind`` that formed the profiles.
    """
    guarded = ws.materialize(guarded_edges(edges, status), "guarded")
    nodes = status.select(node=status.identifier)
    components = connected_components(ws, nodes, guarded)
    tags = _tags(status, rules, guardrails)
    tagged = tags.join(components, tags.node == components.node)
    counts = tagged.group_by(["label", "tag"]).agg(n=tagged.node.nunique(), lim=tagged.lim.max())
    invalid = ws.materialize(
        counts.filter(counts.n > counts.lim).select("label").distinct(), "invalid"
    )
    final = components.select(
        node=components.node, component=components.label, label=components.label
    )
    links = guarded.select("a", "b", "kind")
    if _scalar(invalid.count()) > 0:
        bad_nodes = components.filter(components.label.isin(invalid.label))
        bad_nodes = ws.materialize(bad_nodes.select("node"), "bad_nodes")
        bad_edges = guarded.filter(guarded.a.isin(bad_nodes.node))
        levels = sorted(int(v) for v in bad_edges.level.to_pyarrow().unique().to_pylist())
        accepted = enforce_limits(ws, bad_nodes, bad_edges, tags, levels)
        relabel = connected_components(ws, bad_nodes, accepted)
        final = final.left_join(relabel, final.node == relabel.node).select(
            node=final.node,
            component=final.component,
            label=ibis.coalesce(relabel.label, final.label),
        )
        good_links = guarded.filter(~guarded.a.isin(bad_nodes.node))
        pairs = accepted.select(pa_=accepted.a, pb_=accepted.b).distinct()
        kept = bad_edges.join(pairs, [bad_edges.a == pairs.pa_, bad_edges.b == pairs.pb_])
        links = good_links.select("a", "b", "kind").union(kept.select("a", "b", "kind"))
    final = ws.materialize(final, "final")
    # a profile is named after its strongest identifier (priority rank, then text): adding
    # weaker identifiers (a new cookie) never renames it
    ranked = final.join(status, final.node == status.identifier)
    key = ranked.rank.cast("string").lpad(3, "0") + ranked.node
    anchors = ranked.group_by("label").agg(anchor=key.min())
    anchors = anchors.select(
        "label", profile_id=ibis.literal("p_") + _md5(anchors.anchor.substr(3)).substr(0, 20)
    )
    labels = final.join(anchors, "label").select(
        identifier=final.node, component_id=final.component, profile_id=anchors.profile_id
    )
    labels = ws.materialize(labels, "profile_labels")
    return labels, ws.materialize(links, "links")


@ibis.udf.scalar.builtin(name="md5")  # type: ignore[untyped-decorator]
def _md5(value: str) -> str:  # type: ignore[empty-body]
    """The engine's own MD5 (DuckDB, PostgreSQL and Spark all have ``md5``)."""


def _tags(status: ir.Table, rules: ir.Table, guardrails: Guardrails) -> ir.Table:
    limits = ibis.memtable(
        {"ltype": list(guardrails.limits), "lim": list(guardrails.limits.values())},
        schema={"ltype": "string", "lim": "int64"},
    )
    by_type = status.join(limits, status.id_type == limits.ltype).select(
        node=status.identifier.cast("string"),
        tag=limits.ltype.cast("string"),
        lim=limits.lim.cast("int64"),
    )
    never = rules.filter(rules.kind == "never_link")
    ends = never.select(
        node=never.identifier.cast("string"), tag=("rule:" + never.rule_id).cast("string")
    ).union(
        never.select(node=never.other.cast("string"), tag=("rule:" + never.rule_id).cast("string")),
        distinct=False,
    )
    ends = ends.semi_join(status, ends.node == status.identifier)
    return by_type.union(ends.mutate(lim=ibis.literal(1, "int64")), distinct=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _last_fingerprint(store: Store) -> str | None:
    found = store.query(f"SELECT guardrails FROM {RUNS.name} ORDER BY started_at DESC LIMIT 1")
    return str(found.column(0)[0].as_py()) if found.num_rows else None


def _fold_events(
    store: Store, ws: Workspace, con: Any, full: bool
) -> tuple[int, ir.Table, list[str]]:
    """Fold new events into the stored links and nodes; return (events, touched, ingest runs)."""
    if full:
        store.replace_rows(EDGES.name, EDGES.schema.empty_table(), "kind = 'event'")
        store.replace_rows(NODES.name, NODES.schema.empty_table(), "events > 0")
        store.replace_rows(PROCESSED.name, PROCESSED.schema.empty_table())
    fresh = ws.materialize(
        new_events(store, con).select("event_id", "occurred_at", "identifiers", "ingest_run_id"),
        "fresh",
    )
    n_events = int(_scalar(fresh.count()))
    run_ids = sorted(
        {
            r or ""
            for r in fresh.select("ingest_run_id").distinct().to_pyarrow().column(0).to_pylist()
        }
    )
    links, nodes = event_links(fresh)
    links = ws.materialize(links, "new_links")
    nodes = ws.materialize(nodes, "new_nodes")
    stored = con.table(EDGES.name)
    old = stored.select(
        oa=stored.identifier_a,
        ob=stored.identifier_b,
        ok=stored.kind,
        oe=stored.evidence,
        of=stored.first_seen,
        ol=stored.last_seen,
        ox=stored.example,
    )
    merged = links.left_join(
        old, [links.identifier_a == old.oa, links.identifier_b == old.ob, links.kind == old.ok]
    )
    merged = merged.select(
        "identifier_a",
        "identifier_b",
        "kind",
        evidence=merged.evidence + ibis.coalesce(merged.oe, 0),
        first_seen=ibis.least(merged.first_seen, ibis.coalesce(merged.of, merged.first_seen)),
        last_seen=ibis.greatest(merged.last_seen, ibis.coalesce(merged.ol, merged.last_seen)),
        example=ibis.least(merged.example, ibis.coalesce(merged.ox, merged.example)),
        weight=ibis.null("float64"),
    )
    work = links.get_name()
    store.replace_rows(
        EDGES.name,
        merged.to_pyarrow().cast(EDGES.schema),
        f"EXISTS (SELECT 1 FROM {work} w WHERE w.identifier_a = {EDGES.name}.identifier_a "
        f"AND w.identifier_b = {EDGES.name}.identifier_b AND w.kind = {EDGES.name}.kind)",
    )
    stored_nodes = con.table(NODES.name)
    old_nodes = stored_nodes.select(
        oi=stored_nodes.identifier,
        oe=stored_nodes.events,
        of=stored_nodes.first_seen,
        ol=stored_nodes.last_seen,
    )
    merged_nodes = nodes.left_join(old_nodes, nodes.identifier == old_nodes.oi).select(
        identifier=nodes.identifier,
        id_type=DEFAULT_GUARDRAILS.type_of(nodes.identifier),
        events=nodes.events + ibis.coalesce(old_nodes.oe, 0),
        first_seen=ibis.least(nodes.first_seen, ibis.coalesce(old_nodes.of, nodes.first_seen)),
        last_seen=ibis.greatest(nodes.last_seen, ibis.coalesce(old_nodes.ol, nodes.last_seen)),
    )
    node_work = nodes.get_name()
    store.replace_rows(
        NODES.name,
        merged_nodes.to_pyarrow().cast(NODES.schema),
        f"identifier IN (SELECT identifier FROM {node_work})",
    )
    touched = nodes.select("identifier")
    return n_events, touched, run_ids


def resolve_identities(
    store: Store,
    *,
    guardrails: Guardrails = DEFAULT_GUARDRAILS,
    records: Path | None = None,
    full: bool = False,
    touched: list[str] | None = None,
    threshold: float | None = None,
) -> ResolveSummary:
    """Bring the identity graph and profiles up to date with the store's events.

    Args:
        store: the store (events in, identity tables and ``profiles`` out).
        guardrails: limits, priorities, blocked values, shared detection, windows.
        records: a customer-record CSV (``crm.csv``): identifiers on one record are linked, and
            record matches above the threshold become probable links with their match weight.
        full: recompute every profile instead of only those new events touch.
        touched: identifiers to recompute as well (their rules changed).
        threshold: match probability for record matches (default: record matching's own).

    Returns:
        A :class:`ResolveSummary`.
    """
    from cxloop.identity.audit import record_changes
    from cxloop.identity.profiles import write_profiles

    ensure_identity_tables(store)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    run_id = f"idr-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    started = _now()
    fingerprint = guardrails.fingerprint()
    con = store.ibis()
    mapped = int(_scalar(con.table(IDENTITY_MAP.name).count()))
    mode = (
        "full"
        if (full or records is not None or mapped == 0 or _last_fingerprint(store) != fingerprint)
        else "incremental"
    )
    record_summary: dict[str, Any] | None = None
    with Workspace(con) as ws:
        n_events, touched_new, run_ids = _fold_events(store, ws, con, full=mode == "full")
        timings["links"] = time.perf_counter() - clock
        if records is not None:
            from cxloop.identity.records import load_records

            record_summary = load_records(store, records, guardrails, threshold=threshold)
            timings["records"] = time.perf_counter() - clock - sum(timings.values())
        edges = con.table(EDGES.name)
        all_nodes = con.table(NODES.name)
        rules = con.table(RULES.name)
        if mode == "full":
            region = ws.materialize(all_nodes.select("identifier"), "region")
        else:
            extra = ibis.memtable({"identifier": touched or []}, schema={"identifier": "string"})
            seeds = touched_new.union(extra)
            old_map = con.table(IDENTITY_MAP.name)
            hit = old_map.semi_join(seeds, old_map.identifier == seeds.identifier)
            members = old_map.semi_join(hit, old_map.component_id == hit.component_id)
            region = seeds.union(members.select("identifier"))
            region = ws.materialize(
                region.semi_join(all_nodes, region.identifier == all_nodes.identifier), "region"
            )
        region_nodes = all_nodes.semi_join(region, all_nodes.identifier == region.identifier)
        region_edges = edges.filter(
            edges.identifier_a.isin(region.identifier) | edges.identifier_b.isin(region.identifier)
        )
        region_edges = ws.materialize(region_edges, "region_edges")
        status = ws.materialize(
            node_status(region_nodes, region_edges, rules, guardrails), "status"
        )
        inner = region_edges.filter(
            region_edges.identifier_a.isin(region.identifier)
            & region_edges.identifier_b.isin(region.identifier)
        )
        labels, links = profile_labels(ws, status, inner, rules, guardrails)
        timings["profiles"] = time.perf_counter() - clock - sum(timings.values())
        new_map = labels.join(status, labels.identifier == status.identifier).join(
            region_nodes, labels.identifier == region_nodes.identifier
        )
        new_map = new_map.select(
            identifier=labels.identifier,
            profile_id=labels.profile_id,
            component_id=labels.component_id,
            id_type=status.id_type,
            rank=status.rank,
            status=status.status,
            reason=status.reason,
            first_seen=region_nodes.first_seen,
            last_seen=region_nodes.last_seen,
        )
        new_map = ws.materialize(new_map, "new_map")
        merges, splits = record_changes(store, ws, con, region, new_map, run_id)
        region_name = region.get_name()
        old_profiles = (
            con.table(IDENTITY_MAP.name)
            .semi_join(region, con.table(IDENTITY_MAP.name).identifier == region.identifier)
            .select("profile_id")
        )
        affected = ws.materialize(old_profiles.union(new_map.select("profile_id")), "affected")
        store.replace_rows(
            IDENTITY_MAP.name,
            new_map.to_pyarrow().cast(IDENTITY_MAP.schema),
            f"identifier IN (SELECT identifier FROM {region_name})",
        )
        link_rows = links.join(new_map, links.a == new_map.identifier).select(
            identifier_a=links.a,
            identifier_b=links.b,
            kind=links.kind,
            profile_id=new_map.profile_id,
        )
        store.replace_rows(
            LINKS.name,
            link_rows.to_pyarrow().cast(LINKS.schema),
            f"identifier_a IN (SELECT identifier FROM {region_name})",
        )
        written = write_profiles(store, ws, con, affected)
        timings["write"] = time.perf_counter() - clock - sum(timings.values())
        status_counts = {
            r["status"]: r["n"]
            for r in new_map.group_by("status")
            .agg(n=new_map.identifier.count())
            .to_pyarrow()
            .to_pylist()
        }
        n_region = int(_scalar(region.count()))
    total = int(store.query("SELECT count(*) FROM profiles").column(0)[0].as_py())
    if run_ids:
        store.replace_rows(
            PROCESSED.name,
            pa.table(
                {"ingest_run_id": run_ids, "run_id": [run_id] * len(run_ids)},
                schema=PROCESSED.schema,
            ),
            "ingest_run_id IN (" + ", ".join([store.param] * len(run_ids)) + ")",
            tuple(run_ids),
        )
    store.append(
        RUNS.name,
        pa.table(
            {
                "run_id": [run_id],
                "started_at": [started],
                "finished_at": [_now()],
                "mode": [mode],
                "events": [n_events],
                "identifiers": [n_region],
                "profiles": [written],
                "guardrails": [fingerprint],
            },
            schema=RUNS.schema,
        ),
    )
    store.append(
        AUDIT.name,
        pa.table(
            {
                "at": [_now()],
                "run_id": [run_id],
                "action": ["resolve"],
                "profile_id": [None],
                "profiles": [None],
                "identifiers": [n_region],
                "detail": [
                    json.dumps(
                        {
                            "mode": mode,
                            "events": n_events,
                            "merges": merges,
                            "splits": splits,
                            "profiles_written": written,
                        }
                    )
                ],
            },
            schema=AUDIT.schema,
        ),
    )
    timings["total"] = time.perf_counter() - clock
    return ResolveSummary(
        run_id=run_id,
        mode=mode,
        events=n_events,
        identifiers=n_region,
        profiles_written=written,
        profiles_total=total,
        merges=merges,
        splits=splits,
        status_counts=status_counts,
        records=record_summary,
        seconds=timings,
    )
