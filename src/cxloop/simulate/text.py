"""Message and transcript text, built for all events at once from phrase tables.

Every text is ``[opener] [effort phrase] body [personal-data sentence]``: each part is an index
into one flat phrase table (``-1`` = absent), and the parts are joined with Arrow compute
kernels, so a million texts cost a few Arrow calls rather than a million Python string
operations. The true sentiment of a customer text follows the journey's friction so far.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxloop.simulate import phrases as P
from cxloop.simulate.catalog import (
    CH,
    COUNTRY_CURRENCY,
    COUNTRY_FX,
    CURRENCIES,
    INTENT_SLOT,
    INTENTS,
    LANGUAGES,
    PLANS,
    TR,
)
from cxloop.simulate.frame import Frame
from cxloop.simulate.ids import format_cards, hash_keys, luhn_card_numbers
from cxloop.simulate.people import Population

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
PII_TYPES: tuple[str, ...] = ("email", "phone", "card")
EFFORT_TYPES: tuple[str, ...] = (
    "repeat_contact",
    "already_told",
    "asked_for_human",
    "driver_mention",
)
NEGATIVE_BELOW = -0.25
POSITIVE_ABOVE = 0.25


class PhraseTable:
    """All phrases in one flat table; ``(table, language, group)`` → a range of rows."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._ranges: dict[str, np.ndarray] = {}

    def add(self, table: str, groups: dict[str, list[tuple[str, ...]]]) -> None:
        """Register ``groups[language][group]`` → phrase variants."""
        n_groups = max(len(g) for g in groups.values())
        ranges = np.zeros((len(LANGUAGES), n_groups, 2), dtype=np.int64)
        for li, lang in enumerate(LANGUAGES):
            for gi, variants in enumerate(groups[lang]):
                ranges[li, gi] = (len(self._texts), len(variants))
                self._texts.extend(variants)
        self._ranges[table] = ranges

    def freeze(self) -> None:
        """Split every phrase at its ``{x}`` slot (after the last :meth:`add`)."""
        split = [t.split("{x}", 1) for t in self._texts]
        self.pre = pa.array([s[0] for s in split])
        self.post = pa.array([s[1] if len(s) > 1 else "" for s in split])
        self.has_slot = np.array([len(s) > 1 for s in split])

    def pick(
        self, table: str, lang: np.ndarray, group: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """A random variant per row (row index into the flat table)."""
        start, count = self._ranges[table][lang, group].T
        return np.asarray(start + (rng.random(len(lang)) * count).astype(np.int64))


def _phrases() -> PhraseTable:
    t = PhraseTable()

    def per_lang(source: Mapping[str, tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
        return {lang: [source[lang]] for lang in LANGUAGES}

    def singles(source: Mapping[str, Sequence[str]]) -> dict[str, list[tuple[str, ...]]]:
        return {lang: [(p,) for p in source[lang]] for lang in LANGUAGES}

    t.add("open", {k: list(v) for k, v in P.INTENT_OPEN.items()})
    t.add("search", {k: list(v) for k, v in P.SEARCH.items()})
    t.add("ivr", {k: list(v) for k, v in P.IVR.items()})
    t.add("opener", {k: list(v) for k, v in P.OPENERS.items()})
    t.add("repeat_contact", singles(P.REPEAT_CONTACT))
    t.add("already_told", per_lang(P.ALREADY_TOLD))
    t.add("human", per_lang(P.ASK_HUMAN))
    t.add("detail", per_lang(P.DETAILS))
    t.add("pii", {k: list(v) for k, v in P.PII_PHRASES.items()})
    t.add("close", {k: list(v) for k, v in P.CLOSINGS.items()})
    t.add("bot", per_lang(P.BOT_REPLIES))
    t.add("greet", per_lang(P.AGENT_GREETS))
    t.add("ask", per_lang(P.AGENT_ASKS))
    t.add("resolve", per_lang(P.AGENT_RESOLVES))
    t.add("pending", per_lang(P.AGENT_PENDING))
    t.add("followup", per_lang(P.EMAIL_FOLLOWUPS))
    t.add("verbatim", {k: list(v) for k, v in P.VERBATIMS.items()})
    t.add("verbatim_driver", singles(P.VERBATIM_DRIVERS))
    t.freeze()
    return t


PHRASES = _phrases()

_BODY_TABLE = {
    "search_query": "search",
    "ivr_utterance": "ivr",
    "customer_open": "open",
    "customer_detail": "detail",
    "customer_repeat": "open",
    "customer_human": "human",
    "customer_close": "close",
    "bot_reply": "bot",
    "agent_greet": "greet",
    "agent_ask": "ask",
    "agent_resolve": "resolve",
    "agent_pending": "pending",
    "email_followup": "followup",
    "survey_verbatim": "verbatim",
}
_AGENT_SENTIMENT = {
    "bot_reply": 0.1,
    "agent_greet": 0.4,
    "agent_ask": 0.0,
    "agent_resolve": 0.5,
    "agent_pending": -0.1,
    "email_followup": 0.3,
}


@dataclass
class TextTruth:
    """What is true about each text (for ``truth/messages.csv``), aligned with ``rows``."""

    rows: np.ndarray  # event positions that carry text
    sentiment_score: np.ndarray
    sentiment: np.ndarray  # index into SENTIMENT_LABELS
    pii: np.ndarray  # index into PII_TYPES, -1 none
    effort: np.ndarray  # index into EFFORT_TYPES, -1 none


def _slot_values(frame: Frame, rows: np.ndarray, pop: Population, seed: int) -> pa.Array:
    """The order number, amount or plan an intent's wording mentions (stable per journey)."""
    journey = frame["journey"][rows].astype(np.int64)
    intent = frame["intent"][rows]
    key = hash_keys(seed, 40, journey)
    order = pa.array(
        "#" + (key % np.uint64(9_000_000) + np.uint64(1_000_000)).astype(str).astype(object)
    )
    country = pop.country[frame["person"][rows]]
    currency = COUNTRY_CURRENCY[country]
    cents = ((key >> np.uint64(20)) % np.uint64(20_000)).astype(np.int64) + 500
    cents = (cents * COUNTRY_FX[country]).astype(np.int64)
    units = pa.array(cents // 100).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    dot = pc.binary_join_element_wise(units, frac, ".")
    comma = pc.binary_join_element_wise(units, frac, ",")
    symbol = {"USD": "$", "GBP": "£", "MXN": "$"}
    amount = np.empty(len(rows), dtype=object)
    for ci, cur in enumerate(CURRENCIES):
        hit = currency == ci
        if not hit.any():
            continue
        if cur == "EUR":
            text = pc.binary_join_element_wise(comma.filter(pa.array(hit)), " €", "")
        else:
            text = pc.binary_join_element_wise(symbol[cur], dot.filter(pa.array(hit)), "")
            if cur == "MXN":
                text = pc.binary_join_element_wise(text, " MXN", "")
        amount[hit] = text.to_numpy(zero_copy_only=False)
    plan = np.array(PLANS, dtype=object)[(key % np.uint64(len(PLANS))).astype(np.int64)]
    kind = INTENT_SLOT[np.maximum(intent, 0)] * (intent >= 0)
    out = np.select(
        [kind == 1, kind == 2, kind == 3],
        [order.to_numpy(zero_copy_only=False), amount, plan],
        default="",
    )
    return pa.array(out, type=pa.string())


def _fill(index: np.ndarray, slot: pa.Array) -> pa.Array:
    """Phrases ``index`` (−1 → null) with their ``{x}`` replaced by ``slot``."""
    idx = pa.array(index, mask=index < 0)
    pre, post = PHRASES.pre.take(idx), PHRASES.post.take(idx)
    uses_slot = pa.array(PHRASES.has_slot[np.maximum(index, 0)])
    slot = pc.if_else(uses_slot, slot, "")
    return pc.binary_join_element_wise(pre, slot, post, "")


def build_texts(
    frame: Frame, base_mood: np.ndarray, pop: Population, seed: int, rng: np.random.Generator
) -> tuple[pa.Array, TextTruth]:
    """The ``text`` column (null where an event says nothing) and the truth about each text.

    Args:
        frame: the events (codes), see :mod:`cxloop.simulate.frame`.
        base_mood: per journey, the mood the customer starts with (intent and temperament).
        pop: the people (for the personal data they give away).
        seed: the world seed (stable order numbers and amounts per journey).
        rng: the random generator.
    """
    rows = np.flatnonzero(frame["text_role"] >= 0)
    n = len(rows)
    role = frame["text_role"][rows]
    lang = frame["lang"][rows].astype(np.int64)
    intent = np.maximum(frame["intent"][rows], 0).astype(np.int64)
    journey = frame["journey"][rows]
    resolved = frame["resolved"][rows]
    contact_index = frame["contact_index"][rows]
    reauth = frame["reauth"][rows]

    def is_role(*names: str) -> np.ndarray:
        return np.isin(role, [TR[x] for x in names])

    # true sentiment: the journey's mood, minus the friction so far, plus what this moment adds
    mood = np.where(journey >= 0, base_mood[np.maximum(journey, 0)], 0.1)
    adj = np.select(
        [
            is_role("customer_close") & resolved,
            is_role("customer_close"),
            is_role("customer_human"),
            is_role("customer_repeat"),
        ],
        [0.45, -0.35, -0.3, -0.15],
        default=0.0,
    )
    score = mood - frame["friction"][rows] + adj + rng.normal(0.0, 0.15, n)
    csat = frame["csat"][rows]
    verbatim = is_role("survey_verbatim")
    score = np.where(verbatim, (csat - 3) / 2.0 + rng.normal(0, 0.1, n), score)
    for name, value in _AGENT_SENTIMENT.items():
        score = np.where(role == TR[name], value, score)
    score = np.round(np.clip(score, -1.0, 1.0), 3)
    label = np.where(score < NEGATIVE_BELOW, 0, np.where(score > POSITIVE_ABOVE, 2, 1))

    # body
    body = np.full(n, -1, dtype=np.int64)
    r = rng.random((n, 6))
    for role_name, table in _BODY_TABLE.items():
        hit = role == TR[role_name]
        if not hit.any():
            continue
        group = np.zeros(hit.sum(), dtype=np.int64)
        if table in ("open", "search", "ivr"):
            group = intent[hit]
        elif table == "close":
            group = resolved[hit].astype(np.int64)
        elif table == "verbatim":
            c = csat[hit]
            group = np.where(c <= 2, 0, np.where(c == 3, 1, 2))
        body[hit] = PHRASES.pick(table, lang[hit], group, rng)
    slot = _slot_values(frame, rows, pop, seed)
    body_text = _fill(body, slot)

    # opener, chosen by the true sentiment
    speaks_first = is_role("customer_open", "customer_repeat")
    wants_opener = speaks_first & np.select(
        [label == 0, label == 1], [r[:, 0] < 0.85, r[:, 0] < 0.4], r[:, 0] < 0.7
    )
    opener = np.full(n, -1, dtype=np.int64)
    if wants_opener.any():
        opener[wants_opener] = PHRASES.pick(
            "opener", lang[wants_opener], label[wants_opener].astype(np.int64), rng
        )

    # effort phrases
    effort = np.full(n, -1, dtype=np.int8)
    effort_phrase = np.full(n, -1, dtype=np.int64)
    repeat = is_role("customer_open") & (contact_index >= 1) & (r[:, 1] < 0.7)
    told = (is_role("customer_repeat") & (r[:, 2] < 0.85)) | (
        is_role("customer_open", "customer_detail") & reauth & (r[:, 2] < 0.6)
    )
    told &= ~repeat
    if repeat.any():
        ordinal = np.minimum(contact_index[repeat], 3).astype(np.int64) - 1
        effort_phrase[repeat] = PHRASES.pick("repeat_contact", lang[repeat], ordinal, rng)
        effort[repeat] = 0
    if told.any():
        effort_phrase[told] = PHRASES.pick(
            "already_told", lang[told], np.zeros(told.sum(), dtype=np.int64), rng
        )
        effort[told] = 1
    effort[is_role("customer_human")] = 2
    # survey verbatims name what went wrong (the planted drivers), when it did
    mention = verbatim & (label < 2) & (r[:, 3] < 0.6)
    if mention.any():
        driver = rng.integers(0, 3, mention.sum())
        effort_phrase[mention] = PHRASES.pick("verbatim_driver", lang[mention], driver, rng)
        effort[mention] = 3
    empty = pa.nulls(n, pa.string())
    effort_text = _fill(effort_phrase, empty.fill_null(""))
    opener_text = _fill(opener, empty.fill_null(""))

    # personal data inside the text
    card_intent = np.isin(
        intent, [INTENTS.index(x) for x in ("billing_dispute", "payment_failure", "refund")]
    )
    p_card = np.where(card_intent, 0.3, 0.06)
    detail = is_role("customer_detail")
    email_body = is_role("customer_open") & (frame["channel"][rows] == CH["email"])
    pii = np.full(n, -1, dtype=np.int8)
    pii[detail & (r[:, 4] < 0.18)] = 0
    pii[detail & (r[:, 4] >= 0.18) & (r[:, 4] < 0.32)] = 1
    pii[detail & (r[:, 4] >= 0.32) & (r[:, 4] < 0.32 + p_card)] = 2
    pii[email_body & (r[:, 5] < 0.15)] = 1
    pii[verbatim & (r[:, 5] < 0.03)] = 1
    has_pii = pii >= 0
    pii_phrase = np.full(n, -1, dtype=np.int64)
    pii_phrase[has_pii] = PHRASES.pick("pii", lang[has_pii], pii[has_pii].astype(np.int64), rng)
    person = frame["person"][rows]
    values = np.full(n, "", dtype=object)
    is_email = pii == 0
    values[is_email] = pop.email[person[is_email]]
    is_phone = pii == 1
    values[is_phone] = pop.phone_forms[person[is_phone], rng.integers(0, 4, is_phone.sum())]
    is_card = pii == 2
    if is_card.any():
        cards = luhn_card_numbers(rng, int(is_card.sum()))
        values[is_card] = format_cards(cards, rng).to_numpy(zero_copy_only=False)
    pii_text = _fill(pii_phrase, pa.array(values, type=pa.string()))

    joined = pc.binary_join_element_wise(
        opener_text, effort_text, body_text, pii_text, " ", null_handling="skip"
    )
    position = np.full(len(frame["ts_ms"]), -1, dtype=np.int64)
    position[rows] = np.arange(n)
    text = joined.take(pa.array(position, mask=position < 0))
    return text, TextTruth(
        rows=rows,
        sentiment_score=score,
        sentiment=label.astype(np.int8),
        pii=pii,
        effort=effort,
    )
