"""Events outside the contact programs: browsing, purchases, surveys, refunds, upgrades, churn.

Also the web identity of a visit: which device it came from and which cookie that device held
then (cookies rotate every 30 days, private windows get a fresh one, household members share a
tablet and its cookie).
"""

from __future__ import annotations

import numpy as np

from cxloop.simulate.catalog import (
    AC,
    AK,
    CH,
    COUNTRY_CURRENCY,
    COUNTRY_FX,
    ET,
    INTENTS,
    MS_PER_DAY,
    PG,
    SELF,
    TR,
)
from cxloop.simulate.frame import Frame
from cxloop.simulate.ids import hash_keys
from cxloop.simulate.journeys import Contacts, Journeys, WorldClock
from cxloop.simulate.outcomes import PURCHASE_HEADROOM, Surveys, purchase_keep_probability
from cxloop.simulate.people import Population

COOKIE_LIFETIME_MS = 30 * MS_PER_DAY


def web_identity(
    person: np.ndarray,
    ts_ms: np.ndarray,
    device_slot: np.ndarray,
    private: np.ndarray,
    visit_key: np.ndarray,
    pop: Population,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The device key and cookie key of each visit (both uint64)."""
    slot = np.minimum(device_slot, pop.n_devices[person] - 1)
    own = pop.device_keys[person, np.clip(slot, 0, pop.device_keys.shape[1] - 1)]
    device = np.where(device_slot == 3, pop.household_device[person], own)
    device = np.where(device == 0, own, device)
    phase = (device % np.uint64(COOKIE_LIFETIME_MS)).astype(np.int64)
    period = (ts_ms + phase) // COOKIE_LIFETIME_MS
    cookie = hash_keys(seed, 30, device.view(np.int64), period)
    cookie = np.where(private, hash_keys(seed, 31, visit_key.view(np.int64)), cookie)
    return device, cookie


def _visit_devices(
    person: np.ndarray, pop: Population, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n = len(person)
    has_tablet = pop.household_device[person] != 0
    slot = np.where(
        has_tablet & (rng.random(n) < 0.3),
        3,
        (rng.random(n) * pop.n_devices[person]).astype(np.int8),
    ).astype(np.int8)
    return slot, rng.random(n) < 0.1


def browsing_frame(
    pop: Population, clock: WorldClock, rng: np.random.Generator, seed: int
) -> Frame:
    """Anonymous browsing sessions: 1–5 page views with only a cookie (or the app's device)."""
    sessions = rng.poisson(pop.browse_rate)
    person = np.repeat(np.arange(pop.n, dtype=np.int32), sessions)
    s = len(person)
    start = clock.start_ms + (rng.random(s) * clock.days * MS_PER_DAY).astype(np.int64)
    pages = rng.integers(1, 6, s)
    key = hash_keys(seed, 32, np.arange(s))
    app = rng.random(s) < 0.3
    slot, private = _visit_devices(person, pop, rng)
    device, cookie = web_identity(person, start, slot, private, key, pop, seed)
    e = np.repeat(np.arange(s), pages)
    step = np.arange(len(e)) - np.repeat(np.cumsum(pages) - pages, pages)
    ts = start[e] + step * (rng.uniform(10, 120, len(e)) * 1000).astype(np.int64)
    page_choices = np.array(
        [PG[p] for p in ("/", "/products", "/plans", "/help", "/account", "/orders", "/billing")]
    )
    return {
        "person": person[e],
        "ts_ms": ts,
        "etype": np.full(len(e), ET["page_view"]),
        "channel": np.where(app[e], CH["app"], CH["web"]),
        "actor": np.full(len(e), AC["customer"]),
        "session": key[e],
        "id_cookie": np.where(app[e], np.uint64(0), cookie[e]),
        "id_device": np.where(app[e], device[e], np.uint64(0)),
        "attr_kind": np.full(len(e), AK["page"]),
        "a_i1": page_choices[rng.integers(0, len(page_choices), len(e))],
        "lang": pop.language[person[e]],
    }


def purchase_frame(
    pop: Population, j: Journeys, clock: WorldClock, rng: np.random.Generator, seed: int
) -> Frame:
    """Purchases (web/app sessions with login and checkout, or in store with a loyalty id),
    thinned after poor journeys (see :func:`cxloop.simulate.outcomes.purchase_keep_probability`)."""
    rate = pop.purchase_rate * clock.days / 30.0 * PURCHASE_HEADROOM
    count = rng.poisson(rate)
    person = np.repeat(np.arange(pop.n, dtype=np.int32), count)
    ts = clock.start_ms + (rng.random(len(person)) * clock.days * MS_PER_DAY).astype(np.int64)
    keep = rng.random(len(person)) < purchase_keep_probability(j, pop.tier, person, ts)
    person, ts = person[keep], ts[keep]
    p = len(person)
    store_only = pop.journey_rate[person] == 0
    where = np.where(store_only, 2, rng.choice(3, size=p, p=[0.45, 0.25, 0.30]))
    value = np.round(
        pop.value_scale[person] * np.exp(rng.normal(0, 0.5, p)) * COUNTRY_FX[pop.country[person]], 2
    )
    order_no = (hash_keys(seed, 33, np.arange(p)) % np.uint64(90_000_000)).astype(np.int64)
    key = hash_keys(seed, 34, np.arange(p))
    slot, private = _visit_devices(person, pop, rng)
    device, cookie = web_identity(person, ts, slot, private, key, pop, seed)
    online = where < 2
    receipt = rng.random(p) < 0.5
    # online purchases: product page, checkout, login, purchase — in one session
    n_steps = np.where(online, 4, 1)
    e = np.repeat(np.arange(p), n_steps)
    step = np.arange(len(e)) - np.repeat(np.cumsum(n_steps) - n_steps, n_steps)
    last = step == n_steps[e] - 1
    offset = step * (rng.uniform(20, 90, len(e)) * 1000).astype(np.int64)
    etype = np.where(
        last,
        ET["purchase"],
        np.array([ET["page_view"], ET["page_view"], ET["login"], ET["purchase"]])[step],
    )
    channel = np.select([where[e] == 0, where[e] == 1], [CH["web"], CH["app"]], CH["store"])
    web = where[e] == 0
    app = where[e] == 1
    attr = np.where(last, AK["purchase"], np.where(step == 2, AK["login"], AK["page"]))
    return {
        "person": person[e],
        "ts_ms": ts[e] + offset,
        "etype": etype,
        "channel": channel,
        "actor": np.full(len(e), AC["customer"]),
        "session": np.where(online[e], key[e], np.uint64(0)),
        "id_cookie": np.where(web, cookie[e], np.uint64(0)),
        "id_device": np.where(app, device[e], np.uint64(0)),
        "id_customer": last | (step == 2),
        # the order confirmation goes to the account's email (shared by some households)
        "id_email": np.where(
            last & online[e] & receipt[e],
            np.where(pop.prefers_household_email[person[e]], 2, 0),
            -1,
        ),
        "id_account": last & (where[e] == 2) & (rng.random(len(e)) < 0.3),
        "value": np.where(last, value[e], np.nan),
        "currency": np.where(last, COUNTRY_CURRENCY[pop.country[person[e]]], -1),
        "attr_kind": attr,
        "a_i1": np.where(
            last, rng.integers(1, 5, len(e)), np.where(step == 0, PG["/products"], PG["/checkout"])
        ),
        "a_i2": np.where(last, order_no[e], -1),
        "lang": pop.language[person[e]],
    }


def survey_frame(s: Surveys, j: Journeys, c: Contacts, pop: Population) -> Frame:
    """Answered surveys, linked to the journey's last assisted conversation."""
    n = len(s.journey)
    assisted = c.kind != SELF
    last_conv = np.zeros(len(j), dtype=np.uint64)
    rows = np.flatnonzero(assisted)
    last_conv[c.journey[rows]] = c["conv_key"][rows]  # contacts are in order: last one wins
    person = j.person[s.journey]
    family = pop.prefers_household_email[person]
    return {
        "person": person,
        "journey": s.journey,
        "intent": j.intent[s.journey],
        "lang": j.language[s.journey],
        "resolved": j["resolved"][s.journey],
        "ts_ms": s.ts_ms,
        "channel": np.full(n, CH["survey"]),
        "etype": np.full(n, ET["survey_response"]),
        "actor": np.full(n, AC["customer"]),
        "conv": last_conv[s.journey],
        "id_email": np.where(s.by_email, np.where(family & s.household_email, 2, 0), -1),
        "id_customer": ~s.by_email,
        "csat": s.csat,
        "nps": s.nps,
        "ces": s.ces,
        "attr_kind": np.full(n, AK["survey"]),
        "a_i1": 1 + (s.nps >= 0) + (s.ces >= 0),
        "a_i2": np.where(j["assisted"][s.journey], 0, 1),
        "text_role": np.where(s.verbatim, TR["survey_verbatim"], -1),
        "contact_index": np.full(n, -1),
    }


def journey_outcome_frame(
    j: Journeys, pop: Population, rng: np.random.Generator, seed: int
) -> Frame:
    """Money that moves because a journey was resolved: plan upgrades and refunds."""
    upgrade = j["resolved"] & (j.intent == INTENTS.index("plan_upgrade"))
    refund = j["resolved"] & (j.intent == INTENTS.index("refund"))
    rows = np.flatnonzero(upgrade | refund)
    n = len(rows)
    person = j.person[rows]
    is_upgrade = upgrade[rows]
    fx = COUNTRY_FX[pop.country[person]]
    value = np.round(
        np.where(
            is_upgrade,
            rng.choice([10.0, 20.0, 35.0], n),
            pop.value_scale[person] * np.exp(rng.normal(0, 0.4, n)),
        )
        * fx,
        2,
    )
    return {
        "person": person,
        "journey": rows.astype(np.int32),
        "intent": j.intent[rows],
        "lang": j.language[rows],
        "resolved": np.ones(n, dtype=bool),
        "ts_ms": j["end_ms"][rows] + (rng.uniform(60, 3600, n) * 1000).astype(np.int64),
        "channel": np.full(n, CH["other"]),
        "etype": np.where(is_upgrade, ET["purchase"], ET["refund"]),
        "actor": np.full(n, AC["system"]),
        "id_customer": np.ones(n, dtype=bool),
        "value": value,
        "currency": COUNTRY_CURRENCY[pop.country[person]],
        "attr_kind": np.where(is_upgrade, AK["purchase"], AK["none"]),
        "a_i1": np.where(is_upgrade, 1, -1),
        "a_i2": (hash_keys(seed, 35, rows) % np.uint64(90_000_000)).astype(np.int64),
    }


def churn_frame(
    churn_ms: np.ndarray,
    cause: np.ndarray,
    j: Journeys,
    pop: Population,
    clock: WorldClock,
    rng: np.random.Generator,
) -> Frame:
    """A ``churn`` event (channel other, actor system) for everyone who leaves inside the span."""
    person = np.flatnonzero((churn_ms >= 0) & (churn_ms < clock.end_ms)).astype(np.int32)
    n = len(person)
    cancel = (cause[person] >= 0) & (
        j.intent[np.maximum(cause[person], 0)] == INTENTS.index("cancel_service")
    )
    reason = np.where(cancel, 0, rng.choice(3, size=n, p=[0.5, 0.35, 0.15]))
    return {
        "person": person,
        "ts_ms": churn_ms[person],
        "channel": np.full(n, CH["other"]),
        "etype": np.full(n, ET["churn"]),
        "actor": np.full(n, AC["system"]),
        "id_customer": np.ones(n, dtype=bool),
        "attr_kind": np.full(n, AK["churn"]),
        "a_i1": reason,
        "lang": pop.language[person],
    }
