"""The journey-facts frame every insight reads, and adapters that produce it.

Every analysis in :mod:`cxloop.insights` is a function over one pandas frame with one row per
journey and the columns of :data:`JOURNEY_FACT_COLUMNS` (docs/insights.md). Two adapters fill
it: :func:`read_store_journey_facts` maps the journeys component's stored table, and
:func:`read_truth_journey_facts` maps the simulator's ``truth/journey_facts.csv`` (used to check
that the analyses recover the planted drivers).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

JOURNEY_FACT_COLUMNS: dict[str, str] = {
    "journey_id": "unique journey key (text)",
    "customer_id": "who made the journey (profile or customer key, text)",
    "journey_type": "what the journey was about (intent or rule label)",
    "started_at": "first event of the journey (UTC timestamp)",
    "ended_at": "last event of the journey (UTC timestamp)",
    "contacts": "contacts (conversations or sessions) in the journey, ≥ 1",
    "resolved": "1 if the journey ended resolved, else 0",
    "first_contact_resolution": "1 if the first contact resolved the need",
    "reidentifications": "times the customer had to identify again",
    "transfers": "agent-to-agent transfers",
    "bot_handoffs": "bot-to-human handoffs",
    "abandons": "queue abandonments",
    "channel_switches": "changes of channel between consecutive contacts",
    "wait_s": "total queue wait, seconds",
    "handle_s": "total agent handle time, seconds (null when unknown)",
    "time_to_resolution_s": "first event to the end of the resolving contact (null: unresolved)",
    "sentiment": "journey sentiment in [-1, 1] (null when unknown)",
    "agent_empathy": "empathy of the last agent (touchpoint level; null when unknown)",
    "premium": "1 for premium-tier customers (null when unknown)",
    "csat": "CSAT 1–5 of the journey's survey (null: not asked)",
    "nps": "NPS answer 0–10 (null: not asked)",
    "ces": "CES 1–7, 7 = very easy (null: not asked)",
    "surveyed": "1 if the journey has a survey answer",
    "churned_90d": "1 if the customer churned within 90 days after the journey",
    "purchase_value_90d": "spend in the 90 days after the journey (null when unknown)",
}
"""The documented columns of a journey-facts frame."""

REQUIRED_COLUMNS = (
    "journey_id",
    "customer_id",
    "journey_type",
    "started_at",
    "contacts",
    "resolved",
    "reidentifications",
    "wait_s",
    "churned_90d",
)
_INT_COLUMNS = (
    "contacts",
    "resolved",
    "first_contact_resolution",
    "reidentifications",
    "transfers",
    "bot_handoffs",
    "abandons",
    "channel_switches",
    "surveyed",
    "churned_90d",
)
_FLOAT_COLUMNS = (
    "wait_s",
    "handle_s",
    "time_to_resolution_s",
    "sentiment",
    "agent_empathy",
    "premium",
    "csat",
    "nps",
    "ces",
    "purchase_value_90d",
)

STORE_COLUMN_MAP: dict[str, str] = {
    "profile_id": "customer_id",
    "queue_wait_s": "wait_s",
    "handoffs": "bot_handoffs",
    "churned_90d": "churned_90d",
}
"""How the journeys component's stored columns map onto :data:`JOURNEY_FACT_COLUMNS`."""

STORE_TABLE = "journeys"
"""The journeys component's table of journey facts (``cxloop journeys build``)."""
STORE_EVENT_MAP_TABLE = "journey_events"
"""Its ``event_id → journey_id`` table."""


class JourneyFactsError(ValueError):
    """A journey-facts frame lacks a column or holds values the analyses cannot use."""


