"""Intent discovery: cluster unlabelled customer messages into candidate intents.

Messages are embedded (TF-IDF + LSA by default; sentence embeddings with the ``ml`` extra),
clustered with k-means on unit vectors (cosine), and each cluster is described by its size, its
most characteristic words (class-based TF-IDF) and the messages closest to its centre. With an
intent model, messages it already recognizes can be left out so only the unknown remain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from cxloop.enrich.embeddings import embed

Representation = Literal["tfidf", "embedding"]


@dataclass(frozen=True)
class CandidateIntent:
    """One proposed intent: a name made of its top words, its size and representative phrases."""

    name: str
    size: int
    share: float
    keywords: list[str]
    examples: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "size": self.size, "share": self.share,
                "keywords": self.keywords, "examples": self.examples}  # fmt: skip


def _vectors(texts: Sequence[str], representation: Representation, seed: int) -> np.ndarray:
    if representation == "embedding":
        return embed(texts)
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, stop_words="english")
    matrix = tfidf.fit_transform(texts)
    components = max(2, min(100, matrix.shape[1] - 1, len(texts) - 1))
    reduced = TruncatedSVD(components, random_state=seed).fit_transform(matrix)
    result: np.ndarray = normalize(reduced)
    return result


def _auto_clusters(n: int) -> int:
    # roughly one candidate intent per 40 messages, between 2 and 100
    return int(min(100, max(2, round(n / 40))))


def discover_intents(
    texts: Sequence[str],
    *,
    clusters: int | None = None,
    min_size: int = 3,
    representation: Representation = "tfidf",
    examples: int = 3,
    seed: int = 0,
) -> list[CandidateIntent]:
    """Candidate intents, largest first; clusters smaller than ``min_size`` are dropped."""
    texts = [t for t in (t.strip() for t in texts) if t]
    if len(texts) < 2 * min_size:
        return []
    k = clusters or _auto_clusters(len(texts))
    k = min(k, len(texts) // max(1, min_size))
    vectors = _vectors(texts, representation, seed)
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(vectors)
    labels = model.labels_
    words = CountVectorizer(ngram_range=(1, 2), stop_words="english", min_df=1)
    counts = words.fit_transform(texts)
    vocabulary = np.asarray(words.get_feature_names_out())
    per_cluster = np.vstack([np.asarray(counts[labels == c].sum(axis=0)).ravel() for c in range(k)])
    # class-based TF-IDF: frequent in this cluster, rare across clusters
    tf = per_cluster / np.maximum(per_cluster.sum(axis=1, keepdims=True), 1)
    idf = np.log(1 + per_cluster.sum() / np.maximum(per_cluster.sum(axis=0), 1))
    weights = tf * idf
    found = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) < min_size:
            continue
        centre = model.cluster_centers_[c]
        closest = members[np.argsort(-(vectors[members] @ centre))]
        phrases: list[str] = []
        for i in closest:
            if texts[i] not in phrases:
                phrases.append(texts[i])
            if len(phrases) == examples:
                break
        top = [str(w) for w in vocabulary[np.argsort(-weights[c])[:5]]]
        name_words = list(dict.fromkeys(" ".join(top[:2]).split()))[:3]
        name = "_".join(name_words) if name_words else f"cluster_{c}"
        found.append(
            CandidateIntent(name, len(members), round(len(members) / len(texts), 4), top, phrases)
        )
    return sorted(found, key=lambda candidate: -candidate.size)
