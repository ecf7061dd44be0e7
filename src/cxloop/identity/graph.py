"""The identity graph: stored tables, links from events, and the guardrails applied to them.

Identifiers seen together on an event are linked. Links are kept aggregated, one row per pair
and kind (``event`` for co-occurrence on events, ``record`` for identifiers on one customer
record, ``probable`` for a record match above threshold), with how often and when they were seen,
one example (an event id or record ids) and, for probable links, the match weight — everything
``identity explain`` shows. New events are aggregated on their own and folded into the stored
links, so the expensive scan never repeats.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from cxloop.identity.guardrails import PROBABLE_PRIORITY, Guardrails
from cxloop.store import Store
from cxloop.store.tables import TableSpec

__all__ = [
    "EDGES",
    "IDENTITY_MAP",
    "IDENTITY_TABLES",
    "LINKS",
    "NODES",
    "edge_levels",
    "event_links",
    "guarded_edges",
    "node_status",
]

_TS = pa.timestamp("us", tz="UTC")

EDGES = TableSpec(
    "identity_edges",
    pa.schema(
        [
            pa.field("identifier_a", pa.string(), nullable=False),
            pa.field("identifier_b", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("evidence", pa.int64(), nullable=False),
            pa.field("first_seen", _TS),
            pa.field("last_seen", _TS),
            pa.field("example", pa.string()),
            pa.field("weight", pa.float64()),
        ]
    ),
    ("identifier_a", "identifier_b", "kind"),
)
"""Links between two identifiers (``identifier_a < identifier_b``): kind ``event``/``record``/
``probable``, evidence (events or records), first/last seen, an example event or record pair,
and the match weight of probable links."""

NODES = TableSpec(
    "identity_nodes",
    pa.schema(
        [
            pa.field("identifier", pa.string(), nullable=False),
            pa.field("id_type", pa.string(), nullable=False),
            pa.field("events", pa.int64(), nullable=False),
            pa.field("first_seen", _TS),
            pa.field("last_seen", _TS),
        ]
    ),
    ("identifier",),
)
"""Every identifier seen on events or customer records, with its event count and time span."""

IDENTITY_MAP = TableSpec(
    "identity_map",
    pa.schema(
        [
            pa.field("identifier", pa.string(), nullable=False),
            pa.field("profile_id", pa.string(), nullable=False),
            pa.field("component_id", pa.string(), nullable=False),
            pa.field("id_type", pa.string(), nullable=False),
            pa.field("rank", pa.int64(), nullable=False),
            pa.field("status", pa.string(), nullable=False),
            pa.field("reason", pa.string()),
            pa.field("first_seen", _TS),
            pa.field("last_seen", _TS),
        ]
    ),
    ("identifier",),
)
"""Identifier → profile. ``status`` is ``linked``, ``shared``, ``blocked`` or ``detached`` (the
last three link nobody and form a profile of their own, with ``reason``); ``rank`` is the
priority of its type (1 strongest); ``component_id`` is the
group before limits were enforced (used to recompute only what new events touch)."""

LINKS = TableSpec(
    "identity_links",
    pa.schema(
        [
            pa.field("identifier_a", pa.string(), nullable=False),
            pa.field("identifier_b", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("profile_id", pa.string(), nullable=False),
        ]
    ),
    ("identifier_a", "identifier_b", "kind"),
)
"""The links that formed each profile (after guardrails and limits): explain's evidence."""

