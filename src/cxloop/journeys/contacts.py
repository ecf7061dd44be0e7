"""Touchpoints: events classified, grouped into contacts (one conversation or one session), and
contacts of a profile grouped into journeys — Ibis expressions that run on every engine."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from cxloop.journeys.rules import JourneyRules
from cxloop.store.dialect import Dialect

EVENT_INPUT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "profile_id",
    "occurred_at",
    "channel",
    "type",
    "conversation_id",
    "session_id",
    "actor",
    "agent_id",
    "queue",
    "duration_s",
    "wait_s",
    "csat",
    "nps",
    "ces",
    "value",
    "attributes",
    "identifiers",
)
"""Columns :func:`prepare_events` reads: the stored event columns plus ``profile_id``."""

_NUMBER = r"\s*:\s*\"?(-?[0-9]+(?:\.[0-9]+)?)"


def json_text_field(text: ir.StringValue, key: str) -> ir.StringValue:
    """A string field of a JSON object held as text (regex, identical on every engine)."""
    return text.re_extract(rf'"{key}"\s*:\s*"([^"]*)"', 1).nullif("")


def json_number_field(text: ir.StringValue, key: str) -> ir.FloatingValue:
    """A numeric field of a JSON object held as text, as float64 (null when absent)."""
    return text.re_extract(rf'"{key}"{_NUMBER}', 1).nullif("").cast("float64")


def _flag(cond: ir.BooleanValue) -> ir.IntegerValue:
    return cond.ifelse(1, 0).cast("int16")


PREPARED_COLUMNS: tuple[str, ...] = (
    "event_id",
    "profile_id",
    "occurred_at",
    "channel",
    "type",
    "actor",
    "agent_id",
    "queue",
    "wait_s",
    "csat",
    "nps",
    "ces",
    "value",
    "ts_ms",
    "contact_key",
    "role",
    "follow_on",
    "page",
    "is_identify",
    "signed_in",
    "call_handle_s",
    "ivr_depth",
)
"""What :func:`prepare_events` keeps: the JSON attributes and identifier lists are read once
there, so the builder's cached copy of the events holds no wide text."""


def prepare_events(events: ir.Table, rules: JourneyRules, identifiers: bool = False) -> ir.Table:
    """Events with what the builder needs: epoch ms, the contact key, flags, and the few
    attributes it reads (a call's handle time, an IVR menu's depth).

    ``identifiers``: keep the identifier lists too, so a contact's signed-in test reads its
    first event's list once (:meth:`Dialect.first_any_starts_with`) instead of testing every
    event's (``signed_in``) — for input that is rescanned, not copied: a copy of millions of
    lists costs more than the test saves."""
    ev = events.select(*EVENT_INPUT_COLUMNS)
    dialect = Dialect.of(events)
    # only the pages the rules name matter, so the page is read (a regular expression, the
    # costliest step of the build when run on every event) only from attributes that contain
    # one of them literally; any other page cannot equal a named one, so it stays null
    named_pages = sorted(set(rules.service_pages) | set(rules.resolution_pages))
    names_a_page: ir.BooleanValue = ibis.literal(False)
    for name in named_pages:
        names_a_page = names_a_page | ev.attributes.contains(name)
    page = names_a_page.ifelse(json_text_field(ev.attributes, "page"), ibis.null("string"))
    loose = ev.conversation_id.isnull() & ev.session_id.isnull()
    follow_on = ibis.literal(False)
    for event_type, actor in rules.follow_on:
        cond = ev.type == event_type
        if actor != "*":
            cond = cond & (ev.actor == actor)
        follow_on = follow_on | cond
    role = ibis.cases(
        (dialect.isin(ev.type, rules.survey_types), "survey"),
        (dialect.isin(ev.type, rules.outcome_types), "outcome"),
        else_="interaction",
    )
    # talk + hold + wrap from a call_end's attributes (its duration when they are missing);
    # other events never add to handle time, so their attributes are not parsed
    talk = json_number_field(ev.attributes, "talk_s")
    call_handle = talk.isnull().ifelse(
        ev.duration_s,
        talk.fill_null(0)
        + json_number_field(ev.attributes, "hold_s").fill_null(0)
        + json_number_field(ev.attributes, "wrap_s").fill_null(0),
    )
    no_number = ibis.null("float64")
    return ev.mutate(
        ts_ms=dialect.epoch_ms(ev.occurred_at),
        contact_key=ibis.coalesce(ev.conversation_id, ev.session_id, "e:" + ev.event_id),
        role=role,
        follow_on=loose & follow_on,
        # the page when it is one the rules name (else null); service and resolution pages
        # are told apart per contact
        page=page,
        is_identify=dialect.isin(ev.type, rules.identify_types),
        signed_in=dialect.any_starts_with(ev.identifiers, signed_in_prefixes(rules)),
        call_handle_s=(ev.type == "call_end").ifelse(call_handle, no_number),
        ivr_depth=(ev.type == "ivr_menu").ifelse(
            json_number_field(ev.attributes, "depth"), no_number
        ),
    ).select(*PREPARED_COLUMNS, *(("identifiers",) if identifiers else ()))


