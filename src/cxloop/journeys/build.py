"""``build_journeys``: events joined to a profile key → contacts, journeys, journey facts,
queue legs and survey answers, as Ibis expressions (DuckDB, PostgreSQL, Spark alike)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from cxloop.journeys.contacts import (
    contact_facts,
    group_contacts,
    map_event_parts,
    prepare_events,
)
from cxloop.journeys.facts import contact_sentiment, event_enrichments, journey_facts
from cxloop.journeys.rules import DEFAULT_RULES, JourneyRules
from cxloop.store.dialect import Dialect

CONTACT_COLUMNS: tuple[str, ...] = (
    "contact_key",
    "journey_id",
    "profile_id",
    "contact_no",
    "channel",
    "started_at",
    "ended_at",
    "start_ms",
    "end_ms",
    "gap_prev_s",
    "events",
    "assisted",
    "bot",
    "resolved",
    "bot_contained",
    "escalated_in",
    "repeat_in",
    "channel_switch",
    "handoffs",
    "transfers",
    "abandons",
    "queue_legs",
    "queue_wait_s",
    "handle_s",
    "ivr_depth",
    "identify",
    "reidentifications",
    "case_opened",
    "agent_id",
    "queue",
    "rule_label",
    "sentiment",
)
JOURNEY_COLUMNS: tuple[str, ...] = (
    "journey_id",
    "profile_id",
    "journey_type",
    "type_source",
    "status",
    "started_at",
    "ended_at",
    "start_ms",
    "end_ms",
    "contacts",
    "assisted_contacts",
    "channel_path",
    "first_channel",
    "last_channel",
    "channel_switches",
    "bot_contacts",
    "bot_contained",
    "escalations",
    "handoffs",
    "transfers",
    "abandons",
    "queue_legs",
    "ivr_max_depth",
    "queue_wait_s",
    "handle_s",
    "resolved",
    "time_to_resolution_s",
    "first_contact_resolution",
    "repeat_contacts",
    "repeat_contact_7d",
    "reidentifications",
    "sentiment_start",
    "sentiment_end",
    "effort_signals",
    "signal_repetition",
    "signal_human_request",
    "signal_waiting",
    "signal_channel_switch",
    "surveys",
    "csat",
    "nps",
    "ces",
    "first_agent_id",
    "last_agent_id",
    "first_queue",
    "purchases_90d",
    "purchase_value_90d",
    "churned_90d",
)
LEG_COLUMNS: tuple[str, ...] = (
    "event_id",
    "journey_id",
    "contact_key",
    "channel",
    "queue",
    "agent_id",
    "occurred_at",
    "wait_s",
    "abandoned",
)
SURVEY_COLUMNS: tuple[str, ...] = (
    "event_id",
    "journey_id",
    "contact_key",
    "occurred_at",
    "ts_ms",
    "csat",
    "nps",
    "ces",
)
EVENT_MAP_COLUMNS: tuple[str, ...] = ("event_id", "journey_id", "contact_key")


class Stage(Protocol):
    """Where a build writes as it goes (:func:`cxloop.journeys.store_io.stage_into`)."""

    def __call__(self, name: str, expr: ir.Table, *more: ir.Table) -> ir.Table:
        """Write output ``name`` (the rows of ``expr`` and of each of ``more``) where it will be
        stored; return the table that holds (or will hold) them."""

    def keep(self, expr: ir.Table) -> ir.Table:
        """Keep an intermediate step computed once; return the table that holds it."""

    def close(self) -> None:
        """Wait for everything written, then drop the intermediate steps."""


@dataclass
class JourneyBuild:
    """What :func:`build_journeys` makes, as lazy Ibis tables on the input's engine.

    Attributes:
        events: ``event_id → journey_id, contact_key`` for every event in a journey.
        contacts: one row per service contact (touchpoint) with its facts.
        journeys: one row per journey with its facts (docs/journeys.md).
        legs: one row per queue leg (a ``queue_enter``), answered or abandoned.
        surveys: one row per survey answer that belongs to a journey.
    """

    events: ir.Table
    contacts: ir.Table
    journeys: ir.Table
    legs: ir.Table
    surveys: ir.Table
    cached: list[ir.Table] = field(default_factory=list)
    staged: tuple[str, ...] = ()
    """Outputs already written to their staging table by the build's ``stage``."""
    staging: Stage | None = None
    """The build's ``stage``, which also holds its intermediate steps:
    :func:`~cxloop.journeys.store_io.save_build` goes on writing through it, and :meth:`release`
    closes it."""

    def release(self) -> None:
        """Drop the intermediate tables the build cached on its engine."""
        for table in self.cached:
            table.release()
        self.cached.clear()
        if self.staging is not None:
            self.staging.close()

    def tables(self) -> dict[str, ir.Table]:
        """The outputs by stored table name."""
        return {
            "journey_events": self.events,
            "journey_contacts": self.contacts,
            "journeys": self.journeys,
            "journey_queue_legs": self.legs,
            "journey_surveys": self.surveys,
        }


def _flags_to_int(t: ir.Table, names: tuple[str, ...]) -> ir.Table:
    return t.mutate(**{n: t[n].ifelse(1, 0).cast("int16") for n in names})


