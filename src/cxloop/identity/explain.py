"""Why does an identifier belong to its profile? The chain of evidence, link by link.

:func:`explain_identifier` walks the links that formed the profile (``identity_links``) from the
identifier to the profile's strongest identifier and shows each link's evidence: how many events
(or records) saw the two together, an example event or record pair, when, and the match weight of
probable record matches. It also lists the links the guardrails cut at the profile's border, with
the reason. Everything here reads one profile, so plain Python over its few rows is fine.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from cxloop.identity.graph import EDGES, IDENTITY_MAP, LINKS
from cxloop.store import Store

__all__ = ["demo_step", "explain_identifier"]


def _rows(store: Store, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return list(store.query(sql, params).to_pylist())


def explain_identifier(store: Store, identifier: str) -> dict[str, Any]:
    """The evidence that puts ``identifier`` (stored ``type:value`` form) in its profile.

    Returns:
        ``identifier, profile_id, status, reason, anchor, chain`` (links from the identifier to
        the anchor, each with ``from, to, kind, evidence, example, first_seen, last_seen,
        weight``), ``links`` (every link of the profile) and ``cut`` (links to identifiers
        outside the profile, with why they were not followed).

    Raises:
        KeyError: the identifier is not in the identity graph.
    """
    p = store.param
    found = _rows(store, f"SELECT * FROM {IDENTITY_MAP.name} WHERE identifier = {p}", (identifier,))
    if not found:
        raise KeyError(f"identifier {identifier!r} is not in the identity graph")
    me = found[0]
    profile = me["profile_id"]
    members = _rows(
        store,
        f"SELECT identifier, rank, status, reason FROM {IDENTITY_MAP.name} "
        f"WHERE profile_id = {p} ORDER BY rank, identifier",
        (profile,),
    )
    anchor = members[0]["identifier"]
    links = _rows(
        store,
        f"SELECT e.* FROM {LINKS.name} l JOIN {EDGES.name} e ON "
        "e.identifier_a = l.identifier_a AND e.identifier_b = l.identifier_b AND "
        f"e.kind = l.kind WHERE l.profile_id = {p} ORDER BY e.identifier_a, "
        "e.identifier_b, e.kind",
        (profile,),
    )
    adjacent: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        adjacent.setdefault(link["identifier_a"], []).append(link)
        adjacent.setdefault(link["identifier_b"], []).append(link)
    chain = _path(identifier, anchor, adjacent)
    border = _rows(
        store,
        f"SELECT e.*, ma.profile_id AS profile_a, mb.profile_id AS profile_b, "
        f"ma.status AS status_a, mb.status AS status_b, ma.reason AS reason_a, "
        f"mb.reason AS reason_b FROM {EDGES.name} e "
        f"JOIN {IDENTITY_MAP.name} ma ON ma.identifier = e.identifier_a "
        f"JOIN {IDENTITY_MAP.name} mb ON mb.identifier = e.identifier_b "
        f"WHERE (ma.profile_id = {p} OR mb.profile_id = {p}) "
        "AND (ma.profile_id <> mb.profile_id OR ma.status <> 'linked' OR mb.status <> 'linked')",
        (profile, profile),
    )
    cut = []
    for edge in border:
        if edge["status_a"] != "linked":
            why = f"{edge['identifier_a']}: {edge['reason_a']}"
        elif edge["status_b"] != "linked":
            why = f"{edge['identifier_b']}: {edge['reason_b']}"
        else:
            why = "cut by a limit, a never-link rule or a time window (the weaker link gives way)"
        cut.append({**_link(edge), "reason": why})
    return {
        "identifier": identifier,
        "profile_id": profile,
        "status": me["status"],
        "reason": me["reason"],
        "anchor": anchor,
        "chain": [_link(step) for step in chain],
        "links": [_link(x) for x in links],
        "members": members,
        "cut": cut,
    }


def _link(edge: dict[str, Any]) -> dict[str, Any]:
    return {
        "from": edge["identifier_a"],
        "to": edge["identifier_b"],
        "kind": edge["kind"],
        "evidence": edge["evidence"],
        "example": edge["example"],
        "first_seen": edge["first_seen"],
        "last_seen": edge["last_seen"],
        "weight": edge["weight"],
    }


def _path(start: str, goal: str, adjacent: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The shortest chain of links from ``start`` to ``goal`` (breadth-first), oriented."""
    previous: dict[str, tuple[str, dict[str, Any]] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for link in adjacent.get(node, []):
            nxt = link["identifier_b"] if link["identifier_a"] == node else link["identifier_a"]
            if nxt not in previous:
                previous[nxt] = (node, link)
                queue.append(nxt)
    if goal not in previous:
        return []
    steps: list[dict[str, Any]] = []
    node = goal
    while (back := previous[node]) is not None:
        before, link = back
        steps.append({**link, "identifier_a": before, "identifier_b": node})
        node = before
    return list(reversed(steps))


def render_explain(result: dict[str, Any], console: Console) -> None:
    """Print an explanation (from :func:`explain_identifier`) with Rich."""
    console.print(
        f"[bold]{result['identifier']}[/] → profile [bold]{result['profile_id']}[/] "
        f"({len(result['members'])} identifiers, anchor {result['anchor']})",
        highlight=False,
    )
    if result["status"] != "linked":
        console.print(
            f"[yellow]{result['status']}[/]: {result['reason']} — it links nobody", highlight=False
        )
    table = Table(title="chain of evidence", title_justify="left")
    for header in ("from", "to", "kind", "evidence", "example", "first seen", "weight"):
        table.add_column(header)
    for step in result["chain"]:
        weight = f"{step['weight']:.1f}" if step["weight"] is not None else ""
        table.add_row(
            step["from"],
            step["to"],
            step["kind"],
            str(step["evidence"]),
            str(step["example"] or ""),
            str(step["first_seen"] or ""),
            weight,
        )
    if result["chain"]:
        console.print(table)
    elif result["identifier"] == result["anchor"]:
        console.print("it is the profile's anchor (its strongest identifier)")
    if result["cut"]:
        cut = Table(title="links not followed", title_justify="left")
        for header in ("from", "to", "kind", "evidence", "why"):
            cut.add_column(header)
        for link in result["cut"][:20]:
            cut.add_row(
                link["from"], link["to"], link["kind"], str(link["evidence"]), link["reason"]
            )
        console.print(cut)


def demo_step(store: Store, world_dir: Path, console: Console) -> dict[str, Any]:
    """The demo's identity step: resolve (with ``crm.csv`` when present), score against the
    world's truth, and print a short summary. Returns the summary and the scores."""
    from cxloop.identity.evaluate import evaluate_profiles
    from cxloop.identity.resolve import resolve_identities

    crm = world_dir / "crm.csv"
    summary = resolve_identities(store, records=crm if crm.is_file() else None)
    console.print(
        f"{summary.identifiers:,} identifiers → {summary.profiles_total:,} profiles "
        f"({summary.status_counts.get('shared', 0)} shared, "
        f"{summary.status_counts.get('blocked', 0)} blocked identifiers kept apart) in "
        f"{summary.seconds['total']:.1f} s",
        highlight=False,
    )
    result: dict[str, Any] = {"resolve": summary.as_dict()}
    truth = world_dir / "truth"
    if (truth / "identities.csv").is_file():
        score = evaluate_profiles(store, truth)
        console.print(
            f"against the world's truth: pairwise precision {score.precision:.4f}, recall "
            f"{score.recall:.4f} (of pairs the evidence can link: {score.recall_reachable:.4f}),"
            f" purity {score.purity:.4f}",
            highlight=False,
        )
        result["evaluate"] = score.as_dict()
    return result