def signed_in_prefixes(rules: JourneyRules) -> tuple[str, ...]:
    """Identifier prefixes that show a customer arrived signed in (``customer_id:``)."""
    return tuple(f"{t}:" for t in rules.signed_in_identifier_types)


def contact_facts(ev: ir.Table, rules: JourneyRules) -> ir.Table:
    """One row per contact (conversation, session, or lone event) of interaction events.

    A contact's profile is the smallest profile id among its events, so a conversation that
    identity split across profiles still counts once.
    """
    it = ev.filter(ev.role == "interaction")
    d = Dialect.of(ev)
    if "identifiers" in it.columns:  # the first event's list, tested once per contact
        signed_in = d.first_any_starts_with(it.identifiers, it.ts_ms, signed_in_prefixes(rules))
    else:
        signed_in = d.first(it.signed_in, it.ts_ms)
    is_call_end = it.type == "call_end"
    live_chat = d.isin(it.channel, ("chat", "sms", "social"))
    # counts of a kind of event are COUNT(*) FILTER (…), not SUM(CAST(… AS INT)): the sum
    # of a cast boolean costs DuckDB twice as much (docs/performance.md)
    agg = it.group_by("contact_key").aggregate(
        profile_id=it.profile_id.min(),
        started_at=it.occurred_at.min(),
        ended_at=it.occurred_at.max(),
        events=it.count(),
        service=(d.isin(it.type, rules.service_types) | d.isin(it.page, rules.service_pages)).any(),
        resolved=(
            d.isin(it.type, rules.resolution_types) | d.isin(it.page, rules.resolution_pages)
        ).any(),
        channel=d.first(it.channel, it.ts_ms),
        assisted=(it.actor == "agent").any(),
        bot=(it.channel == "bot").any(),
        handoffs=it.count(where=it.type == "handoff"),
        transfers=it.count(where=it.type == "transfer"),
        abandons=it.count(where=it.type == "abandon"),
        queue_legs=it.count(where=it.type == "queue_enter"),
        queue_wait_s=it.wait_s.sum(where=it.type == "queue_enter"),
        # asked to identify: each auth or login, plus arriving already signed in (a logged-in
        # chat carries the customer number from its first event)
        identify=it.count(where=it.is_identify) + signed_in.ifelse(1, 0),
        calls_ended=it.count(where=is_call_end),
        call_handle_s=it.call_handle_s.sum(where=is_call_end),
        chat_first_agent_ms=it.ts_ms.min(where=live_chat & (it.actor == "agent")),
        chat_last_ms=it.ts_ms.max(where=live_chat),
        ivr_depth=it.ivr_depth.max(where=it.type == "ivr_menu"),
        case_opened=(it.type == "case_opened").any(),
        agent_id=d.last(it.agent_id, it.ts_ms, where=it.agent_id.notnull()),
        queue=d.first(it.queue, it.ts_ms, where=it.queue.notnull()),
    )
    chat_handle = (agg.chat_last_ms - agg.chat_first_agent_ms).cast("float64") / 1000.0
    handle_s = ibis.cases(
        (agg.calls_ended > 0, agg.call_handle_s),
        (agg.chat_first_agent_ms.notnull(), chat_handle),
        else_=ibis.null("float64"),
    )
    queue_label = agg.queue.re_extract(rules.queue_label_pattern, 1).nullif("")
    channel_label = agg.channel.isin(["web", "app"]).ifelse("self_service", agg.channel)
    return (
        agg.filter(agg.service & agg.profile_id.notnull())
        .mutate(
            # from the first and last time, after aggregation: two aggregates fewer per event
            start_ms=d.epoch_ms(agg.started_at),
            end_ms=d.epoch_ms(agg.ended_at),
            handle_s=handle_s,
            rule_label=ibis.coalesce(queue_label, channel_label),
            queue_label=queue_label,
            bot_contained=_flag(agg.bot & agg.resolved & (agg.handoffs == 0)),
        )
        .drop("service", "calls_ended", "call_handle_s", "chat_first_agent_ms", "chat_last_ms")
    )