def _cheap_to_rescan(table: ir.Table) -> bool:
    """Whether reading ``table`` again costs less than keeping a copy of its prepared events:
    a stored table on DuckDB, whose column scans are nearly free (100k world, 3.6M events:
    the build's cached steps took 10.5 CPU s with the copy, 6.8 without; docs/performance.md).
    A view or join (events with their profiles from identity resolution), or another engine,
    is materialized once instead."""
    return Dialect.of(table).duckdb and isinstance(table.op(), ops.DatabaseTable)


def build_journeys(
    events_with_profile: ir.Table,
    rules: JourneyRules = DEFAULT_RULES,
    enrichments: ir.Table | None = None,
    *,
    cache: bool = True,
    stage: Stage | None = None,
) -> JourneyBuild:
    """Group each profile's touchpoints into journeys and compute their facts.

    Args:
        events_with_profile: stored events (see :data:`cxloop.journeys.contacts.
            EVENT_INPUT_COLUMNS`) with a ``profile_id`` column; events without a profile
            belong to a journey only through a conversation or session of a profiled event.
        rules: the construction rules (:class:`JourneyRules`).
        enrichments: the ``enrichments`` table (intent, sentiment, signals), optional; without
            an intent model the journey type is the rule-based label.
        cache: materialize the intermediate contacts once (``Table.cache``) instead of
            recomputing them for every output.
        stage: write the event map (the largest output, and an input of the journey facts
            and surveys) straight to where it will be stored, instead of caching it and
            copying it there afterwards (:func:`cxloop.journeys.store_io.stage_into`).

    Returns:
        A :class:`JourneyBuild` of lazy tables on the input's backend.
    """
    cached: list[ir.Table] = []
    # a stage (stage_into: on DuckDB it runs the build's statements on a worker thread while
    # this one compiles the next) keeps the intermediate steps too and owns the connection
    # until save_build: nothing here may run a statement of its own

    def keep(table: ir.Table) -> ir.Table:
        if stage is not None:
            return stage.keep(table)
        kept = table.cache()
        cached.append(kept)
        return kept

    rescan = _cheap_to_rescan(events_with_profile)
    ev = prepare_events(events_with_profile, rules, identifiers=rescan)
    if cache and not rescan:
        ev = keep(ev)
    grouped = group_contacts(contact_facts(ev, rules), rules)
    if cache:
        grouped = keep(grouped)
    spans = grouped.group_by(["journey_id", "profile_id"]).aggregate(
        start_ms=grouped.start_ms.min(),
        end_ms=grouped.end_ms.max(),
        last_contact_key=Dialect.of(grouped).last(grouped.contact_key, grouped.contact_no),
    )
    in_contacts, follow = map_event_parts(ev, grouped, spans, rules)
    mapped = in_contacts.union(follow).select(*EVENT_MAP_COLUMNS)
    staged: tuple[str, ...] = ()
    if stage is not None:
        # the contacts' events and the follow-on events in two INSERTs: without a union
        # above it, DuckDB writes the 2M-row join in parallel (world: 1.3 -> 0.9 s, traced)
        mapped = stage("journey_events", in_contacts, follow)
        staged = ("journey_events",)
    elif cache:
        mapped = keep(mapped)
    enriched = event_enrichments(enrichments)
    mapped_actor = mapped.inner_join(ev.select("event_id", "actor"), "event_id")
    sentiment = contact_sentiment(mapped_actor, enriched.get("sentiment"))
    if sentiment is None:
        contacts = grouped.mutate(sentiment=ibis.null("float64"))
    else:
        contacts = grouped.left_join(sentiment, "contact_key").drop("contact_key_right")

    survey_ev = ev.filter(ev.role == "survey").select(
        "event_id", "occurred_at", "ts_ms", "csat", "nps", "ces"
    )
    surveys = survey_ev.inner_join(mapped, "event_id").select(*SURVEY_COLUMNS)
    if cache:  # small, and read twice: by the journey facts and as an output
        surveys = keep(surveys)

    facts = journey_facts(contacts, mapped, ev, surveys, enriched, rules, spans)
    contacts_out = _flags_to_int(contacts, ("assisted", "bot", "resolved", "case_opened")).select(
        *CONTACT_COLUMNS
    )

    queue_ev = ev.filter(ev.type == "queue_enter").select(
        "event_id", "contact_key", "channel", "queue", "occurred_at", "wait_s"
    )
    aband = ev.filter(ev.type == "abandon")
    aband = aband.group_by([aband.contact_key, aband.queue]).aggregate(n_aband=aband.count())
    # a queue leg belongs to the journey of its contact (a queue_enter is a service event, so
    # its contact is one of the journey contacts): joined on the contact key, not through the
    # millions of rows of the event map
    owners = grouped.select(
        a_key=grouped.contact_key, journey_id=grouped.journey_id, agent_id=grouped.agent_id
    )
    legs = queue_ev.inner_join(owners, queue_ev.contact_key == owners.a_key)
    legs = legs.left_join(aband, [legs.contact_key == aband.contact_key, legs.queue == aband.queue])
    legs = legs.mutate(abandoned=legs.n_aband.notnull().ifelse(1, 0).cast("int16")).select(
        *LEG_COLUMNS
    )
    return JourneyBuild(
        events=mapped,
        contacts=contacts_out,
        journeys=facts.select(*JOURNEY_COLUMNS),
        legs=legs,
        surveys=surveys,
        cached=cached,
        staged=staged,
        staging=stage,
    )
