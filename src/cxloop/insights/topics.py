"""VoC topics: what customers complain about in negative verbatims.

Negative verbatims are survey comments with CSAT ≤ 2 or NPS ≤ 6, and customer messages whose
sentiment score is ≤ −0.3 — read from the store's ``text`` column, which ingest has already
redacted, so example quotes never show personal data. Texts are clustered with NMF on TF-IDF
word uni- and bigrams; each topic is labelled by its top terms, sized, trended by month and
illustrated with its most typical quotes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import threadpool_limits

from cxloop.insights.touchpoints import SENTIMENT_PATTERN

NEGATIVE_SENTIMENT = -0.3
STOP_WORDS: tuple[str, ...] = (
    # English
    "the",
    "a",
    "an",
    "and",
    "or",
    "to",
    "of",
    "in",
    "on",
    "for",
    "is",
    "it",
    "my",
    "i",
    "me",
    "was",
    "this",
    "that",
    "with",
    "at",
    "be",
    "have",
    "has",
    "you",
    "your",
    "they",
    "we",
    "not",
    "no",
    "so",
    "but",
    "are",
    "am",
    "just",
    "still",
    "again",
    "very",
    "what",
    "why",
    # Spanish
    "el",
    "la",
    "los",
    "las",
    "un",
    "una",
    "y",
    "o",
    "de",
    "del",
    "en",
    "que",
    "por",
    "para",
    "con",
    "mi",
    "me",
    "es",
    "lo",
    "se",
    "no",
    "muy",
    "al",
    "le",
    "su",
    "ya",
    # German
    "der",
    "die",
    "das",
    "ein",
    "eine",
    "und",
    "oder",
    "zu",
    "von",
    "im",
    "in",
    "ist",
    "mit",
    "ich",
    "mich",
    "mir",
    "es",
    "nicht",
    "auf",
    "für",
    "den",
    "dem",
    "sehr",
    "noch",
    "schon",
)


@dataclass(frozen=True)
class Topic:
    """One complaint topic."""

    topic: int
    label: str
    terms: list[str]
    size: int
    share: float
    monthly: dict[str, int] = field(default_factory=dict)
    trend: float = 0.0
    """Share of the topic in the last month minus its share over the whole period."""
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def negative_verbatims(store: Any, *, include_messages: bool = True) -> pd.DataFrame:
    """Negative customer texts (``event_id``, ``occurred_at``, ``text``, ``source``) from the
    store's redacted ``text``."""
    backend = store.ibis()
    ev = backend.table("events")
    surveys = ev.filter(
        (ev.type == "survey_response")
        & ev.text.notnull()
        & ((ev.csat <= 2) | (ev.nps <= 6)).fill_null(False)
    ).select("event_id", "occurred_at", "text", source=ibis.literal("survey"))
    parts = [surveys]
    if include_messages:
        enr = backend.table("enrichments")
        sent = enr.filter(enr.enricher == "sentiment").select(
            s_event=enr.event_id,
            score=enr.output.re_extract(SENTIMENT_PATTERN, 1).nullif("").cast("float64"),
        )
        msgs = ev.filter((ev.actor == "customer") & (ev.type == "message") & ev.text.notnull())
        j = msgs.inner_join(sent, msgs.event_id == sent.s_event)
        j = j.filter(j.score <= NEGATIVE_SENTIMENT)
        parts.append(j.select("event_id", "occurred_at", "text", source=ibis.literal("message")))
    frame = pd.concat([part.to_pandas() for part in parts], ignore_index=True)
    return frame.drop_duplicates("event_id").reset_index(drop=True)


def complaint_topics(
    verbatims: pd.DataFrame, *, n_topics: int = 8, n_examples: int = 3, seed: int = 0
) -> list[Topic]:
    """Cluster negative verbatims into labelled topics, largest first."""
    texts = verbatims["text"].fillna("").astype(str)
    if len(texts) < n_topics * 2:
        return []
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=3,
        max_df=0.5,
        stop_words=list(STOP_WORDS),
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
        sublinear_tf=True,
    )
    x = vectorizer.fit_transform(texts)
    if x.shape[1] < n_topics:
        return []
    with threadpool_limits(limits=1):
        nmf = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=400)
        weights = nmf.fit_transform(x)
    terms = np.asarray(vectorizer.get_feature_names_out())
    assigned = weights.argmax(axis=1)
    strength = weights.max(axis=1)
    months = pd.to_datetime(verbatims["occurred_at"], utc=True).dt.strftime("%Y-%m").to_numpy()
    last_month = max(months) if len(months) else ""
    in_last = months == last_month
    topics = []
    for t in range(n_topics):
        members = np.flatnonzero((assigned == t) & (strength > 0))
        if len(members) == 0:
            continue
        top_terms = [str(s) for s in terms[np.argsort(-nmf.components_[t])[:6]]]
        label = " / ".join(_distinct_terms(top_terms)[:3])
        best = members[np.argsort(-strength[members])]
        examples: list[str] = []
        for i in best:
            quote = texts.iloc[i].strip()
            if quote and quote not in examples:
                examples.append(quote[:300])
            if len(examples) >= n_examples:
                break
        counts = pd.Series(months[members]).value_counts().sort_index()
        share_all = len(members) / len(texts)
        share_last = (
            float(((assigned == t) & in_last).sum() / in_last.sum()) if in_last.any() else 0.0
        )
        topics.append(
            Topic(
                topic=t,
                label=label,
                terms=top_terms,
                size=len(members),
                share=share_all,
                monthly={str(k): int(v) for k, v in counts.items()},
                trend=share_last - share_all,
                examples=examples,
            )
        )
    topics.sort(key=lambda t: -t.size)
    return topics


def _distinct_terms(terms: list[str]) -> list[str]:
    """Drop terms already contained in an earlier (bigram) term."""
    out: list[str] = []
    for term in terms:
        if not any(term in kept or kept in term for kept in out):
            out.append(term)
    return out