def normalize_journey_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the required columns, add missing optional ones as null, fix the dtypes.

    Raises:
        JourneyFactsError: naming every missing required column.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise JourneyFactsError(
            "journey facts lack required column(s) "
            + ", ".join(missing)
            + "; see JOURNEY_FACT_COLUMNS in cxloop.insights.facts (docs/insights.md)"
        )
    out = frame.copy()
    for name in JOURNEY_FACT_COLUMNS:
        if name not in out.columns:
            out[name] = np.nan
    for name in _INT_COLUMNS:
        values = pd.to_numeric(out[name].map(_as_number), errors="coerce")
        out[name] = values.fillna(0).astype(np.int64)
    for name in _FLOAT_COLUMNS:
        out[name] = pd.to_numeric(out[name].map(_as_number), errors="coerce").astype(np.float64)
    for name in ("started_at", "ended_at"):
        out[name] = pd.to_datetime(out[name], utc=True, format="ISO8601")
    for name in ("journey_id", "customer_id", "journey_type"):
        out[name] = out[name].astype("string").fillna("unknown")
    if out["surveyed"].sum() == 0:
        out["surveyed"] = out[["csat", "nps", "ces"]].notna().any(axis=1).astype(np.int64)
    if (out["contacts"] < 1).any():
        raise JourneyFactsError("journey facts: contacts must be ≥ 1 on every journey")
    return out[list(JOURNEY_FACT_COLUMNS)].reset_index(drop=True)


