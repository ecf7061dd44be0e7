"""The default enricher stack that ingest, the service and ``cxloop enrich`` run.

Order matters and is fixed:

1. ``pii`` — redaction first, so every later enricher, the store, the logs and the dead letter
   only ever see redacted text;
2. ``language`` — lingua, 24 languages;
3. ``sentiment`` — VADER for English texts (no score for other languages), or the model named by
   ``$CXLOOP_SENTIMENT_MODEL`` (a trained ``.npz`` from :class:`TrainedSentiment`, or
   ``hf:<name-or-path>`` for a Hugging Face model);
4. ``intent`` — the company's model when one is configured (``$CXLOOP_INTENT_MODEL`` or
   ``.cxloop/intent-model.npz``), else the small built-in CX catalogue in few-shot TF-IDF mode
   (see :mod:`cxloop.enrich.intent_catalogue`); a banking model would be wrong for most companies;
5. ``signals`` — effort signals (repetition, human request, waiting, channel switch).

Everything expensive (lingua's models, VADER's lexicon, the intent model) is built once per
process and shared; the enricher objects themselves are cheap, so calling
:func:`default_enrichers` per batch costs nothing. Throughput: ``benchmarks/bench_understanding.py``
and ``docs/understanding.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

from cxloop.enrich.base import Enricher
from cxloop.enrich.intent_catalogue import IntentEnricher, active_intent_model
from cxloop.enrich.language import DEFAULT_LANGUAGES, LanguageEnricher
from cxloop.enrich.redaction import NameDirectory, RedactionEnricher, RedactionPolicy
from cxloop.enrich.sentiment import (
    HuggingFaceSentiment,
    SentimentEnricher,
    SentimentModel,
    TrainedSentiment,
    shared_vader,
)
from cxloop.enrich.signals import EffortSignalsEnricher

SENTIMENT_MODEL_ENV = "CXLOOP_SENTIMENT_MODEL"
"""Environment variable naming a sentiment model: a ``.npz`` path or ``hf:<name-or-path>``."""

_sentiment_models: dict[str, SentimentModel] = {}


def configured_sentiment_model(spec: str | None = None) -> SentimentModel:
    """The sentiment model named by ``spec`` or ``$CXLOOP_SENTIMENT_MODEL`` (VADER if neither)."""
    spec = spec or os.environ.get(SENTIMENT_MODEL_ENV)
    if not spec:
        return shared_vader()
    if spec not in _sentiment_models:
        if spec.startswith("hf:"):
            _sentiment_models[spec] = HuggingFaceSentiment(spec[3:])
        elif Path(spec).is_file():
            _sentiment_models[spec] = TrainedSentiment.load(spec)
        else:
            raise FileNotFoundError(
                f"sentiment model {spec!r} is neither a trained .npz file nor hf:<model>"
            )
    return _sentiment_models[spec]


def default_enrichers(
    *,
    policy: RedactionPolicy | None = None,
    names: NameDirectory | None = None,
    intent_model: str | Path | None = None,
    sentiment_model: str | None = None,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
) -> list[Enricher]:
    """The default stack, redaction first (see the module docstring for what runs and why)."""
    language = LanguageEnricher(languages)
    return [
        RedactionEnricher(policy, names),
        language,
        SentimentEnricher(configured_sentiment_model(sentiment_model), language_source=language),
        IntentEnricher(active_intent_model(intent_model)),
        EffortSignalsEnricher(),
    ]
