"""The ground-truth files under ``truth/`` — never read by the pipeline, only by tests and
evaluations: who is who (identities, CRM records), what each journey was, what each text
means, and the planted drivers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxloop.simulate.catalog import (
    ACTORS_USED,
    CHANNELS_USED,
    CONTACT_KINDS,
    COUNTRY_CODES,
    COUNTRY_CURRENCY,
    CURRENCIES,
    ET,
    EVENT_TYPES_USED,
    INTENTS,
    LANGUAGES,
    MS_PER_DAY,
    SEGMENTS,
    TEXT_ROLES,
    TIERS,
    queue_names,
)
from cxloop.simulate.frame import Frame
from cxloop.simulate.journeys import Contacts, Journeys
from cxloop.simulate.people import Population
from cxloop.simulate.text import EFFORT_TYPES, PII_TYPES, SENTIMENT_LABELS, TextTruth
from cxloop.simulate.writer import copy_csv

EMAIL_KINDS = ("primary", "work", "household_shared", "typo")

_IDENTITIES_SQL = """
WITH ev AS (
  -- an event ties its identifiers together when it shows two or more
  SELECT *, (i_customer IS NOT NULL)::INT + (i_account IS NOT NULL)::INT
            + (i_email IS NOT NULL)::INT + (phone_e164 IS NOT NULL)::INT
            + (i_cookie IS NOT NULL)::INT + (i_device IS NOT NULL)::INT
            + (i_social IS NOT NULL)::INT >= 2 AS tied
  FROM events
), ids AS (
  SELECT 'customer_id:' || i_customer AS identifier, 'customer_id' AS id_type, person,
         'customer_id' AS kind, 'events' AS src, tied FROM ev WHERE i_customer IS NOT NULL
  UNION ALL SELECT 'account:' || i_account, 'account', person, 'billing_account', 'events', tied
    FROM ev WHERE i_account IS NOT NULL
  UNION ALL SELECT 'email:' || lower(trim(i_email)), 'email', person,
         $email_kinds[email_kind + 1], 'events', tied FROM ev WHERE i_email IS NOT NULL
  UNION ALL SELECT 'phone:' || phone_e164, 'phone', person, 'phone', 'events', tied
    FROM ev WHERE phone_e164 IS NOT NULL
  UNION ALL SELECT 'cookie:ck_' || printf('%016x', i_cookie), 'cookie', person, 'cookie',
         'events', tied FROM ev WHERE i_cookie IS NOT NULL
  UNION ALL SELECT 'device:dev_' || printf('%016x', i_device), 'device', person, 'device',
         'events', tied FROM ev WHERE i_device IS NOT NULL
  UNION ALL SELECT 'social:' || i_social, 'social', person, 'social', 'events', tied
    FROM ev WHERE i_social IS NOT NULL
  UNION ALL SELECT identifier, id_type, person, kind, 'crm', tied FROM crm_ids
), grouped AS (
  SELECT identifier, id_type, person, min(kind) AS kind, bool_or(src = 'events') AS in_events,
         bool_or(src = 'crm') AS in_crm, bool_or(tied) AS linkable
  FROM ids GROUP BY identifier, id_type, person
)
SELECT identifier, id_type, 'P' || lpad(person::VARCHAR, 7, '0') AS person_id, kind,
       count(*) OVER (PARTITION BY identifier) > 1 AS shared, in_events, in_crm, linkable
FROM grouped ORDER BY identifier, person_id
"""

_JOURNEY_EVENTS_SQL = """
SELECT 'evt_' || printf('%016x', event_key) AS event_id,
       'J' || lpad(journey::VARCHAR, 7, '0') AS journey_id, * EXCLUDE (event_key, journey)
FROM journey_events
"""

_MESSAGES_SQL = """
SELECT 'evt_' || printf('%016x', event_key) AS event_id,
       'P' || lpad(person::VARCHAR, 7, '0') AS person_id,
       'J' || lpad(journey::VARCHAR, 7, '0') AS journey_id,
       * EXCLUDE (event_key, ts_ms, person, journey)