RULES = TableSpec(
    "identity_rules",
    pa.schema(
        [
            pa.field("rule_id", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("identifier", pa.string(), nullable=False),
            pa.field("other", pa.string()),
            pa.field("reason", pa.string()),
            pa.field("created_at", _TS, nullable=False),
        ]
    ),
    ("rule_id",),
)
"""Manual rules kept across runs: ``detach`` (the identifier links nobody) and ``never_link``
(``identifier`` and ``other`` never share a profile)."""

AUDIT = TableSpec(
    "identity_audit",
    pa.schema(
        [
            pa.field("at", _TS, nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("action", pa.string(), nullable=False),
            pa.field("profile_id", pa.string()),
            pa.field("profiles", pa.list_(pa.string())),
            pa.field("identifiers", pa.int64()),
            pa.field("detail", pa.string()),
        ]
    ),
    (),
)
"""Every merge (profiles that became one), split (a profile that became several), new profile
count per run, and manual rule, with when and which run."""

RUNS = TableSpec(
    "identity_runs",
    pa.schema(
        [
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("started_at", _TS, nullable=False),
            pa.field("finished_at", _TS),
            pa.field("mode", pa.string(), nullable=False),
            pa.field("events", pa.int64(), nullable=False),
            pa.field("identifiers", pa.int64(), nullable=False),
            pa.field("profiles", pa.int64(), nullable=False),
            pa.field("guardrails", pa.string(), nullable=False),
        ]
    ),
    ("run_id",),
)
"""One row per resolve: full or incremental, events read, identifiers recomputed, profiles
written, and the guardrails fingerprint (a change forces a full recompute)."""

PROCESSED = TableSpec(
    "identity_processed",
    pa.schema(
        [
            pa.field("ingest_run_id", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    ("ingest_run_id",),
)
"""Ingest runs whose events are already in the graph (runs still ``running`` are left for the
next resolve, so a batch is never half-seen)."""

IDENTITY_TABLES: tuple[TableSpec, ...] = (
    EDGES,
    NODES,
    IDENTITY_MAP,
    LINKS,
    RULES,
    AUDIT,
    RUNS,
    PROCESSED,
)


def new_events(store: Store, con: Any) -> ir.Table:
    """Events of ingest runs not yet in the graph (and not still running)."""
    events = con.table("events")
    processed = con.table(PROCESSED.name)
    runs = con.table("ingest_runs")
    running = runs.filter(runs.status == "running").select(rid=runs.run_id)
    key = ibis.coalesce(events.ingest_run_id, "")
    fresh = events.filter(~key.isin(processed.ingest_run_id), ~key.isin(running.rid))
    return fresh


def event_links(events: ir.Table) -> tuple[ir.Table, ir.Table]:
    """Links and identifier stats from events.

    Returns:
        ``(links, nodes)``: links ``identifier_a, identifier_b, kind, evidence, first_seen,
        last_seen, example, weight``; nodes ``identifier, events, first_seen, last_seen``.
    """
    seen = events.select(
        events.event_id, events.occurred_at, identifier=events.identifiers.unnest()
    ).distinct()
    other = seen.select(event_id2=seen.event_id, identifier_b=seen.identifier)
    pairs = seen.join(
        other, [seen.event_id == other.event_id2, seen.identifier < other.identifier_b]
    )
    links = pairs.group_by(identifier_a=pairs.identifier, identifier_b=pairs.identifier_b).agg(
        evidence=pairs.event_id.count(),
        first_seen=pairs.occurred_at.min(),
        last_seen=pairs.occurred_at.max(),
        example=pairs.event_id.min(),
    )
    links = links.select(
        "identifier_a",
        "identifier_b",
        kind=ibis.literal("event"),
        evidence=links.evidence,
        first_seen=links.first_seen,
        last_seen=links.last_seen,
        example=links.example,
        weight=ibis.null("float64"),
    )
    nodes = seen.group_by("identifier").agg(
        events=seen.event_id.count(),
        first_seen=seen.occurred_at.min(),
        last_seen=seen.occurred_at.max(),
    )
    return links, nodes


def node_status(
    nodes: ir.Table, edges: ir.Table, rules: ir.Table, guardrails: Guardrails
) -> ir.Table:
    """Which identifiers may link: ``identifier, id_type, rank, status, reason, first_seen``.

    Args:
        nodes: ``identifier, first_seen`` of the identifiers to judge.
        edges: the stored links touching them (``identifier_a, identifier_b, kind``).
        rules: the manual rules (``kind, identifier``).
        guardrails: the settings.
    """
    observed = edges.filter(edges.kind != "probable")
    directed = observed.select(src=observed.identifier_a, dst=observed.identifier_b).union(
        observed.select(src=observed.identifier_b, dst=observed.identifier_a), distinct=False
    )
    directed = directed.semi_join(nodes, directed.src == nodes.identifier)
    degree = directed.group_by("src").agg(degree=directed.dst.nunique())
    typed = directed.mutate(ntype=guardrails.type_of(directed.dst))
    per_type = typed.group_by(["src", "ntype"]).agg(n=typed.dst.nunique())
    limits = ibis.memtable(
        {
            "ltype": list(guardrails.limits),
            "lim": list(guardrails.limits.values()),
            "lrank": [guardrails.rank(t) for t in guardrails.limits],
        },
        schema={"ltype": "string", "lim": "int64", "lrank": "int64"},
    )
    over = per_type.join(limits, per_type.ntype == limits.ltype).filter(lambda t: t.n > t.lim)
    over = over.mutate(srank=guardrails.rank_of(guardrails.type_of(over.src)))
    over = over.filter(over.lrank < over.srank)
    over = over.group_by("src").agg(
        why=(ibis.literal("seen with ") + over.n.cast("string") + " " + over.ntype).min()
    )
    detached = rules.filter(rules.kind == "detach").select(did=rules.identifier).distinct()

    id_type = guardrails.type_of(nodes.identifier)
    base = nodes.select("identifier", "first_seen", id_type=id_type)
    base = base.left_join(degree, base.identifier == degree.src).select(
        "identifier", "first_seen", "id_type", degree=ibis.coalesce(degree.degree, 0)
    )
    base = base.left_join(over, base.identifier == over.src).select(
        "identifier", "first_seen", "id_type", "degree", "why"
    )
    base = base.left_join(detached, base.identifier == detached.did).select(
        "identifier", "first_seen", "id_type", "degree", "why", detached=detached.did.notnull()
    )
    max_degree = guardrails.max_degree_of(base.id_type)
    blocked = guardrails.is_blocked(base.identifier)
    status = ibis.cases(
        (blocked, "blocked"),
        (base.detached, "detached"),
        (base.why.notnull(), "shared"),
        (base.degree > max_degree, "shared"),
        else_="linked",
    )
    reason = ibis.cases(
        (blocked, ibis.literal("blocked value")),
        (base.detached, ibis.literal("detached by a split rule")),
        (base.why.notnull(), base.why + " (shared identifier)"),
        (
            base.degree > max_degree,
            ibis.literal("seen with ")
            + base.degree.cast("string")
            + " identifiers, more than "
            + max_degree.cast("string")
            + " (shared identifier)",
        ),
        else_=ibis.null("string"),
    )
    return base.select(
        "identifier",
        "id_type",
        "first_seen",
        rank=guardrails.rank_of(base.id_type),
        status=status,
        reason=reason,
        window=guardrails.window_of(base.id_type),
    )


def guarded_edges(edges: ir.Table, status: ir.Table) -> ir.Table:
    """The links that pass the guardrails: ``a, b, kind, level`` (level 1 strongest).

    Both ends must have status ``linked``, and a link of a windowed identifier (cookie, device)
    must have been first seen within its window of the identifier's first event.
    """
    sa = status.select(
        sa_id=status.identifier,
        sa_status=status.status,
        sa_rank=status.rank,
        sa_first=status.first_seen,
        sa_window=status.window,
    )
    sb = status.select(
        sb_id=status.identifier,
        sb_status=status.status,
        sb_rank=status.rank,
        sb_first=status.first_seen,
        sb_window=status.window,
    )
    joined = edges.join(sa, edges.identifier_a == sa.sa_id).join(sb, edges.identifier_b == sb.sb_id)
    age_a = joined.first_seen.epoch_seconds() - joined.sa_first.epoch_seconds()
    age_b = joined.first_seen.epoch_seconds() - joined.sb_first.epoch_seconds()
    in_window_a = (
        joined.sa_window.isnull() | joined.first_seen.isnull() | (age_a <= joined.sa_window * 86400)
    )
    in_window_b = (
        joined.sb_window.isnull() | joined.first_seen.isnull() | (age_b <= joined.sb_window * 86400)
    )
    kept = joined.filter(
        (joined.sa_status == "linked")
        & (joined.sb_status == "linked")
        & ibis.coalesce(in_window_a, True)
        & ibis.coalesce(in_window_b, True)
    )
    return kept.select(
        a=kept.identifier_a,
        b=kept.identifier_b,
        kind=kept.kind,
        level=edge_levels(kept.kind, kept.sa_rank, kept.sb_rank),
    )


def edge_levels(
    kind: ir.StringValue, rank_a: ir.IntegerValue, rank_b: ir.IntegerValue
) -> ir.IntegerValue:
    """A link's level: the rank of its weaker end; probable record matches come last."""
    return ibis.ifelse(kind == "probable", PROBABLE_PRIORITY, ibis.greatest(rank_a, rank_b)).cast(
        "int64"
    )