def _as_number(value: Any) -> Any:
    """Booleans as text (``"true"``) become 1/0; everything else passes through."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return 1 if lowered == "true" else 0
    if isinstance(value, bool | np.bool_):
        return int(value)
    return value


def channel_switches(paths: pd.Series[Any]) -> pd.Series[Any]:
    """Changes of channel between consecutive contacts in ``a>b>c`` channel paths."""
    parts = paths.fillna("").astype(str).str.split(">")
    return parts.map(lambda p: sum(1 for a, b in itertools.pairwise(p) if a != b))


def read_truth_journey_facts(
    world_dir: str | Path,
    *,
    purchases: pd.DataFrame | None = None,
    churn_label: str = "observed",
) -> pd.DataFrame:
    """The simulator's ``truth/journey_facts.csv`` as a journey-facts frame.

    Args:
        world_dir: the world folder written by ``cxloop simulate``.
        purchases: optional purchase events (``customer_id``, ``occurred_at``, ``value``) keyed
            by the world's customer numbers; fills ``purchase_value_90d``.
    """
    truth = Path(world_dir) / "truth"
    raw = pd.read_csv(truth / "journey_facts.csv")
    people = pd.read_csv(truth / "people.csv", usecols=["person_id", "customer_id", "tier"])
    raw = raw.merge(people, on="person_id", how="left")
    frame = pd.DataFrame(
        {
            "journey_id": raw["journey_id"],
            "customer_id": raw["customer_id"],
            "journey_type": raw["intent"],
            "started_at": raw["started_at"],
            "ended_at": raw["ended_at"],
            "contacts": raw["contacts"],
            "resolved": raw["resolved"],
            "first_contact_resolution": raw["first_contact_resolution"],
            "reidentifications": raw["reidentifications"],
            "transfers": raw["transfers"],
            "bot_handoffs": raw["bot_handoffs"],
            "abandons": raw["abandons"],
            "channel_switches": channel_switches(raw["channel_path"]),
            "wait_s": raw["total_wait_s"],
            "time_to_resolution_s": raw["time_to_resolution_s"],
            "sentiment": raw["sentiment"],
            "agent_empathy": raw["last_agent_empathy"],
            "premium": (raw["tier"] == "premium").astype(np.float64),
            "csat": raw["csat"],
            "nps": raw["nps"],
            "ces": raw["ces"],
            "surveyed": raw["surveyed"],
            "churned_90d": raw[
                "churn_within_90d" if churn_label == "observed" else "churn_caused_by_journey"
            ],
        }
    )
    out = normalize_journey_facts(frame)
    if purchases is not None:
        out["purchase_value_90d"] = spend_after(out, purchases, days=90)
    return out


def read_store_journey_facts(store: Any, *, table: str = STORE_TABLE) -> pd.DataFrame:
    """The journeys component's stored journey facts as a journey-facts frame.

    Columns are renamed by :data:`STORE_COLUMN_MAP`; ``sentiment`` falls back to the sentiment
    of the journey's last contact (``sentiment_end``), ``surveyed`` to ``surveys > 0``.

    Raises:
        JourneyFactsError: the store holds no journey facts yet (run ``cxloop journeys build``).
    """
    backend = store.ibis()
    if table not in backend.list_tables():
        raise JourneyFactsError(
            f"the store {store.url} holds no {table!r} table yet; build journeys first "
            "(cxloop journeys build) or pass --world to read a simulated world's truth"
        )
    raw = backend.table(table).to_pandas()
    raw = raw.rename(columns={k: v for k, v in STORE_COLUMN_MAP.items() if k in raw.columns})
    if "sentiment" not in raw.columns:
        for candidate in ("sentiment_mean", "sentiment_end", "sentiment_start"):
            if candidate in raw.columns:
                raw["sentiment"] = raw[candidate]
                break
    if "surveyed" not in raw.columns and "surveys" in raw.columns:
        raw["surveyed"] = (pd.to_numeric(raw["surveys"], errors="coerce") > 0).astype(int)
    if "channel_switches" not in raw.columns and "channel_path" in raw.columns:
        raw["channel_switches"] = channel_switches(raw["channel_path"])
    return normalize_journey_facts(raw)


def spend_after(facts: pd.DataFrame, purchases: pd.DataFrame, *, days: float) -> pd.Series[Any]:
    """Each journey's customer's spend in ``(ended_at, ended_at + days]``, vectorized.

    Purchases are sorted by (customer, time) with a running sum; each journey's window is found
    by binary search on one composite key, so the cost is O((J + P) log P).
    """
    codes, _uniques = pd.factorize(
        pd.concat([facts["customer_id"].astype(str), purchases["customer_id"].astype(str)])
    )
    journey_code = codes[: len(facts)].astype(np.int64)
    purchase_code = codes[len(facts) :].astype(np.int64)
    scale = np.int64(10**13)  # ms since 1970 stay below 10^13 until the year 2286
    p_key = purchase_code * scale + _epoch_ms(purchases["occurred_at"])
    order = np.argsort(p_key, kind="stable")
    p_key = p_key[order]
    running = np.concatenate(
        [[0.0], np.cumsum(purchases["value"].to_numpy(dtype=np.float64)[order])]
    )
    end_ms = _epoch_ms(facts["ended_at"])
    lo = np.searchsorted(p_key, journey_code * scale + end_ms, side="right")
    hi = np.searchsorted(
        p_key, journey_code * scale + end_ms + int(days * 86_400_000), side="right"
    )
    return pd.Series(running[hi] - running[lo], index=facts.index, name="purchase_value_90d")


def _epoch_ms(values: pd.Series[Any]) -> np.ndarray:
    """Milliseconds since 1970 whatever the stored time unit (ns, us, ms)."""
    when = pd.to_datetime(values, utc=True)
    delta = when - pd.Timestamp("1970-01-01", tz="UTC")
    ms: np.ndarray = (delta // pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.int64)
    return ms


def store_purchases(
    store: Any, *, fx_to_usd: dict[str, float] | None = None, key: str = "customer_id"
) -> pd.DataFrame:
    """Purchase events as ``customer_id, occurred_at, value``, keyed the way the journey facts
    are: ``key="customer_id"`` takes the event's ``customer_id`` identifier (the simulator's
    truth facts), ``key="profile_id"`` the profile identity resolution gave the event (the
    stored journeys, so a journey's customer and its purchases are the same person).

    Amounts are converted to one currency with ``fx_to_usd`` (see :data:`FX_TO_USD`).
    """
    rates = FX_TO_USD if fx_to_usd is None else fx_to_usd
    t = store.ibis().table("events")
    p = t.filter((t.type == "purchase") & t.value.notnull())
    if key == "profile_id":
        from cxloop.identity import event_profiles

        profiles = event_profiles(store)
        joined = p.inner_join(profiles, p.event_id == profiles.event_id)
        selected = joined.select(
            customer_id=joined.profile_id,
            occurred_at=joined.occurred_at,
            value=joined.value,
            currency=joined.currency,
        )
    elif key == "customer_id":
        ident = p.identifiers.unnest()
        p = p.select("occurred_at", "value", "currency", ident=ident)
        p = p.filter(p.ident.startswith("customer_id:"))
        selected = p.select(
            customer_id=p.ident.substr(len("customer_id:")),
            occurred_at=p.occurred_at,
            value=p.value,
            currency=p.currency,
        )
    else:
        raise ValueError(f"purchases are keyed by customer_id or profile_id, not {key!r}")
    frame = selected.to_pandas()
    rate = frame["currency"].map(rates).fillna(1.0)
    frame["value"] = frame["value"].astype(np.float64) * rate
    return frame[["customer_id", "occurred_at", "value"]]


FX_TO_USD: dict[str, float] = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "MXN": 0.055}
"""Fixed conversion rates to one reporting currency (override per call); documented in
docs/insights.md. Money figures are only as good as these rates."""
