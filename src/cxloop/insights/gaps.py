"""The five empathy gaps, measured from the store with Ibis (so they run on every engine).

* **identity** — share of assisted contacts where an already-known customer had to identify
  again.
* **personalization** — share of agent contacts whose customer had recent digital or bot context
  that did *not* reach the agent (the contact arrived without a bot handoff).
* **intelligence** — share of contacts with customer text whose intent and sentiment were *not*
  both understood.
* **measurement** — survey coverage (share of assisted contacts with a survey answer) and the
  delay from the contact to its metric.
* **change** — before/after effect of a dated change on a KPI, with a Welch t-test on daily
  values.

Every definition, with its formula, is in docs/insights.md. A gap is a share where higher is
worse, so the scorecard reads the same way for all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from cxloop.store.dialect import Dialect

GENERIC_INTENTS: tuple[str, ...] = (
    "thanks",
    "unknown",
    "speak_to_agent",
    "greeting",
    "other",
    "oos",
    "out_of_scope",
)
MIN_INTENT_CONFIDENCE = 0.5
DIGITAL_CHANNELS: tuple[str, ...] = ("web", "app", "bot")
CONTEXT_WINDOW_S = 24 * 3600
CHANGE_KPIS: tuple[str, ...] = ("wait_s", "abandon_rate", "csat", "nps", "ces")


@dataclass(frozen=True)
class Gap:
    """One empathy gap: a share where higher is worse, and what it was computed from."""

    name: str
    value: float
    numerator: int
    denominator: int
    definition: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def _contact_key(ev: ir.Table) -> ir.StringValue:
    return ibis.coalesce(ev.conversation_id, ev.session_id)


def _scalar(expr: ir.Table) -> dict[str, Any]:
    frame = expr.to_pandas()
    return {k: (None if pd.isna(v) else v) for k, v in frame.iloc[0].to_dict().items()}


def identity_gap(store: Any) -> Gap:
    """Assisted contacts (an agent took part) where the customer was already known — an earlier
    ``auth``/``login`` or a ``customer_id`` on an earlier event of the contact — and was asked to
    authenticate again after that."""
    ev = store.ibis().table("events")
    ev = ev.filter(ev.conversation_id.notnull())
    ids = ev.select("conversation_id", "occurred_at", ident=ev.identifiers.unnest())
    by_id = (
        ids.filter(ids.ident.startswith("customer_id:"))
        .group_by("conversation_id")
        .aggregate(t_id=ids.occurred_at.min())
    )
    auth = ev.filter(ev.type.isin(["auth", "login"]))
    first_auth = auth.group_by("conversation_id").aggregate(t_auth=auth.occurred_at.min())
    assisted = (
        ev.group_by("conversation_id")
        .aggregate(agent=(ev.actor == "agent").any())
        .filter(lambda t: t.agent)
    )
    known = assisted.left_join(by_id, "conversation_id").left_join(first_auth, "conversation_id")
    known = known.select("conversation_id", t_known=ibis.least(known.t_id, known.t_auth))
    asks = auth.inner_join(known, "conversation_id")
    asks = asks.filter(asks.t_known.notnull() & (asks.occurred_at > asks.t_known))
    reasked = asks.select("conversation_id").distinct()
    counts = _scalar(
        assisted.left_join(reasked.mutate(hit=ibis.literal(1)), "conversation_id").aggregate(
            n=lambda t: t.count(), hits=lambda t: t.hit.fill_null(0).sum()
        )
    )
    n, hits = int(counts["n"] or 0), int(counts["hits"] or 0)
    return Gap(
        "identity",
        hits / n if n else float("nan"),
        hits,
        n,
        "assisted contacts where an already-known customer had to identify again",
    )


def personalization_gap(store: Any, event_map: ir.Table | pd.DataFrame | None = None) -> Gap:
    """Agent contacts whose customer had digital/bot context — an earlier web, app or bot
    contact in the same journey (or within 24 h in the same conversation when no journeys are
    given) — that did not travel with the contact (no bot ``handoff`` into it)."""
    ev = store.ibis().table("events")
    key = _contact_key(ev)
    contacts = (
        ev.filter(key.notnull())
        .group_by(contact_key=key)
        .aggregate(
            start=ev.occurred_at.min(),
            agent=(ev.actor == "agent").any(),
            digital=ev.channel.isin(list(DIGITAL_CHANNELS)).any(),
            handoff=(ev.type == "handoff").any(),
            any_event=ev.event_id.min(),
        )
    )
    agent = contacts.filter(contacts.agent)
    if event_map is None:
        with_context = agent.filter(agent.digital)
    else:
        mapping = ibis.memtable(event_map) if isinstance(event_map, pd.DataFrame) else event_map
        mapping = mapping.select("event_id", "journey_id")
        keyed = ev.select("event_id", contact_key=key).inner_join(mapping, "event_id")
        cj = keyed.group_by("contact_key").aggregate(journey_id=keyed.journey_id.min())
        c = contacts.inner_join(cj, "contact_key")
        digital = c.filter(c.digital).select(d_journey=c.journey_id, d_start=c.start)
        a = agent.inner_join(cj, "contact_key")
        earlier = a.inner_join(
            digital, [a.journey_id == digital.d_journey, digital.d_start <= a.start]
        )
        prior = earlier.select("contact_key").distinct().mutate(prior=ibis.literal(True))
        a = a.left_join(prior, "contact_key")
        with_context = a.filter(a.digital | a.prior.fill_null(False))
    counts = _scalar(
        with_context.aggregate(
            n=with_context.count(), carried=with_context.handoff.cast("int64").sum()
        )
    )
    n, carried = int(counts["n"] or 0), int(counts["carried"] or 0)
    missed = n - carried
    return Gap(
        "personalization",
        missed / n if n else float("nan"),
        missed,
        n,
        "agent contacts with recent digital/bot context that did not reach the agent",
        {"context_carried": carried},
    )


def intelligence_gap(store: Any, *, min_confidence: float = MIN_INTENT_CONFIDENCE) -> Gap:
    """Contacts where the customer wrote or said something, without both a specific intent
    (some message with confidence ≥ ``min_confidence`` and a non-generic label) and a sentiment
    score (some message scored)."""
    backend = store.ibis()
    ev = backend.table("events")
    enr = backend.table("enrichments")
    said = ev.filter((ev.actor == "customer") & ev.text.notnull() & (ev.type != "search"))
    said = said.select("event_id", contact_key=_contact_key(said))
    said = said.filter(said.contact_key.notnull())
    intent = enr.filter(enr.enricher == "intent")
    intent = intent.select(
        i_event=intent.event_id,
        label=intent.output.re_extract(r'"intent"\s*:\s*"([^"]*)"', 1),
        conf=intent.output.re_extract(r'"confidence"\s*:\s*([0-9.eE+-]+)', 1)
        .nullif("")
        .cast("float64"),
    )
    sentiment = enr.filter(enr.enricher == "sentiment").select(s_event=enr.event_id)
    j = said.left_join(intent, said.event_id == intent.i_event).left_join(
        sentiment, said.event_id == sentiment.s_event
    )
    has_intent = ((j.conf >= min_confidence) & ~j.label.isin(list(GENERIC_INTENTS))).fill_null(
        False
    )
    per = j.group_by("contact_key").aggregate(
        intent_ok=has_intent.any(), sentiment_ok=j.s_event.notnull().any()
    )
    counts = _scalar(
        per.aggregate(
            n=per.count(),
            ok=(per.intent_ok & per.sentiment_ok).cast("int64").sum(),
            intent_ok=per.intent_ok.cast("int64").sum(),
            sentiment_ok=per.sentiment_ok.cast("int64").sum(),
        )
    )
    n, ok = int(counts["n"] or 0), int(counts["ok"] or 0)
    return Gap(
        "intelligence",
        (n - ok) / n if n else float("nan"),
        n - ok,
        n,
        "contacts with customer text whose intent and sentiment were not both understood",
        {
            "intent_understood": int(counts["intent_ok"] or 0),
            "sentiment_understood": int(counts["sentiment_ok"] or 0),
        },
    )


def measurement_gap(store: Any) -> Gap:
    """Assisted or bot contacts without a survey answer about them, and the delay (hours) from
    the end of a contact to its survey answer."""
    ev = store.ibis().table("events")
    conv = ev.filter(ev.conversation_id.notnull())
    per = conv.group_by("conversation_id").aggregate(
        served=conv.actor.isin(["agent", "bot"]).any(),
        end=conv.occurred_at.max(where=conv.type != "survey_response"),
        answered=conv.occurred_at.min(where=conv.type == "survey_response"),
    )
    served = per.filter(per.served)
    delay_h = (served.answered.epoch_seconds() - served.end.epoch_seconds()) / 3600.0
    counts = served.select(answered=served.answered.notnull(), delay_h=delay_h).to_pandas()
    n = len(counts)
    answered = int(counts["answered"].sum())
    delays = counts["delay_h"].dropna().to_numpy(dtype=np.float64)
    details = {
        "survey_coverage": answered / n if n else float("nan"),
        "delay_hours_median": float(np.median(delays)) if len(delays) else None,
        "delay_hours_p90": float(np.quantile(delays, 0.9)) if len(delays) else None,
    }
    return Gap(
        "measurement",
        (n - answered) / n if n else float("nan"),
        n - answered,
        n,
        "assisted/bot contacts without a survey answer",
        details,
    )


@dataclass(frozen=True)
class ChangeEffect:
    """Before/after effect of a dated change on a daily KPI."""

    kpi: str
    change_date: str
    window_days: int
    before_mean: float
    after_mean: float
    difference: float
    relative: float
    t_statistic: float
    p_value: float
    days_before: int
    days_after: int
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def daily_kpi(store: Any, kpi: str) -> pd.DataFrame:
    """Daily values of ``kpi`` (``day``, ``value``, ``n``) from the events table."""
    ev = store.ibis().table("events")
    if kpi == "wait_s":
        rows = ev.filter((ev.type == "queue_enter") & ev.wait_s.notnull())
        value = rows.wait_s.mean()
    elif kpi == "abandon_rate":
        rows = ev.filter(ev.type.isin(["queue_enter", "abandon"]))
        value = (rows.type == "abandon").cast("float64").sum() / (rows.type == "queue_enter").cast(
            "float64"
        ).sum()
    elif kpi in ("csat", "nps", "ces"):
        rows = ev.filter((ev.type == "survey_response") & ev[kpi].notnull())
        value = rows[kpi].cast("float64").mean()
    else:
        raise ValueError(f"unknown KPI {kpi!r}; choose from {', '.join(CHANGE_KPIS)}")
    day = Dialect.of(rows).utc_timestamp(rows.occurred_at).date()  # UTC days, whatever the session
    frame: pd.DataFrame = (
        rows.group_by(day=day).aggregate(value=value, n=rows.count()).order_by("day").to_pandas()
    )
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def change_effect(
    store: Any,
    *,
    kpi: str,
    change_date: str | dt.date,
    window_days: int = 14,
    alpha: float = 0.05,
) -> ChangeEffect:
    """Compare ``kpi`` in the ``window_days`` before ``change_date`` with the days from it on.

    Daily values are the unit (Welch's t-test), so thousands of contacts on one day do not
    pretend to be independent evidence.
    """
    day = pd.Timestamp(change_date)
    daily = daily_kpi(store, kpi).dropna(subset=["value"])
    before = daily[(daily["day"] < day) & (daily["day"] >= day - pd.Timedelta(days=window_days))]
    after = daily[(daily["day"] >= day) & (daily["day"] < day + pd.Timedelta(days=window_days))]
    if len(before) < 2 or len(after) < 2:
        raise ValueError(f"too few days of {kpi} around {day.date()} (need ≥ 2 on each side)")
    b, a = before["value"].to_numpy(dtype=float), after["value"].to_numpy(dtype=float)
    test = stats.ttest_ind(a, b, equal_var=False)
    diff = float(a.mean() - b.mean())
    return ChangeEffect(
        kpi=kpi,
        change_date=str(day.date()),
        window_days=window_days,
        before_mean=float(b.mean()),
        after_mean=float(a.mean()),
        difference=diff,
        relative=diff / float(b.mean()) if b.mean() else float("nan"),
        t_statistic=float(test.statistic),
        p_value=float(test.pvalue),
        days_before=len(b),
        days_after=len(a),
        significant=bool(test.pvalue < alpha),
    )


def empathy_gaps(
    store: Any,
    *,
    event_map: ir.Table | pd.DataFrame | None = None,
    change: tuple[str, str] | None = None,
    window_days: int = 14,
) -> dict[str, Any]:
    """All five gaps: the four shares, and the change effect when ``change = (kpi, date)``."""
    gaps = [
        identity_gap(store),
        personalization_gap(store, event_map),
        intelligence_gap(store),
        measurement_gap(store),
    ]
    out: dict[str, Any] = {g.name: g.to_dict() for g in gaps}
    out["change"] = (
        None
        if change is None
        else change_effect(
            store, kpi=change[0], change_date=change[1], window_days=window_days
        ).to_dict()
    )
    return out
