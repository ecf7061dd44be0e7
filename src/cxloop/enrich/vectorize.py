"""Saving fitted TF-IDF vectorizers as plain arrays, so model files never hold pickles."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

_PARAMS = ("analyzer", "ngram_range", "lowercase", "sublinear_tf", "norm", "use_idf", "smooth_idf")


def save_tfidf(prefix: str, vectorizer: TfidfVectorizer) -> dict[str, np.ndarray]:
    """Arrays describing a fitted vectorizer: its terms, their idf and its parameters."""
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    terms = np.empty(len(vocabulary), dtype=object)
    for term, index in vocabulary.items():
        terms[index] = term
    params = {name: getattr(vectorizer, name) for name in _PARAMS}
    return {
        f"{prefix}_terms": terms.astype(str),
        f"{prefix}_idf": np.asarray(vectorizer.idf_, dtype=np.float64),
        f"{prefix}_params": np.asarray(json.dumps(params)),
    }


def load_tfidf(prefix: str, arrays: Mapping[str, Any]) -> TfidfVectorizer:
    """The vectorizer :func:`save_tfidf` described, ready to ``transform``."""
    params = json.loads(str(arrays[f"{prefix}_params"]))
    params["ngram_range"] = tuple(params["ngram_range"])
    terms = [str(t) for t in arrays[f"{prefix}_terms"]]
    vectorizer = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(terms)}, **params)
    vectorizer.idf_ = np.asarray(arrays[f"{prefix}_idf"])
    return vectorizer