FROM messages
"""


def _iso(ms: np.ndarray) -> pa.Array:
    """ISO-8601 UTC strings (``2025-03-01T10:00:00.123Z``), null where ``ms`` < 0."""
    missing = ms < 0
    stamps = pa.array(np.where(missing, 0, ms).astype("datetime64[ms]"), mask=missing)
    text = pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%S")
    return pc.binary_join_element_wise(text, "Z", "")


def journey_facts(
    j: Journeys,
    keep: np.ndarray,
    c: Contacts,
    frame: Frame,
    churn_ms: np.ndarray,
    churn_cause: np.ndarray,
) -> pa.Table:
    """One row per journey that happened (journeys after a customer left are not in it)."""
    rows = np.flatnonzero(keep)
    surveyed = frame["etype"] == ET["survey_response"]
    csat = np.full(len(j), -1, dtype=np.int16)
    nps = np.full(len(j), -1, dtype=np.int16)
    ces = np.full(len(j), -1, dtype=np.int16)
    js = frame["journey"][surveyed]
    csat[js], nps[js], ces[js] = (
        frame["csat"][surveyed],
        frame["nps"][surveyed],
        frame["ces"][surveyed],
    )
    path = (
        pd.DataFrame({"journey": c.journey, "kind": np.array(CONTACT_KINDS)[c.kind]})
        .groupby("journey", sort=True)["kind"]
        .agg(">".join)
    )
    channel_path = np.full(len(j), "", dtype=object)
    channel_path[path.index.to_numpy()] = path.to_numpy()
    person_churn = churn_ms[j.person]
    churn_90 = (person_churn > j["end_ms"]) & (person_churn <= j["end_ms"] + 90 * MS_PER_DAY)
    ttr = np.where(j["resolved_at_ms"] >= 0, (j["resolved_at_ms"] - j.start_ms) / 1000.0, np.nan)
    caused = churn_cause[j.person] == np.arange(len(j))
    table = {
        "journey": rows,
        "journey_id": ["J" + str(x).zfill(7) for x in rows],
        "person_id": ["P" + str(x).zfill(7) for x in j.person[rows]],
        "intent": np.array(INTENTS)[j.intent[rows]],
        "language": np.array(LANGUAGES)[j.language[rows]],
        "started_at": _iso(j.start_ms[rows]),
        "ended_at": _iso(j["end_ms"][rows]),
        "contacts": j["contacts"][rows],
        "channel_path": channel_path[rows],
        "resolved": j["resolved"][rows],
        "first_contact_resolution": j["first_contact_resolution"][rows],
        "reidentifications": j["reidentifications"][rows],
        "transfers": j["transfers"][rows],
        "bot_handoffs": j["handoffs"][rows],
        "abandons": j["abandons"][rows],
        "total_wait_s": j["total_wait_s"][rows],
        "time_to_resolution_s": pa.array(ttr[rows], mask=np.isnan(ttr[rows])),
        "sentiment": np.round(j["sentiment"][rows], 3),
        "last_agent_empathy": np.round(j["last_empathy"][rows], 3),
        "surveyed": csat[rows] > 0,
        "csat": pa.array(csat[rows], mask=csat[rows] < 0),
        "nps": pa.array(nps[rows], mask=nps[rows] < 0),
        "ces": pa.array(ces[rows], mask=ces[rows] < 0),
        "churn_within_90d": churn_90[rows],
        "churn_caused_by_journey": caused[rows],
    }
    return pa.table(table)


def journey_events_table(frame: Frame, event_key: np.ndarray, facts: pa.Table) -> pa.Table:
    """One row per event of a journey (in feed order) with that journey's truth."""
    rows = np.flatnonzero(frame["journey"] >= 0)
    journey = frame["journey"][rows]
    position = np.full(int(journey.max(initial=0)) + 1, -1, dtype=np.int64)
    position[facts.column("journey").to_numpy()] = np.arange(facts.num_rows)
    at = pa.array(position[journey])
    columns = {"event_key": event_key[rows], "journey": journey}
    for name in (
        "person_id",
        "intent",
        "resolved",
        "contacts",
        "first_contact_resolution",
        "reidentifications",
        "transfers",
        "total_wait_s",
        "time_to_resolution_s",
    ):
        columns[name] = facts.column(name).take(at)
    columns["contact_number"] = pa.array(
        frame["contact_index"][rows] + 1, mask=frame["contact_index"][rows] < 0
    )
    columns["channel"] = np.array(CHANNELS_USED)[frame["channel"][rows]]
    columns["type"] = np.array(EVENT_TYPES_USED)[frame["etype"][rows]]
    return pa.table(columns)


def messages_table(frame: Frame, event_key: np.ndarray, truth: TextTruth) -> pa.Table:
    """One row per event with text: language, intent, true sentiment, PII, effort."""
    r = truth.rows
    intent = frame["intent"][r]
    return pa.table(
        {
            "event_key": event_key[r],
            "ts_ms": frame["ts_ms"][r],
            "person": frame["person"][r],
            "journey": pa.array(frame["journey"][r], mask=frame["journey"][r] < 0),
            "language": np.array(LANGUAGES)[frame["lang"][r]],
            "intent": pa.array(np.array(INTENTS)[np.maximum(intent, 0)], mask=intent < 0),
            "actor": np.array(ACTORS_USED)[frame["actor"][r]],
            "role": np.array(TEXT_ROLES)[frame["text_role"][r]],
            "sentiment": np.array(SENTIMENT_LABELS)[truth.sentiment],
            "sentiment_score": truth.sentiment_score,
            "contains_pii": truth.pii >= 0,
            "pii_type": pa.array(np.array(PII_TYPES)[np.maximum(truth.pii, 0)], mask=truth.pii < 0),
            "effort": truth.effort >= 0,
            "effort_type": pa.array(
                np.array(EFFORT_TYPES)[np.maximum(truth.effort, 0)], mask=truth.effort < 0
            ),
        }
    )