def _window_ms(label: ir.StringValue, rules: JourneyRules) -> ir.IntegerValue:
    default = int(rules.inactivity_s * 1000)
    if not rules.inactivity_by_type:
        return ibis.literal(default, type="int64")
    branches: list[tuple[Any, Any]] = [
        (label == name, int(seconds * 1000)) for name, seconds in rules.inactivity_by_type.items()
    ]
    return ibis.cases(*branches, else_=default).cast("int64")


def group_contacts(contacts: ir.Table, rules: JourneyRules) -> ir.Table:
    """Give each contact its journey: per profile in time order, a contact continues the
    journey of the contact before it unless that journey was resolved or has been inactive for
    longer than the inactivity window of its type."""
    # two passes over each profile's contacts in time order (one sort each): the first reads
    # the contact before, the second numbers the journeys; positions within a journey come
    # from positions within the profile, so no third pass per journey is needed
    order = [contacts.start_ms, contacts.contact_key]
    before = ibis.window(group_by=contacts.profile_id, order_by=order, rows=(None, -1))
    prev = ibis.window(group_by=contacts.profile_id, order_by=order)
    prev_end = contacts.end_ms.max().over(before)
    prev_resolved = contacts.resolved.lag().over(prev)
    prev_label = contacts.rule_label.lag().over(prev)
    marked = contacts.mutate(
        prev_end_ms=prev_end,
        new_journey=(
            prev_end.isnull()
            # a resolution closes the journey for contacts that start after it; one already
            # under way when the need was resolved belongs to that journey (no overlap)
            | (prev_resolved.fill_null(False) & (contacts.start_ms >= prev_end))
            | ((contacts.start_ms - prev_end) > _window_ms(prev_label, rules))
        ),
        position=ibis.row_number().over(prev),
        prev_identify=contacts.identify.lag().over(prev),
        prev_channel=contacts.channel.lag().over(prev),
        prev_sought_agent=(contacts.assisted | (contacts.queue_legs > 0)).lag().over(prev),
    )
    so_far = ibis.window(
        group_by=marked.profile_id, order_by=[marked.start_ms, marked.contact_key], rows=(None, 0)
    )
    numbered = marked.mutate(
        journey_no=marked.new_journey.ifelse(1, 0).cast("int64").sum().over(so_far),
        journey_start=marked.new_journey.ifelse(marked.position, ibis.null("int64"))
        .max()
        .over(so_far),
    )
    gap_ms = numbered.start_ms - numbered.prev_end_ms
    first = numbered.new_journey
    out = numbered.mutate(
        journey_id=numbered.profile_id + "#" + numbered.journey_no.cast("string"),
        contact_no=(numbered.position - numbered.journey_start + 1).cast("int64"),
        gap_prev_s=first.ifelse(ibis.null("float64"), gap_ms.cast("float64") / 1000.0),
    )
    escalated_in = (~out.new_journey) & (out.gap_prev_s <= rules.escalation_s)
    reid_cross = escalated_in & (out.prev_identify.fill_null(0) > 0) & (out.identify > 0)
    return out.mutate(
        escalated_in=_flag(escalated_in),
        reidentifications=(ibis.greatest(out.identify - 1, 0) + reid_cross.ifelse(1, 0)).cast(
            "int64"
        ),
        # the contact before in the profile is in the same journey unless this one starts it
        channel_switch=_flag(
            (~out.new_journey) & out.prev_channel.notnull() & (out.prev_channel != out.channel)
        ),
        # a repeat contact: back about the same need after a contact that reached (or queued
        # for) a person — moving on from self-service or a bot is an escalation, not a repeat
        repeat_in=_flag(
            (~out.new_journey)
            & out.prev_sought_agent.fill_null(False)
            & (out.gap_prev_s <= rules.repeat_window_s)
        ),
    ).drop(
        "new_journey",
        "prev_identify",
        "prev_channel",
        "prev_end_ms",
        "prev_sought_agent",
        "position",
        "journey_start",
    )


