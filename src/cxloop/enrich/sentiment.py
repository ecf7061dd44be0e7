"""Sentiment per message (a compound score in [-1, 1]) from one of three kinds of model.

* :class:`VaderSentiment` — the English baseline (VADER 3.3.2, rule- and lexicon-based, no
  training). It has no lexicon for other languages, so it returns no score for texts detected as
  another language rather than a misleading 0.0.
* :class:`TrainedSentiment` — trained on a company's own labelled messages in any language
  (TF-IDF word and character n-grams plus VADER's scores as features, ridge regression). Saved as a
  plain ``.npz`` file that cannot run code when loaded.
* :class:`HuggingFaceSentiment` — any Hugging Face sequence-classification model by name or path
  (from the local cache; nothing is downloaded when ``HF_HUB_OFFLINE=1``). Needs the ``ml`` extra.

Trajectories over conversations and journeys are in :mod:`cxloop.enrich.sentiment_trajectory`.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import pyarrow as pa
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge
from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

from cxloop.enrich.base import Enricher, EnrichmentResult, register_enricher
from cxloop.enrich.batch import (
    annotation_table_from_json,
    annotations_by_event,
    json_string,
    text_column,
)
from cxloop.enrich.language import LanguageEnricher
from cxloop.enrich.vectorize import load_tfidf, save_tfidf

ENGLISH_OR_UNKNOWN = frozenset({"en", "und", None})

_PUNCTUATION = string.punctuation


class SentimentModel(Protocol):
    """Scores texts in [-1, 1]; ``None`` where the model cannot judge a text."""

    model_id: str

    def score(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[float | None]:
        """One score per text, in order."""
        ...


class VaderSentiment:
    """VADER's compound score for English (and undetermined) texts.

    The scores are exactly VADER's. Two shortcuts make the stack cheaper than VADER itself:
    a text of ASCII characters (so no emoji) none of whose tokens — split and stripped the way
    VADER does — is in VADER's lexicon gets 0.0 without running VADER (every valence would be 0,
    so VADER's compound is 0.0 too; about half of short CX messages carry no sentiment word), and
    texts up to 200 characters are cached (bot prompts, "thanks", templates repeat).
    """

    model_id = "vader-3.3.2"

    def __init__(self, cache_size: int = 50_000) -> None:
        self._analyzer = SentimentIntensityAnalyzer()
        self._lexicon: dict[str, float] = self._analyzer.lexicon
        self._cached = lru_cache(maxsize=cache_size)(self._compound)

    def polarity(self, text: str) -> dict[str, float]:
        """VADER's four scores: ``neg``, ``neu``, ``pos`` and ``compound``."""
        scores: dict[str, float] = self._analyzer.polarity_scores(text)
        return scores

    def has_sentiment_words(self, text: str) -> bool:
        """False only when VADER's compound is certainly 0.0 (see the class docstring)."""
        if not text.isascii():  # emoji and Unicode case rules: let VADER decide
            return True
        lexicon = self._lexicon
        for token in text.lower().split():
            stripped = token.strip(_PUNCTUATION)  # VADER's _strip_punc_if_word
            if (token if len(stripped) <= 2 else stripped) in lexicon:
                return True
        return False

    def _compound(self, text: str) -> float:
        if not self.has_sentiment_words(text):
            return 0.0
        if text.isascii():
            return self._ascii_compound(text)
        return float(self._analyzer.polarity_scores(text)["compound"])

    def _ascii_compound(self, text: str) -> float:
        """``polarity_scores(text)["compound"]`` for an ASCII text: VADER's own steps, without
        its character-by-character emoji replacement (VADER's emoji are all non-ASCII, so for
        such a text that loop only copies it)."""
        analyzer = self._analyzer
        text = text.strip()
        sentitext = SentiText(text)
        words = sentitext.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(words):
            lowered = item.lower()
            if lowered in BOOSTER_DICT or (
                lowered == "kind" and i < len(words) - 1 and words[i + 1].lower() == "of"
            ):
                sentiments.append(0)
                continue
            sentiments = analyzer.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = analyzer._but_check(words, sentiments)
        return float(analyzer.score_valence(sentiments, text)["compound"])

    def compound(self, text: str) -> float:
        """VADER's compound score of one text, in [-1, 1]."""
        return self._cached(text) if len(text) <= 200 else self._compound(text)

    def cache_clear(self) -> None:
        """Forget cached scores (benchmarks measure every text afresh)."""
        self._cached.cache_clear()

    def score(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[float | None]:
        """Compound scores; ``None`` for texts in a language other than English."""
        if languages is None:
            return [self.compound(text) for text in texts]
        return [
            self.compound(text) if language in ENGLISH_OR_UNKNOWN else None
            for text, language in zip(texts, languages, strict=True)
        ]


@lru_cache(maxsize=1)
def shared_vader() -> VaderSentiment:
    """One VADER per process (loading its lexicon takes a moment)."""
    return VaderSentiment()


_LABEL_VALUES = {
    "negative": -1.0, "neg": -1.0, "bad": -1.0, "-1": -1.0,
    "neutral": 0.0, "neu": 0.0, "0": 0.0, "mixed": 0.0,
    "positive": 1.0, "pos": 1.0, "good": 1.0, "1": 1.0,
}  # fmt: skip


def targets_from_labels(labels: Sequence[str | float]) -> tuple[np.ndarray, tuple[float, float]]:
    """Numeric targets from ratings (any numeric scale) or negative/neutral/positive labels,
    with the scale they are on."""
    try:
        values = np.asarray([float(v) for v in labels], dtype=float)
    except ValueError:
        unknown = sorted({str(v) for v in labels if str(v).strip().lower() not in _LABEL_VALUES})
        if unknown:
            raise ValueError(
                f"sentiment labels must be numbers or negative/neutral/positive; got {unknown[:5]}"
            ) from None
        values = np.asarray([_LABEL_VALUES[str(v).strip().lower()] for v in labels])
        return values, (-1.0, 1.0)
    return values, (float(values.min()), float(values.max()))


class TrainedSentiment:
    """A company's own sentiment model: TF-IDF + VADER features, ridge regression.

    Examples:
        >>> model = TrainedSentiment().fit(["great service", "awful wait"], [1, -1])
        >>> model.score(["great"])[0] > 0
        True
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha
        self.model_id = "trained-sentiment"
        self._vader = VaderSentiment()
        self._word: TfidfVectorizer | None = None
        self._char: TfidfVectorizer | None = None
        self._coef: np.ndarray | None = None
        self._intercept = 0.0
        self._scale = (-1.0, 1.0)

    def _features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        assert self._word is not None and self._char is not None, "fit the model first"
        vader = np.asarray(
            [
                [p["compound"], p["pos"], p["neg"], p["neu"]]
                for p in map(self._vader.polarity, texts)
            ]
        )
        return sparse.hstack(
            [self._word.transform(texts), self._char.transform(texts), sparse.csr_matrix(vader)]
        ).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str | float]) -> TrainedSentiment:
        """Train on texts with ratings (any scale) or negative/neutral/positive labels."""
        targets, scale = targets_from_labels(labels)
        if scale[1] <= scale[0]:
            raise ValueError("sentiment training data needs at least two different ratings")
        self._scale = scale
        # rescale to [-1, 1] so that scores are comparable with VADER's compound
        y = 2 * (targets - scale[0]) / (scale[1] - scale[0]) - 1
        min_df = 2 if len(texts) >= 200 else 1
        self._word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df)
        self._char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=min_df
        )
        self._word.fit(texts)
        self._char.fit(texts)
        regression = Ridge(alpha=self.alpha).fit(self._features(texts), y)
        self._coef = np.asarray(regression.coef_, dtype=np.float64)
        self._intercept = float(regression.intercept_)
        return self

    def score(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[float | None]:
        """Scores in [-1, 1] for texts in any language the training data covered."""
        if self._coef is None:
            raise RuntimeError("TrainedSentiment is not fitted; call fit() or load() first")
        if not texts:
            return []
        raw = self._features(texts) @ self._coef + self._intercept
        return [float(v) for v in np.clip(raw, -1.0, 1.0)]

    def save(self, path: str | Path) -> Path:
        """Write the model to one ``.npz`` file (arrays and JSON only, no pickle)."""
        assert self._word is not None and self._char is not None and self._coef is not None
        arrays: dict[str, Any] = {"coef": self._coef}
        arrays.update(save_tfidf("word", self._word))
        arrays.update(save_tfidf("char", self._char))
        meta = {"kind": "cxloop-sentiment", "version": 1, "alpha": self.alpha,
                "intercept": self._intercept, "scale": list(self._scale)}  # fmt: skip
        path = Path(path)
        with path.open("wb") as handle:
            arrays["meta"] = np.asarray(json.dumps(meta))
            np.savez_compressed(handle, allow_pickle=False, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TrainedSentiment:
        """Read a model written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("kind") != "cxloop-sentiment":
                raise ValueError(f"{path} is not a cxloop sentiment model")
            model = cls(alpha=float(meta["alpha"]))
            model._word = load_tfidf("word", data)
            model._char = load_tfidf("char", data)
            model._coef = np.asarray(data["coef"])
        model._intercept = float(meta["intercept"])
        model._scale = (float(meta["scale"][0]), float(meta["scale"][1]))
        model.model_id = f"trained-sentiment:{Path(path).name}"
        return model


class HuggingFaceSentiment:
    """A Hugging Face sequence-classification model by name or local path (``ml`` extra).

    Label names decide the score: ``negative``/``neutral``/``positive`` (or ``LABEL_0..2``),
    star ratings ``1 star``…``5 stars``, or a single regression output. The score is the
    probability-weighted mean of the label values, so it lies in [-1, 1].
    """

    def __init__(self, model: str, batch_size: int = 32, max_length: int = 256) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ImportError(
                "HuggingFaceSentiment needs the ml extra: pip install 'cxloop[ml]'"
            ) from exc
        self._torch = torch
        self.tokenizer: Any = AutoTokenizer.from_pretrained(model)
        self.model: Any = AutoModelForSequenceClassification.from_pretrained(model)
        self.model.eval()
        self.model_id = f"hf:{model}"
        self.batch_size = batch_size
        self.max_length = max_length
        self.label_values = self._label_values(self.model.config)

    @staticmethod
    def _label_values(config: Any) -> np.ndarray | None:
        n = int(config.num_labels)
        if n == 1:
            return None
        names = [str(config.id2label[i]).lower() for i in range(n)]
        values = []
        for i, label in enumerate(names):
            if "neg" in label:
                values.append(-1.0)
            elif "neu" in label:
                values.append(0.0)
            elif "pos" in label:
                values.append(1.0)
            elif label[:1].isdigit() and "star" in label:
                stars = int(label[0])
                values.append((stars - 1) / 2 - 1)
            else:
                values.append(-1.0 + 2.0 * i / (n - 1))  # ordered classes, lowest first
        return np.asarray(values)

    def score(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[float | None]:
        """Scores in [-1, 1], batched, without gradients."""
        out: list[float | None] = []
        with self._torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                chunk = list(texts[start : start + self.batch_size])
                encoded = self.tokenizer(
                    chunk, padding=True, truncation=True, max_length=self.max_length,
                    return_tensors="pt",
                )  # fmt: skip
                logits = self.model(**encoded).logits.float().numpy()
                if self.label_values is None:
                    values = np.clip(logits[:, 0], -1.0, 1.0)
                else:
                    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
                    values = (exp / exp.sum(axis=1, keepdims=True)) @ self.label_values
                out.extend(float(v) for v in values)
        return out


@register_enricher
class SentimentEnricher(Enricher):
    """Annotates texts with ``{"sentiment": compound, "model": id}`` (compound in [-1, 1]).

    With a ``language_source`` (the language enricher that ran before it in the same stack, see
    :func:`cxloop.enrich.defaults.default_enrichers`) VADER only scores English texts; without
    one every text is scored.
    """

    name: ClassVar[str] = "sentiment"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "Sentiment per message: VADER, a trained model or a HF model"

    def __init__(
        self,
        model: SentimentModel | None = None,
        language_source: LanguageEnricher | None = None,
    ) -> None:
        self.model: SentimentModel = model or shared_vader()
        self.language_source = language_source

    @classmethod
    def from_huggingface(cls, model: str) -> SentimentEnricher:
        """The enricher over a Hugging Face model name or path."""
        return cls(HuggingFaceSentiment(model))

    def enrich(self, events: pa.Table) -> EnrichmentResult:
        """Score every text of the batch."""
        texts = text_column(events)
        event_ids = events.column("event_id").to_pylist()
        rows = [i for i, text in enumerate(texts) if text]
        languages: list[str | None] | None = None
        if self.language_source is not None:
            by_event = self.language_source.last_languages()
            languages = [by_event.get(event_ids[i]) for i in rows]
        scores = self.model.score([texts[i] or "" for i in rows], languages)
        ids, outputs = [], []
        # {"model": …, "sentiment": …} with sorted keys, as annotation_table would encode it
        head = f'{{"model": {json_string(self.model.model_id)}, "sentiment": '
        for row, score in zip(rows, scores, strict=True):
            if score is not None:
                ids.append(event_ids[row])
                outputs.append(f"{head}{round(score, 4)!r}}}")
        return EnrichmentResult(events=events, annotations=annotation_table_from_json(ids, outputs))


def sentiment_scores(annotations: pa.Table | None) -> dict[str, float]:
    """``{event_id: compound}`` from a sentiment enricher's annotations."""
    return {k: float(v["sentiment"]) for k, v in annotations_by_event(annotations).items()}
