"""How customers move between channels (sequences, transitions, drop-off, re-entry) and where
journeys hurt most (friction ranking), from the stored journey facts with Ibis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

NEGATIVE_SENTIMENT = -0.05
"""A contact or journey end below this sentiment score counts as negative."""


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    return list(expr.to_pyarrow().to_pylist())


def channel_paths(
    journeys: ir.Table, contacts: ir.Table, top: int = 15, max_steps: int = 6
) -> dict[str, Any]:
    """Top channel sequences, step-by-step transitions (for a Sankey), drop-off (where
    abandoned journeys ended) and re-entry (the contact after one that did not resolve)."""
    j = journeys
    seqs = (
        j.group_by("channel_path")
        .aggregate(
            journeys=j.count(),
            resolved=j.resolved.cast("int64").sum(),
            abandoned=(j.status == "abandoned").ifelse(1, 0).sum(),
        )
        .order_by([ibis.desc("journeys"), "channel_path"])
        .limit(top)
    )

    c = contacts.filter(contacts.contact_no <= max_steps)
    w = ibis.window(group_by=c.journey_id, order_by=c.contact_no)
    c = c.mutate(next_channel=c.channel.lead().over(w))
    ends = j.select(e_jid=j.journey_id, status=j.status, last_no=j.contacts)
    c = c.inner_join(ends, c.journey_id == ends.e_jid)
    c = c.mutate(target=c.next_channel.isnull().ifelse("end: " + c.status, c.next_channel))
    steps = (
        c.group_by(step=c.contact_no, source=c.channel, target=c.target)
        .aggregate(n=c.count())
        .order_by(["step", ibis.desc("n"), "source", "target"])
    )

    drop = j.group_by(channel=j.last_channel).aggregate(
        journeys=j.count(),
        abandoned=(j.status == "abandoned").ifelse(1, 0).sum(),
        escalated=(j.status == "escalated").ifelse(1, 0).sum(),
    )
    drop = drop.mutate(dropoff_rate=drop.abandoned.cast("float64") / drop.journeys).order_by(
        [ibis.desc("abandoned"), "channel"]
    )

    later = contacts.filter(contacts.contact_no > 1)
    prev = contacts.select(
        p_jid=contacts.journey_id,
        p_no=contacts.contact_no,
        from_channel=contacts.channel,
        p_resolved=contacts.resolved,
    )
    re = later.inner_join(prev, [later.journey_id == prev.p_jid, later.contact_no == prev.p_no + 1])
    reentry = (
        re.group_by(["from_channel", "channel"])
        .aggregate(
            contacts=re.count(),
            within_escalation=re.escalated_in.cast("int64").sum(),
            median_gap_s=re.gap_prev_s.median(),
        )
        .rename(to_channel="channel")
        .order_by([ibis.desc("contacts"), "from_channel", "to_channel"])
    )
    return {
        "sequences": _rows(seqs),
        "transitions": _rows(steps),
        "dropoff": _rows(drop),
        "reentry": _rows(reentry),
    }


def sankey_html(
    transitions: list[dict[str, Any]], path: Path, title: str = "Customer journeys across channels"
) -> Path:
    """A Plotly Sankey of step-by-step channel transitions, as a self-contained HTML file."""
    import plotly.graph_objects as go

    labels: list[str] = []
    index: dict[str, int] = {}

    def node(name: str) -> int:
        if name not in index:
            index[name] = len(labels)
            labels.append(name)
        return index[name]

    src, dst, val = [], [], []
    for t in transitions:
        step = int(t["step"])
        a = node(f"{step}. {t['source']}")
        target = str(t["target"])
        b = node(target if target.startswith("end: ") else f"{step + 1}. {target}")
        src.append(a)
        dst.append(b)
        val.append(int(t["n"]))
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 12, "thickness": 14},
            link={"source": src, "target": dst, "value": val},
        )
    )
    fig.update_layout(title_text=title, font_size=11)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


def friction_ranking(
    journeys: ir.Table, contacts: ir.Table, top: int = 20
) -> dict[str, list[dict[str, Any]]]:
    """Journey types and steps (journey type × contact channel) ranked by friction load.

    Per journey (or contact) four friction hits are counted: a repeat contact, abandonment,
    re-identification, negative sentiment. ``friction_index`` is the mean number of hits per
    journey (0–4) and ``friction_load = friction_index × volume``: where the most customers
    hurt the most.
    """
    j = journeys
    hits = j.mutate(
        h_repeat=j.repeat_contact_7d.cast("float64"),
        h_abandon=(j.status == "abandoned").ifelse(1.0, 0.0),
        h_reid=(j.reidentifications > 0).ifelse(1.0, 0.0),
        h_negative=(j.sentiment_end.fill_null(0.0) < NEGATIVE_SENTIMENT).ifelse(1.0, 0.0),
    )
    types = _ranked(hits, ["journey_type"], "journeys", top)

    c = contacts
    jt = j.select(t_jid=j.journey_id, journey_type=j.journey_type)
    c = c.inner_join(jt, c.journey_id == jt.t_jid)
    ch = c.mutate(
        h_repeat=c.repeat_in.cast("float64"),
        h_abandon=(c.abandons > 0).ifelse(1.0, 0.0),
        h_reid=(c.reidentifications > 0).ifelse(1.0, 0.0),
        h_negative=(c.sentiment.fill_null(0.0) < NEGATIVE_SENTIMENT).ifelse(1.0, 0.0),
    )
    steps = _ranked(ch, ["journey_type", "channel"], "contacts", top)
    return {"journey_types": _rows(types), "steps": _rows(steps)}


def _ranked(hits: ir.Table, keys: list[str], volume: str, top: int) -> ir.Table:
    """Rows of ``hits`` (0/1 columns ``h_repeat``, ``h_abandon``, ``h_reid``, ``h_negative``)
    grouped by ``keys``: the volume, the four rates, ``friction_index`` (their sum) and
    ``friction_load`` (index × volume), highest load first, ``top`` groups."""
    rates = hits.group_by(keys).aggregate(
        **{volume: hits.count()},
        repeat_rate=hits.h_repeat.mean(),
        abandonment_rate=hits.h_abandon.mean(),
        reidentification_rate=hits.h_reid.mean(),
        negative_rate=hits.h_negative.mean(),
    )
    rates = rates.mutate(
        friction_index=rates.repeat_rate
        + rates.abandonment_rate
        + rates.reidentification_rate
        + rates.negative_rate
    )
    return (
        rates.mutate(friction_load=rates.friction_index * rates[volume])
        .order_by([ibis.desc("friction_load"), *keys])
        .limit(top)
    )
