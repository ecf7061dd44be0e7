"""Journeys and the contacts they are made of, decided as arrays (one column of contacts at a
time: first contact for every journey, then the second for the journeys still open, …).

A journey is one customer need (an intent) from the first touch until it is resolved or the
customer gives up; each contact is one visit, chat, call, email or message about it. Everything
that later drives satisfaction and churn (waits, transfers, re-identification, resolution) is
decided here, before any event exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cxloop.simulate.catalog import (
    AFTER_SELF_SERVICE,
    BOT,
    CHAT,
    COUNTRIES,
    EMAIL,
    ESCALATION_GROUP,
    FIRST_CONTACT_KIND,
    GENERAL_GROUP,
    INTENT_DIFFICULTY,
    INTENT_GROUP,
    INTENT_MOOD,
    INTENT_SELF_SERVE,
    INTENT_WEIGHTS,
    LANGUAGES,
    MESSAGING,
    MS_PER_DAY,
    REPEAT_CONTACT,
    SELF,
    VOICE,
)
from cxloop.simulate.people import Population

MAX_CONTACTS = 4
JOURNEY_TAIL_DAYS = 16
"""Journeys start at least this many days before the end, so they finish inside the span."""
AFTER_BOT_DROP = np.array([0.0, 0.0, 0.30, 0.55, 0.10, 0.05])
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 5, 5, 4, 4, 3, 2, 1.5]
)


@dataclass
class WorldClock:
    """The time span of the world, in milliseconds since the Unix epoch (UTC)."""

    start_ms: int
    days: int

    @property
    def end_ms(self) -> int:
        """The first instant after the span."""
        return self.start_ms + self.days * MS_PER_DAY

    def load(self, ms: np.ndarray) -> np.ndarray:
        """Contact-centre load factor at those instants: a weekly wave plus a staffing crunch
        in the middle of the span (planted: queue waits are 2.5× longer then)."""
        day = (ms - self.start_ms) / MS_PER_DAY
        crunch = (day >= self.crunch_days[0]) & (day < self.crunch_days[1])
        return (1.0 + 0.25 * np.sin(2 * np.pi * day / 7.0)) * np.where(crunch, 2.5, 1.0)

    @property
    def crunch_days(self) -> tuple[int, int]:
        """Days (from the start) of the planted staffing crunch."""
        mid = self.days // 2
        return mid - 10, mid + 4


@dataclass
class Contacts:
    """One row per contact (flattened over journeys), with everything decided about it."""

    journey: np.ndarray
    person: np.ndarray
    index: np.ndarray  # 0 for the first contact of a journey, 1 for the second, …
    kind: np.ndarray  # SELF, BOT, CHAT, VOICE, EMAIL, MESSAGING
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    start_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.journey)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


@dataclass
class Journeys:
    """One row per journey, with its planted truth (filled in as contacts are decided)."""

    person: np.ndarray
    intent: np.ndarray
    language: np.ndarray
    start_ms: np.ndarray
    base_mood: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.person)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (rows, k) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    draws = (rng.random(len(probs))[:, None] > cum).sum(axis=1)
    return np.asarray(np.minimum(draws, probs.shape[1] - 1))


def local_times(
    rng: np.random.Generator, clock: WorldClock, days: np.ndarray, country: np.ndarray
) -> np.ndarray:
    """UTC milliseconds for the given day offsets at a realistic local hour of the day."""
    n = len(days)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    offset_h = np.array([c.utc_offset_h for c in COUNTRIES])[country]
    seconds = (hour - offset_h) * 3600 + rng.integers(0, 3600, n)
    return np.asarray(
        clock.start_ms + days.astype(np.int64) * MS_PER_DAY + seconds.astype(np.int64) * 1000
    )


def plan_journeys(pop: Population, clock: WorldClock, rng: np.random.Generator) -> Journeys:
    """How many journeys each person has, about what, and when they start."""
    per_person = rng.poisson(pop.journey_rate)
    person = np.repeat(np.arange(pop.n, dtype=np.int32), per_person)
    n = len(person)
    intent = rng.choice(len(INTENT_WEIGHTS), size=n, p=INTENT_WEIGHTS).astype(np.int8)
    # day 0 is skipped: a local morning there can fall before the span starts in UTC
    days = rng.integers(1, max(clock.days - JOURNEY_TAIL_DAYS, 2), n)
    start = local_times(rng, clock, days, pop.country[person])
    order = np.lexsort((start, person))
    person, intent, start = person[order], intent[order], start[order]
    base_mood = INTENT_MOOD[intent] + pop.temperament[person] + rng.normal(0.0, 0.15, n)
    return Journeys(
        person=person,
        intent=intent,
        language=pop.language[person],
        start_ms=start,
        base_mood=base_mood,
    )


def agents_per_queue(customers: int) -> int:
    """Agents staffing each queue (grows with the customer base)."""
    return max(3, customers // 1500 + 1)


def _decide_contacts(
    j: Journeys,
    js: np.ndarray,
    kind: np.ndarray,
    k: int,
    pop: Population,
    clock: WorldClock,
    rng: np.random.Generator,
    pool: int,
    empathy: np.ndarray,
) -> dict[str, np.ndarray]:
    """Everything that happens in the k-th contact of the journeys ``js`` (of kinds ``kind``)."""
    n = len(js)
    intent = j.intent[js]
    lang = j.language[js].astype(np.int16)
    person = j.person[js]
    load = clock.load(j.start_ms[js] + k * MS_PER_DAY)
    difficulty = INTENT_DIFFICULTY[intent]
    is_voice, is_chat, is_bot = kind == VOICE, kind == CHAT, kind == BOT

    r = rng.random((n, 24))  # one column per decision keeps the draws aligned and cheap
    bot_resolves = is_bot & (r[:, 0] < 0.2 + 0.6 * INTENT_SELF_SERVE[intent])
    bot_handoff = is_bot & ~bot_resolves & (r[:, 1] < 0.7)
    bot_dropped = is_bot & ~bot_resolves & ~bot_handoff
    queued = is_voice | is_chat | bot_handoff

    right_group = INTENT_GROUP[intent].astype(np.int16)
    misrouted = is_voice & (r[:, 2] < 0.22) & (right_group != GENERAL_GROUP)
    group1 = np.where(misrouted, GENERAL_GROUP, right_group)
    queue1 = group1 * len(LANGUAGES) + lang
    wait_median = np.where(is_voice, 100.0, 45.0)
    wait1 = np.where(queued, wait_median * load * np.exp(rng.normal(0, 0.9, n)), 0.0)
    abandoned1 = queued & (r[:, 3] < 0.6 * (1 - np.exp(-wait1 / 500.0)))
    agent1_on = queued & ~abandoned1
    transferred = agent1_on & ~is_bot & np.where(misrouted, r[:, 4] < 0.85, r[:, 4] < 0.08)
    queue2 = np.where(misrouted, right_group, ESCALATION_GROUP) * len(LANGUAGES) + lang
    wait2 = np.where(transferred, 60.0 * load * np.exp(rng.normal(0, 0.8, n)), 0.0)
    abandoned2 = transferred & (r[:, 5] < 0.4 * (1 - np.exp(-wait2 / 500.0)))
    agent2_on = transferred & ~abandoned2
    agent1 = (queue1.astype(np.int32) * pool + rng.integers(0, pool, n)).astype(np.int32)
    agent2 = (queue2.astype(np.int32) * pool + rng.integers(0, pool, n)).astype(np.int32)

    logged_in = ((kind == SELF) & (r[:, 6] < 0.5)) | ((is_chat | is_bot) & (r[:, 6] < 0.3))
    ivr_auth = is_voice & (r[:, 7] < 0.55)
    bot_auth = is_bot & ~logged_in & (r[:, 8] < 0.45)
    known_before_agent = ivr_auth | bot_auth | logged_in
    agent1_auth = agent1_on & (r[:, 9] < np.where(known_before_agent, 0.55, 0.85))
    agent2_auth = agent2_on & (r[:, 10] < 0.6)
    n_auth = logged_in.astype(np.int8) + ivr_auth + bot_auth + agent1_auth + agent2_auth

    final_agent = np.where(agent2_on, agent2, np.where(agent1_on, agent1, -1))
    final_empathy = np.where(final_agent >= 0, empathy[np.maximum(final_agent, 0)], 0.0)
    p_agent = 0.80 - 0.9 * difficulty + 0.05 * k + 0.06 * final_empathy
    p_agent = np.where(misrouted & ~transferred, p_agent - 0.25, p_agent)
    resolved = np.select(
        [kind == SELF, is_bot & bot_resolves, queued, kind == EMAIL, kind == MESSAGING],
        [
            r[:, 11] < INTENT_SELF_SERVE[intent],
            np.ones(n, dtype=bool),
            (final_agent >= 0) & ~abandoned2 & (r[:, 12] < p_agent),
            r[:, 12] < 0.62 - 0.7 * difficulty + 0.05 * k,
            r[:, 12] < 0.65 - 0.7 * difficulty + 0.05 * k,
        ],
        default=False,
    )

    # identifiers this contact shows
    has_phone2 = pop.phone2_e164[person] != None  # noqa: E711
    has_work = pop.email_work[person] != None  # noqa: E711
    has_family = pop.email_household[person] != None  # noqa: E711
    has_tablet = pop.household_device[person] != 0
    email_kind = np.select(
        [
            r[:, 13] < 0.05,
            pop.prefers_household_email[person] & (r[:, 13] < 0.8),
            has_family & (r[:, 13] < 0.25),
            has_work & (r[:, 13] < 0.40),
        ],
        [3, 2, 2, 1],
        default=0,
    ).astype(np.int8)
    prechat_email = (is_chat | is_bot) & (r[:, 14] < 0.4)
    email_kind = np.where((kind == EMAIL) | prechat_email, email_kind, -1).astype(np.int8)
    phone_slot = (has_phone2 & (r[:, 15] < 0.2)).astype(np.int8)
    phone_form = rng.integers(0, 4, n).astype(np.int8)
    withheld = is_voice & (r[:, 16] < 0.05)
    sub_channel = np.select(
        [kind == SELF, kind == MESSAGING],
        [
            np.where(r[:, 17] < 0.35, 1, 0),
            np.where((pop.social[person] != None) & (r[:, 17] < 0.5), 8, 7),  # noqa: E711
        ],
        default=-1,
    ).astype(np.int8)
    device_slot = np.where(
        has_tablet & (r[:, 18] < 0.3), 3, (r[:, 19] * pop.n_devices[person]).astype(np.int8)
    ).astype(np.int8)
    private_cookie = r[:, 20] < 0.1
    email_followup = (is_voice | is_chat) & agent1_on & (r[:, 21] < 0.25)

    return {
        "intent": intent,
        "language": lang.astype(np.int8),
        "resolved": resolved,
        "bot_resolves": bot_resolves,
        "bot_handoff": bot_handoff,
        "bot_dropped": bot_dropped,
        "queued": queued,
        "misrouted": misrouted,
        "queue1": queue1.astype(np.int16),
        "queue2": queue2.astype(np.int16),
        "wait1": np.round(wait1, 1),
        "wait2": np.round(wait2, 1),
        "abandoned1": abandoned1,
        "abandoned2": abandoned2,
        "agent1_on": agent1_on,
        "agent2_on": agent2_on,
        "transferred": transferred & agent1_on,
        "agent1": agent1,
        "agent2": agent2,
        "final_agent": final_agent.astype(np.int32),
        "final_empathy": final_empathy,
        "logged_in": logged_in,
        "ivr_auth": ivr_auth,
        "bot_auth": bot_auth,
        "agent1_auth": agent1_auth,
        "agent2_auth": agent2_auth,
        "n_auth": n_auth.astype(np.int8),
        "ivr_depth": (1 + (r[:, 22] < 0.6) + (r[:, 23] < 0.3)).astype(np.int8),
        "email_kind": email_kind,
        "phone_slot": phone_slot,
        "phone_form": phone_form,
        "withheld": withheld,
        "sub_channel": sub_channel,
        "device_slot": device_slot,
        "private_cookie": private_cookie,
        "email_followup": email_followup,
    }


def plan_contacts(
    j: Journeys, pop: Population, clock: WorldClock, rng: np.random.Generator, empathy: np.ndarray
) -> Contacts:
    """Decide every contact of every journey, column by column (at most MAX_CONTACTS)."""
    pool = agents_per_queue(pop.n)
    alive = np.ones(len(j), dtype=bool)
    prev_kind = np.full(len(j), -1, dtype=np.int8)
    prev_abandoned = np.zeros(len(j), dtype=bool)
    prev_dropped = np.zeros(len(j), dtype=bool)
    prev_auth = np.zeros(len(j), dtype=bool)
    columns: list[dict[str, np.ndarray]] = []
    for k in range(MAX_CONTACTS):
        js = np.flatnonzero(alive)
        if len(js) == 0:
            break
        intent = j.intent[js]
        if k == 0:
            probs = FIRST_CONTACT_KIND[intent]
        else:
            pk = prev_kind[js]
            probs = np.where((pk == SELF)[:, None], AFTER_SELF_SERVICE, REPEAT_CONTACT)
            probs = np.where(prev_dropped[js][:, None], AFTER_BOT_DROP, probs)
            retry = np.zeros_like(probs)
            retry[np.arange(len(js)), np.maximum(pk, 0)] = 1.0
            probs = np.where(prev_abandoned[js][:, None], 0.6 * retry + 0.4 * probs, probs)
        kind = _categorical(rng, probs).astype(np.int8)
        d = _decide_contacts(j, js, kind, k, pop, clock, rng, pool, empathy)
        # minutes after self-service, a dropped bot or an abandoned queue; days after an
        # unresolved assisted contact
        same_day = (prev_kind[js] == SELF) | prev_dropped[js] | prev_abandoned[js]
        gap_s = np.where(
            same_day, rng.uniform(60, 3600, len(js)), rng.uniform(0.6, 4.0, len(js)) * 86_400
        )
        d["gap_s"] = np.where(k == 0, 0.0, gap_s)
        # re-identification: asked again inside this contact, or again right after an
        # escalation from a contact where the customer had already identified
        escalated_known = (k > 0) & same_day & prev_auth[js] & (d["n_auth"] > 0)
        d["reidentifications"] = (np.maximum(d["n_auth"] - 1, 0) + escalated_known).astype(np.int8)
        d["journey"] = js.astype(np.int32)
        d["kind"] = kind
        d["index"] = np.full(len(js), k, dtype=np.int8)
        columns.append(d)
        give_up = ~d["resolved"] & (rng.random(len(js)) < 0.12)
        alive[js] = ~d["resolved"] & ~give_up
        prev_kind[js] = kind
        prev_abandoned[js] = d["abandoned1"] | d["abandoned2"]
        prev_dropped[js] = d["bot_dropped"]
        prev_auth[js] = d["n_auth"] > 0
    merged = {name: np.concatenate([c[name] for c in columns]) for name in columns[0]}
    order = np.lexsort((merged["index"], merged["journey"]))
    merged = {name: values[order] for name, values in merged.items()}
    journey = merged.pop("journey")
    return Contacts(
        journey=journey,
        person=j.person[journey],
        index=merged.pop("index"),
        kind=merged.pop("kind"),
        arrays=merged,
    )


def summarize_journeys(j: Journeys, c: Contacts, contact_end_ms: np.ndarray) -> None:
    """Fill the journey-level truth from its contacts (counts, resolution, waits, sentiment)."""
    n = len(j)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(c.journey, weights=values.astype(np.float64), minlength=n)

    contacts = np.bincount(c.journey, minlength=n)
    resolved = total(c["resolved"]) > 0
    first = c.index == 0
    fcr = np.zeros(n, dtype=bool)
    fcr[c.journey[first]] = c["resolved"][first]
    end = np.zeros(n, dtype=np.int64)
    np.maximum.at(end, c.journey, contact_end_ms)
    resolved_at = np.full(n, -1, dtype=np.int64)
    res_rows = np.flatnonzero(c["resolved"])
    resolved_at[c.journey[res_rows]] = contact_end_ms[res_rows]
    wait_s = total(c["wait1"] + c["wait2"])
    reid = total(c["reidentifications"]).astype(np.int16)
    transfers = total(c["transferred"]).astype(np.int16)
    last = np.flatnonzero(np.r_[c.journey[1:] != c.journey[:-1], True])
    last_empathy = np.zeros(n)
    last_empathy[c.journey[last]] = c["final_empathy"][last]
    friction = (
        0.15 * (contacts - 1)
        + 0.15 * reid
        + 0.25 * np.minimum(wait_s / 600.0, 1.5)
        + 0.1 * transfers
    )
    sentiment = np.clip(j.base_mood - friction + 0.25 * resolved, -1.0, 1.0)
    j.arrays.update(
        {
            "contacts": contacts.astype(np.int16),
            "resolved": resolved,
            "first_contact_resolution": fcr,
            "end_ms": end,
            "resolved_at_ms": resolved_at,
            "total_wait_s": np.round(wait_s, 1),
            "reidentifications": reid,
            "transfers": transfers,
            "handoffs": total(c["bot_handoff"]).astype(np.int16),
            "abandons": total(c["abandoned1"] | c["abandoned2"]).astype(np.int16),
            "assisted": total(c.kind != SELF) > 0,
            "last_empathy": last_empathy,
            "friction": friction,
            "sentiment": sentiment,
        }
    )


def contact_friction_before(c: Contacts) -> np.ndarray:
    """Friction the customer carries into each contact from earlier contacts of the journey."""
    own = (
        0.15
        + 0.15 * c["reidentifications"]
        + 0.25 * np.minimum((c["wait1"] + c["wait2"]) / 600.0, 1.5)
        + 0.1 * c["transferred"]
    )
    cum = np.cumsum(own)
    start = np.r_[True, c.journey[1:] != c.journey[:-1]]
    base = np.maximum.accumulate(np.where(start, np.arange(len(cum)), 0))
    before = cum - own - np.where(base > 0, cum[base - 1], 0.0)
    return np.asarray(before)