def crm_identifiers(crm: pd.DataFrame, person: np.ndarray, pop: Population) -> pa.Table:
    """Typed identifiers found in CRM records (normalized as the pipeline will store them), and
    whether the records tie them to another identifier of the person (``tied``): the record
    holds two or more, or the person has another record (records of one person match on name,
    birth date and address)."""
    email = crm["email"].to_numpy(dtype=object)
    phone = crm["phone"].to_numpy(dtype=object)
    cid = crm["customer_id"].to_numpy(dtype=object)
    has_e, has_p, has_c = email != None, phone != None, cid != None  # noqa: E711
    records = np.bincount(person, minlength=pop.n)[person]
    tied = ((has_e.astype(int) + has_p + has_c) >= 2) | (records >= 2)
    typo = has_e & (np.char.lower(email.astype(str)) == pop.email_typo[person].astype(str))
    kinds = np.where(
        typo,
        "typo",
        np.where(
            np.char.lower(email.astype(str)) == pop.email[person].astype(str), "primary", "work"
        ),
    )
    parts = [
        pd.DataFrame(
            {
                "identifier": "email:" + np.char.lower(email[has_e].astype(str)).astype(object),
                "id_type": "email",
                "person": person[has_e],
                "kind": kinds[has_e],
                "tied": tied[has_e],
            }
        ),
        pd.DataFrame(
            {
                "identifier": "phone:" + pop.phone_e164[person[has_p]],
                "id_type": "phone",
                "person": person[has_p],
                "kind": "phone",
                "tied": tied[has_p],
            }
        ),
        pd.DataFrame(
            {
                "identifier": "customer_id:" + cid[has_c],
                "id_type": "customer_id",
                "person": person[has_c],
                "kind": "customer_id",
                "tied": tied[has_c],
            }
        ),
    ]
    return pa.Table.from_pandas(pd.concat(parts, ignore_index=True), preserve_index=False)


def people_table(
    pop: Population,
    frame: Frame,
    journeys_per_person: np.ndarray,
    churn_ms: np.ndarray,
    end_ms: int,
) -> pa.Table:
    """One row per person: who they are, and what they did (journeys, purchases, churn)."""
    purchase = (frame["etype"] == ET["purchase"]) & ~np.isnan(frame["value"])
    spend = np.bincount(
        frame["person"][purchase], weights=frame["value"][purchase], minlength=pop.n
    )
    count = np.bincount(frame["person"][purchase], minlength=pop.n)
    observed = (churn_ms >= 0) & (churn_ms < end_ms)
    return pa.table(
        {
            "person_id": ["P" + str(x).zfill(7) for x in range(pop.n)],
            "customer_id": pop.customer_id.astype(str),
            "country": np.array(COUNTRY_CODES)[pop.country],
            "language": np.array(LANGUAGES)[pop.language],
            "tier": np.array(TIERS)[pop.tier],
            "segment": np.array(SEGMENTS)[pop.segment],
            "household_id": pa.array(pop.household, mask=pop.household < 0),
            "journeys": journeys_per_person,
            "purchases": count,
            "purchase_value": np.round(spend, 2),
            "currency": np.array(CURRENCIES)[COUNTRY_CURRENCY[pop.country]],
            "churned_at": _iso(np.where(observed, churn_ms, -1)),
        }
    )


def agents_table(empathy: np.ndarray, pool: int) -> pa.Table:
    """Every agent, the queue they staff and their latent empathy (touchpoint driver)."""
    idx = np.arange(len(empathy))
    return pa.table(
        {
            "agent_id": ["A" + str(x).zfill(5) for x in idx],
            "queue": np.array(queue_names())[idx // pool],
            "empathy": np.round(empathy, 3),
        }
    )


def write_truth(
    con: duckdb.DuckDBPyConnection,
    truth_dir: Path,
    tables: dict[str, pa.Table],
    drivers: dict[str, Any],
) -> dict[str, int]:
    """Write every truth file; returns rows per file."""
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        con.register(name, table)
    counts = {
        "identities.csv": copy_csv(
            con, _IDENTITIES_SQL, truth_dir / "identities.csv", {"email_kinds": list(EMAIL_KINDS)}
        ),
        "crm_truth.csv": copy_csv(
            con,
            "SELECT record_id, source_system, 'P' || "
            "lpad(person::VARCHAR, 7, '0') AS person_id FROM crm_truth "
            "ORDER BY record_id",
            truth_dir / "crm_truth.csv",
        ),
        "journeys.csv": copy_csv(con, _JOURNEY_EVENTS_SQL, truth_dir / "journeys.csv"),
        "journey_facts.csv": copy_csv(
            con,
            "SELECT * EXCLUDE (journey) FROM journey_facts ORDER BY journey",
            truth_dir / "journey_facts.csv",
        ),
        "messages.csv": copy_csv(con, _MESSAGES_SQL, truth_dir / "messages.csv"),
        "people.csv": copy_csv(
            con, "SELECT * FROM people ORDER BY person_id", truth_dir / "people.csv"
        ),
        "agents.csv": copy_csv(
            con, "SELECT * FROM agents ORDER BY agent_id", truth_dir / "agents.csv"
        ),
    }
    (truth_dir / "drivers.json").write_text(json.dumps(drivers, indent=2) + "\n")
    return counts