def map_event_parts(
    ev: ir.Table, contacts: ir.Table, journeys: ir.Table, rules: JourneyRules
) -> tuple[ir.Table, ir.Table]:
    """``event_id → journey_id`` for every event that belongs to a journey: the events of its
    contacts (surveys and purchases sharing the conversation included) and follow-on events
    without a conversation (a survey, a refund) within ``follow_on_s`` after it."""
    keyed = contacts.select("contact_key", "journey_id")
    in_contacts = (
        ev.select("event_id", "contact_key")
        .inner_join(keyed, "contact_key")
        .select("event_id", "journey_id", "contact_key")
    )
    loose = ev.filter(ev.follow_on & ev.profile_id.notnull())
    starts = journeys.select(
        profile_id=journeys.profile_id,
        t=journeys.start_ms,
        kind=ibis.literal(0),
        jid=journeys.journey_id,
        event_id=ibis.null("string"),
        own_key=ibis.null("string"),
    )
    lone = loose.select(
        profile_id=loose.profile_id,
        t=loose.ts_ms,
        kind=ibis.literal(1),
        jid=ibis.null("string"),
        event_id=loose.event_id,
        own_key=loose.contact_key,
    )
    stream = starts.union(lone)
    # journey ids are not ordered, so carry the start time of the latest journey forward and
    # join back on (profile, start)
    start_seen = ibis.cases((stream.kind == 0, stream.t), else_=ibis.null("int64"))
    w = ibis.window(group_by=stream.profile_id, order_by=[stream.t, stream.kind], rows=(None, 0))
    carried = stream.mutate(latest_start=start_seen.max().over(w)).filter(
        lambda s: (s.kind == 1) & s.latest_start.notnull()
    )
    ends = journeys.select(
        j_profile=journeys.profile_id,
        j_start=journeys.start_ms,
        j_end=journeys.end_ms,
        j_id=journeys.journey_id,
        last_contact=journeys.last_contact_key,
    )
    joined = carried.inner_join(
        ends, [carried.profile_id == ends.j_profile, carried.latest_start == ends.j_start]
    )
    within = joined.filter(joined.t - joined.j_end <= int(rules.follow_on_s * 1000))
    # two journeys of one profile starting in the same millisecond: keep the first id
    follow = within.group_by("event_id").aggregate(
        journey_id=within.j_id.min(),
        contact_key=within.last_contact.min(),
        own_key=within.own_key.min(),
    )
    # an event already in a contact (its own key is a contact's) is not a follow-on as well
    seen = keyed.select(seen=keyed.contact_key)
    follow = follow.anti_join(seen, follow.own_key == seen.seen)
    return in_contacts, follow.select("event_id", "journey_id", "contact_key")
