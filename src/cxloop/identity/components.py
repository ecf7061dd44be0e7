"""Connected components and limit enforcement, set-at-a-time in Ibis (DuckDB, PostgreSQL, Spark).

Components are found by min-label propagation with pointer jumping: every identifier starts
labelled with itself, takes the smallest label among itself and its neighbours, then the label of
its label; each round is one Ibis expression materialized with ``create_table(overwrite=True)``,
so the engine never sees a growing lineage and no Python loop touches a row.

Limits (at most one ``customer_id`` per profile, never-link rules) are enforced only inside
components that break them, level by level from the strongest links to the weakest (a link's
level is the priority rank of its weaker end): at each level the links that keep every group
within its limits are accepted; in a group that would break a limit, each piece already formed
joins the *nearest* piece holding a limited identifier (a multi-source breadth-first search over
this level's links), and a piece equally near to two of them — the bridge between two customers —
stays on its own. Weak links are cut, strong ones never merged over a conflict.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = ["Workspace", "connected_components", "enforce_limits"]

MAX_ROUNDS = 200


class Workspace:
    """Scratch tables on one Ibis backend: each step is materialized under a fresh name, and
    every scratch table is dropped on :meth:`close`."""

    def __init__(self, con: Any, prefix: str = "cx_idg") -> None:
        self.con = con
        self.prefix = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self._names: list[str] = []
        self._counter: Iterator[int] = itertools.count()

    def materialize(self, expr: ir.Table, name: str) -> ir.Table:
        """Write ``expr`` to a new scratch table and return it."""
        table = f"{self.prefix}_{name}_{next(self._counter)}"
        self.con.create_table(table, expr, overwrite=True)
        self._names.append(table)
        return self.con.table(table)

    def drop(self, table: ir.Table) -> None:
        """Drop a scratch table early (keeps the engine's footprint small between rounds)."""
        name = table.get_name()
        if name in self._names:
            self.con.drop_table(name, force=True)
            self._names.remove(name)

    def close(self) -> None:
        for name in self._names:
            self.con.drop_table(name, force=True)
        self._names.clear()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _count(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())


def _both_ways(edges: ir.Table) -> ir.Table:
    """Undirected edges ``a, b`` as directed ``src, dst`` rows in both directions."""
    forward = edges.select(src=edges.a, dst=edges.b)
    backward = edges.select(src=edges.b, dst=edges.a)
    return forward.union(backward, distinct=False)


def connected_components(ws: Workspace, nodes: ir.Table, edges: ir.Table) -> ir.Table:
    """Label every node with the smallest node of its connected component.

    Args:
        ws: the scratch workspace (the backend that holds ``nodes`` and ``edges``).
        nodes: a table with a string column ``node`` (every node, isolated ones too).
        edges: a table with string columns ``a`` and ``b`` (undirected; both must be nodes).

    Returns:
        A materialized table ``node, label``.
    """
    directed = ws.materialize(_both_ways(edges).distinct(), "directed")
    labels = ws.materialize(nodes.select(node=nodes.node, label=nodes.node).distinct(), "labels")
    for _ in range(MAX_ROUNDS):
        neighbour = directed.join(labels, directed.dst == labels.node)
        smallest = neighbour.group_by(src=neighbour.src).agg(m=neighbour.label.min())
        stepped = labels.left_join(smallest, labels.node == smallest.src).select(
            node=labels.node,
            label=ibis.least(labels.label, ibis.coalesce(smallest.m, labels.label)),
        )
        stepped = ws.materialize(stepped, "step")
        # pointer jumping: take the label of one's label, halving the rounds on long chains
        parent = stepped.view()
        jumped = stepped.join(parent, stepped.label == parent.node).select(
            node=stepped.node, label=ibis.least(stepped.label, parent.label)
        )
        jumped = ws.materialize(jumped, "labels")
        ws.drop(stepped)
        changed = _count(
            jumped.join(labels, [jumped.node == labels.node, jumped.label != labels.label])
        )
        ws.drop(labels)
        labels = jumped
        if changed == 0:
            ws.drop(directed)
            return labels
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")


def _invalid_groups(labels: ir.Table, tags: ir.Table) -> ir.Table:
    """Labels of groups that hold more identifiers of a tag than its limit allows."""
    tagged = tags.join(labels, tags.node == labels.node)
    counts = tagged.group_by([tagged.label, tagged.tag]).agg(
        n=tagged.node.nunique(), lim=tagged.lim.max()
    )
    return counts.filter(counts.n > counts.lim).select("label").distinct()


def _voronoi_links(ws: Workspace, links: ir.Table, supers: ir.Table) -> ir.Table:
    """The links (``a, b, sa, sb`` between pieces ``sa``/``sb``) that join a piece to its nearest
    anchored piece; ``supers`` is ``s, anchored``. Pieces equally near two anchors stay alone."""
    super_edges = ws.materialize(
        _both_ways(links.select(a=links.sa, b=links.sb)).distinct(), "sedges"
    )
    anchors = supers.filter(supers.anchored)
    reach = ws.materialize(
        anchors.select(s=anchors.s, anchor=anchors.s, dist=ibis.literal(0, "int64")), "reach"
    )
    for depth in range(1, MAX_ROUNDS):
        frontier = reach.filter((reach.dist == depth - 1) & reach.anchor.notnull())
        step = frontier.join(super_edges, frontier.s == super_edges.src)
        step = step.select(s=step.dst, anchor=step.anchor)
        step = step.filter(~step.s.isin(reach.s))
        grouped = step.group_by("s").agg(n=step.anchor.nunique(), first=step.anchor.min())
        new = grouped.select(
            s=grouped.s,
            anchor=ibis.ifelse(grouped.n == 1, grouped.first, ibis.null("string")),
            dist=ibis.literal(depth, "int64"),
        )
        new = ws.materialize(new, "reached")
        if _count(new) == 0:
            break
        reach = ws.materialize(reach.union(new, distinct=False), "reach")
    ra = reach.select(ra_s=reach.s, ra_anchor=reach.anchor)
    rb = reach.select(rb_s=reach.s, rb_anchor=reach.anchor)
    joined = links.left_join(ra, links.sa == ra.ra_s).left_join(rb, links.sb == rb.rb_s)
    same_anchor = joined.ra_anchor.notnull() & (joined.ra_anchor == joined.rb_anchor)
    unreached = joined.ra_s.isnull() & joined.rb_s.isnull()
    return joined.filter(same_anchor | unreached).select("a", "b")


def enforce_limits(
    ws: Workspace, nodes: ir.Table, edges: ir.Table, tags: ir.Table, levels: list[int]
) -> ir.Table:
    """Components of ``edges`` that respect the limits of ``tags``, cutting the weakest links.

    Args:
        ws: the scratch workspace.
        nodes: ``node`` — the identifiers of components that break a limit.
        edges: ``a, b, level`` — their links (level 1 strongest).
        tags: ``node, tag, lim`` — a group may hold at most ``lim`` distinct nodes of ``tag``.
        levels: the distinct link levels, strongest first.

    Returns:
        ``a, b`` — the accepted links (components of these respect every limit).
    """
    accepted = ws.materialize(edges.filter(ibis.literal(False)).select("a", "b"), "accepted")
    labels = ws.materialize(nodes.select(node=nodes.node, label=nodes.node), "plabels")
    tagged_nodes = tags.select("node").distinct()
    for level in levels:
        la = labels.select(la_node=labels.node, sa=labels.label)
        lb = labels.select(lb_node=labels.node, sb=labels.label)
        level_edges = edges.filter(edges.level == level)
        mapped = level_edges.join(la, level_edges.a == la.la_node).join(
            lb, level_edges.b == lb.lb_node
        )
        mapped = mapped.select("a", "b", "sa", "sb")
        mapped = ws.materialize(mapped.filter(mapped.sa != mapped.sb), "mapped")
        if _count(mapped) == 0:
            continue
        candidate = accepted.union(mapped.select("a", "b"), distinct=False)
        groups = connected_components(ws, nodes, candidate)
        invalid = ws.materialize(_invalid_groups(groups, tags), "invalid")
        in_invalid = groups.filter(groups.label.isin(invalid.label))
        bad_edges = mapped.filter(mapped.a.isin(in_invalid.node))
        good_edges = mapped.filter(~mapped.a.isin(in_invalid.node)).select("a", "b")
        keep = good_edges
        if _count(invalid) > 0:
            bad_edges = ws.materialize(bad_edges, "bad")
            pieces = bad_edges.select(s=bad_edges.sa).union(bad_edges.select(s=bad_edges.sb))
            pieces = pieces.distinct()
            anchored_pieces = labels.filter(labels.node.isin(tagged_nodes.node))
            anchored_pieces = anchored_pieces.select(s=anchored_pieces.label).distinct()
            supers = pieces.left_join(anchored_pieces, pieces.s == anchored_pieces.s).select(
                s=pieces.s, anchored=anchored_pieces.s.notnull()
            )
            supers = ws.materialize(supers, "supers")
            keep = keep.union(_voronoi_links(ws, bad_edges, supers), distinct=False)
        accepted = ws.materialize(accepted.union(keep, distinct=False), "accepted")
        labels = connected_components(ws, nodes, accepted)
    return accepted
