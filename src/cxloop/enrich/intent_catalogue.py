"""Intent catalogues (few-shot mode), the intent enricher, and which intent model is in use.

A catalogue lists intents by name with a description and a handful of examples; the classifier
trains on the examples plus each description and name (seconds, no labelled data set needed).
cxloop ships a small generic CX catalogue (``data/cx_intents.json``, 18 intents in en/es/de/fr
plus out-of-scope examples) so that a fresh install says something useful; a company's own model
(``cxloop intents train``) replaces it as soon as one is configured:

1. the path given to :func:`active_intent_model`, else
2. ``$CXLOOP_INTENT_MODEL``, else
3. ``.cxloop/intent-model.npz`` in the working directory if it exists, else
4. the built-in catalogue in few-shot TF-IDF mode.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from cxloop.enrich.base import Enricher, EnrichmentResult, register_enricher
from cxloop.enrich.batch import annotation_table_from_json, json_string, text_column
from cxloop.enrich.intent import UNKNOWN, Backend, IntentClassifier, is_out_of_scope

INTENT_MODEL_ENV = "CXLOOP_INTENT_MODEL"
"""Environment variable naming the intent model file every stack uses."""

DEFAULT_MODEL_PATH = Path(".cxloop") / "intent-model.npz"
"""Where ``cxloop intents train`` writes the model when no ``--model`` is given."""


@dataclass(frozen=True)
class IntentDefinition:
    """One intent of a catalogue."""

    name: str
    description: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentCatalogue:
    """Named intents with descriptions and a few examples each (few-shot training data)."""

    name: str
    intents: tuple[IntentDefinition, ...]
    version: str = "1"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntentCatalogue:
        """A catalogue from ``{"name", "intents": [{"name", "description", "examples"}]}``."""
        try:
            intents = tuple(
                IntentDefinition(
                    name=str(item["name"]),
                    description=str(item.get("description", "")),
                    examples=tuple(str(e) for e in item.get("examples", ())),
                )
                for item in data["intents"]
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(
                f"an intent catalogue needs 'intents': [{{'name', 'description', 'examples'}}]: "
                f"missing {exc}"
            ) from None
        return cls(str(data.get("name", "catalogue")), intents, str(data.get("version", "1")))

    @classmethod
    def from_json(cls, path: str | Path) -> IntentCatalogue:
        """Read a catalogue from a JSON file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def training_examples(self) -> tuple[list[str], list[str]]:
        """Texts and labels: every example, and the description of each in-scope intent."""
        texts: list[str] = []
        labels: list[str] = []
        for intent in self.intents:
            label = UNKNOWN if is_out_of_scope(intent.name) else intent.name
            items = list(intent.examples)
            if intent.description and label != UNKNOWN:
                items.append(intent.description)
            texts += items
            labels += [label] * len(items)
        return texts, labels

    def train(
        self, backend: Backend = "tfidf", char_ngrams: tuple[int, int] | None = (2, 5)
    ) -> IntentClassifier:
        """A classifier trained on this catalogue (few-shot mode)."""
        texts, labels = self.training_examples()
        model = IntentClassifier(backend=backend, char_ngrams=char_ngrams).fit(texts, labels)
        model.model_id = f"catalogue:{self.name}-v{self.version}"
        return model


def builtin_catalogue() -> IntentCatalogue:
    """The generic CX catalogue cxloop ships."""
    text = resources.files("cxloop.enrich").joinpath("data/cx_intents.json").read_text("utf-8")
    return IntentCatalogue.from_dict(json.loads(text))


@lru_cache(maxsize=1)
def _builtin_model() -> IntentClassifier:
    # words only (no character n-grams): the ingest default must be cheap, and the catalogue's
    # handful of examples per intent gains little from character n-grams
    return builtin_catalogue().train("tfidf", char_ngrams=None)


@lru_cache(maxsize=8)
def _load_model(path: str, mtime: float) -> IntentClassifier:
    return IntentClassifier.load(path)


def configured_model_path(path: str | Path | None = None) -> Path | None:
    """The intent model file in use (argument, env var, default path), or ``None``."""
    if path is not None:
        return Path(path)
    if os.environ.get(INTENT_MODEL_ENV):
        return Path(os.environ[INTENT_MODEL_ENV])
    return DEFAULT_MODEL_PATH if DEFAULT_MODEL_PATH.is_file() else None


def active_intent_model(path: str | Path | None = None) -> IntentClassifier:
    """The configured intent model (cached per file version) or the built-in catalogue model."""
    chosen = configured_model_path(path)
    if chosen is None:
        return _builtin_model()
    if not chosen.is_file():
        raise FileNotFoundError(
            f"intent model {chosen} does not exist; train one with `cxloop intents train FILE.csv "
            f"--model {chosen}` or unset {INTENT_MODEL_ENV}"
        )
    return _load_model(str(chosen.resolve()), chosen.stat().st_mtime)


_CUSTOMER_ACTORS = {None, "customer"}


@register_enricher
class IntentEnricher(Enricher):
    """Annotates customer messages: ``{"intent", "confidence", "model"}`` (``unknown`` below the
    model's threshold)."""

    name: ClassVar[str] = "intent"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "Intent of customer messages with a calibrated confidence"

    def __init__(self, model: IntentClassifier | str | Path | None = None) -> None:
        self.model = model if isinstance(model, IntentClassifier) else active_intent_model(model)

    def enrich(self, events: pa.Table) -> EnrichmentResult:
        """Classify every customer text of the batch in one vectorized call."""
        texts = text_column(events)
        actors: Sequence[str | None] = events.column("actor").to_pylist()
        event_ids = events.column("event_id").to_pylist()
        rows = [i for i, t in enumerate(texts) if t and actors[i] in _CUSTOMER_ACTORS]
        prediction = self.model.predict([texts[i] or "" for i in rows])
        # {"confidence", "intent", "model"} with sorted keys, as annotation_table would encode it
        tail = f', "model": {json_string(self.model.model_id)}}}'
        names = {name: json_string(name) for name in set(prediction.intents)}
        outputs = [
            f'{{"confidence": {confidence!r}, "intent": {names[intent]}{tail}'
            for intent, confidence in zip(prediction.intents, prediction.confidences, strict=True)
        ]
        return EnrichmentResult(
            events=events,
            annotations=annotation_table_from_json([event_ids[i] for i in rows], outputs),
        )
