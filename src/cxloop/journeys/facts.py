"""Journey facts: one row per journey, from its contacts, its events' enrichments (intent,
sentiment, effort signals), its survey answers and what the customer did afterwards."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cxloop.journeys.contacts import json_number_field, json_text_field
from cxloop.journeys.rules import JourneyRules
from cxloop.store.dialect import Dialect

EFFORT_SIGNALS: tuple[str, ...] = ("repetition", "human_request", "waiting", "channel_switch")
"""Effort signals the ``signals`` enricher writes (see :mod:`cxloop.enrich.signals`)."""

PATH_STEPS = 12
"""``channel_path`` lists the channels of the first this many contacts (then ``>…``)."""

STATUSES: tuple[str, ...] = ("resolved", "abandoned", "escalated", "open")


def _flag(cond: ir.BooleanValue) -> ir.IntegerValue:
    return cond.ifelse(1, 0).cast("int16")


def event_enrichments(enrichments: ir.Table | None) -> dict[str, ir.Table]:
    """Per event: ``intent`` (intent, confidence), ``sentiment`` (score), ``signals`` (one 0/1
    column per effort signal). Several versions of one enricher are combined (mean score, the
    most confident intent, any signal)."""
    if enrichments is None:
        return {}
    en = enrichments
    intent = en.filter(en.enricher == "intent").select(
        "event_id",
        intent=json_text_field(en.output, "intent"),
        confidence=json_number_field(en.output, "confidence").fill_null(1.0),
    )
    intent = intent.group_by("event_id").aggregate(
        intent=intent.intent.argmax(intent.confidence), confidence=intent.confidence.max()
    )
    sentiment = en.filter(en.enricher == "sentiment")
    sentiment = sentiment.group_by("event_id").aggregate(
        sentiment=json_number_field(sentiment.output, "sentiment").mean()
    )
    sig = en.filter(en.enricher == "signals")
    signals = sig.group_by("event_id").aggregate(
        **{
            name: sig.output.contains(f'"{name}"').any().ifelse(1, 0).cast("int64")
            for name in EFFORT_SIGNALS
        }
    )
    return {"intent": intent, "sentiment": sentiment, "signals": signals}


def journey_types(mapped: ir.Table, intents: ir.Table | None, rules: JourneyRules) -> ir.Table:
    """``journey_id → intent``: the most frequent specific intent among the customer's events
    (ties: higher total confidence, then name)."""
    if intents is None:
        return mapped.select(journey_id=mapped.journey_id, intent=ibis.null("string")).limit(0)
    customer = mapped.filter(mapped.actor == "customer")
    j = customer.select("journey_id", "event_id").inner_join(intents, "event_id")
    j = j.filter(
        j.intent.notnull()
        & ~j.intent.isin(list(rules.generic_intents))
        & (j.confidence >= rules.min_intent_confidence)
    )
    counts = j.group_by(["journey_id", "intent"]).aggregate(n=j.count(), conf=j.confidence.sum())
    w = ibis.window(
        group_by=counts.journey_id,
        order_by=[ibis.desc(counts.n), ibis.desc(counts.conf), counts.intent],
    )
    ranked = counts.mutate(rank=ibis.row_number().over(w))
    return ranked.filter(ranked.rank == 0).select("journey_id", "intent")


def contact_sentiment(mapped: ir.Table, sentiment: ir.Table | None) -> ir.Table | None:
    """Mean sentiment of what the customer said in each contact."""
    if sentiment is None:
        return None
    customer = mapped.filter(mapped.actor == "customer").select("event_id", "contact_key")
    j = customer.inner_join(sentiment, "event_id")
    return j.group_by("contact_key").aggregate(sentiment=j.sentiment.mean())


def journey_facts(
    contacts: ir.Table,
    mapped: ir.Table,
    ev: ir.Table,
    surveys: ir.Table,
    enriched: dict[str, ir.Table],
    rules: JourneyRules,
    spans: ir.Table,
) -> ir.Table:
    """One row per journey (see docs/journeys.md for every column). ``spans``: ``journey_id,
    profile_id, end_ms`` per journey, from which the outcomes afterwards are found (so the
    journey facts are not computed a second time for that join)."""
    c = contacts
    d = Dialect.of(contacts)
    first = c.contact_no == 1
    no = c.contact_no
    agg = c.group_by("journey_id").aggregate(
        profile_id=c.profile_id.min(),
        started_at=c.started_at.min(),
        ended_at=c.ended_at.max(),
        start_ms=c.start_ms.min(),
        end_ms=c.end_ms.max(),
        contacts=c.count(),
        assisted_contacts=c.count(where=c.assisted),
        bot_contacts=c.count(where=c.bot),
        bot_contained=c.bot_contained.cast("int64").max(),
        **{f"path_{k}": c.channel.max(where=c.contact_no == k) for k in range(1, PATH_STEPS + 1)},
        first_channel=d.first(c.channel, no),
        last_channel=d.last(c.channel, no),
        channel_switches=c.count(where=c.channel_switch == 1),
        handoffs=c.handoffs.sum(),
        transfers=c.transfers.sum(),
        escalations=c.count(where=c.escalated_in == 1) + c.handoffs.sum() + c.transfers.sum(),
        abandons=c.abandons.sum(),
        queue_legs=c.queue_legs.sum(),
        ivr_max_depth=c.ivr_depth.max(),
        queue_wait_s=c.queue_wait_s.sum().fill_null(0.0),
        handle_s=c.handle_s.sum(),
        resolved=c.resolved.any(),
        resolved_at_ms=c.end_ms.min(where=c.resolved),
        first_contact_resolution=(c.resolved & first).any(),
        reidentifications=c.reidentifications.sum(),
        repeat_contacts=c.count(where=c.repeat_in == 1),
        last_case_open=d.last(c.case_opened, no),
        last_escalated=d.last((c.handoffs + c.transfers) > 0, no),
        last_abandoned=d.last(c.abandons > 0, no),
        first_agent_id=d.first(c.agent_id, no, where=c.agent_id.notnull()),
        last_agent_id=d.last(c.agent_id, no, where=c.agent_id.notnull()),
        first_queue=d.first(c.queue, no, where=c.queue.notnull()),
        rule_label=d.first(c.queue_label, no, where=c.queue_label.notnull()),
        first_label=d.first(c.rule_label, no),
        sentiment_start=d.first(c.sentiment, no, where=c.sentiment.notnull()),
        sentiment_end=d.last(c.sentiment, no, where=c.sentiment.notnull()),
    )
    # the path from one column per step: ordered string aggregation is not on every engine
    path = agg.path_1
    for k in range(2, PATH_STEPS + 1):
        step = agg[f"path_{k}"]
        path = path + step.isnull().ifelse("", ">" + step.fill_null(""))
    path = path + (agg.contacts > PATH_STEPS).ifelse(">…", "")
    agg = agg.mutate(channel_path=path)
    types = journey_types(
        mapped.inner_join(ev.select("event_id", "actor"), "event_id"), enriched.get("intent"), rules
    )
    # everything else about a journey is keyed by it: one chain of left joins and one select
    # (each extra layer of mutate/drop made Ibis's compiler slower, not the query)
    parts = [
        (types.rename(t_jid="journey_id"), "t_jid"),
        (_surveys(surveys).rename(s_jid="journey_id"), "s_jid"),
        (_outcomes(spans, ev, rules), "o_jid"),
    ]
    signals = _signals(mapped, enriched.get("signals"))
    if signals is not None:
        parts.append((signals.rename(g_jid="journey_id"), "g_jid"))
    j = agg
    for part, key in parts:
        j = j.left_join(part, j.journey_id == part[key])
    j = j.drop(*(key for _, key in parts))

    data_end = ev.ts_ms.max()
    grace = rules.open_grace_s if rules.open_grace_s is not None else rules.inactivity_s
    status = ibis.cases(
        (j.resolved, "resolved"),
        (data_end - j.end_ms <= int(grace * 1000), "open"),
        ((j.last_case_open & ~j.last_abandoned) | j.last_escalated, "escalated"),
        else_="abandoned",
    )
    journey_type = ibis.coalesce(j.intent, j.rule_label, j.first_label)
    # the next journey of the same type and profile starting soon after: a resolution that did
    # not hold, so the journey's need came back (a null gap — no next journey — is false)
    w = ibis.window(group_by=[j.profile_id, journey_type], order_by=[j.start_ms, j.journey_id])
    came_back = (j.start_ms.lead().over(w) - j.end_ms) <= int(rules.repeat_window_s * 1000)
    if signals is None:
        signal_cols: dict[str, ir.Value] = {
            f"signal_{s}": ibis.literal(0, type="int64") for s in EFFORT_SIGNALS
        }
    else:
        signal_cols = {f"signal_{s}": j[f"signal_{s}"].fill_null(0) for s in EFFORT_SIGNALS}
    effort = signal_cols[f"signal_{EFFORT_SIGNALS[0]}"]
    for s in EFFORT_SIGNALS[1:]:
        effort = effort + signal_cols[f"signal_{s}"]
    kept = [
        name
        for name in agg.columns
        if not name.startswith("path_")
        and name
        not in {
            "rule_label",
            "first_label",
            "last_case_open",
            "last_escalated",
            "last_abandoned",
            "resolved_at_ms",
            "resolved",
            "first_contact_resolution",
            "bot_contained",
            "contacts",
        }
    ]
    return j.select(
        *kept,
        journey_type=journey_type,
        type_source=j.intent.isnull().ifelse("rule", "intent"),
        status=status,
        time_to_resolution_s=(j.resolved_at_ms - j.start_ms).cast("float64") / 1000.0,
        resolved=_flag(j.resolved),
        first_contact_resolution=_flag(j.first_contact_resolution),
        bot_contained=j.bot_contained.cast("int16"),
        contacts=j.contacts.cast("int64"),
        repeat_contact_7d=_flag((j.repeat_contacts > 0) | came_back),
        effort_signals=effort,
        **signal_cols,
        surveys=j.surveys.fill_null(0),
        csat=j.csat,
        nps=j.nps,
        ces=j.ces,
        purchases_90d=j.purchases_90d.fill_null(0).cast("int64"),
        purchase_value_90d=j.purchase_value_90d.fill_null(0.0),
        churned_90d=_flag(j.churned_90d.fill_null(False)),
    )


def _signals(mapped: ir.Table, signals: ir.Table | None) -> ir.Table | None:
    """Effort signals counted per journey (``journey_id``, ``signal_<name>``)."""
    if signals is None:
        return None
    m = mapped.select("event_id", "journey_id").inner_join(signals, "event_id")
    return m.group_by("journey_id").aggregate(**{f"signal_{s}": m[s].sum() for s in EFFORT_SIGNALS})


def _surveys(surveys: ir.Table) -> ir.Table:
    """Survey answers per journey: how many, and the last CSAT, NPS and CES given."""
    s = surveys
    d = Dialect.of(surveys)
    return s.group_by("journey_id").aggregate(
        surveys=s.count(),
        csat=d.last(s.csat, s.ts_ms, where=s.csat.notnull()),
        nps=d.last(s.nps, s.ts_ms, where=s.nps.notnull()),
        ces=d.last(s.ces, s.ts_ms, where=s.ces.notnull()),
    )


def _outcomes(spans: ir.Table, ev: ir.Table, rules: JourneyRules) -> ir.Table:
    """Purchases and churn of the journey's profile within the outcome window after it ends
    (``o_jid``, ``purchases_90d``, ``purchase_value_90d``, ``churned_90d``)."""
    window = int(rules.outcome_window_s * 1000)
    bought_or_left = Dialect.of(ev).isin(ev.type, ("purchase", "churn"))
    after = ev.filter(bought_or_left & ev.profile_id.notnull()).select(
        o_profile=ev.profile_id, o_ms=ev.ts_ms, o_type=ev.type, o_value=ev.value
    )
    spans = spans.select(o_jid=spans.journey_id, s_profile=spans.profile_id, s_end=spans.end_ms)
    hits = spans.inner_join(
        after,
        [
            spans.s_profile == after.o_profile,
            after.o_ms > spans.s_end,
            after.o_ms <= spans.s_end + window,
        ],
    )
    return hits.group_by("o_jid").aggregate(
        purchases_90d=hits.count(where=hits.o_type == "purchase"),
        purchase_value_90d=hits.o_value.sum(where=hits.o_type == "purchase"),
        churned_90d=(hits.o_type == "churn").any(),
    )
