"""Sentiment: VADER baseline, a trained model, a Hugging Face model by path, trajectories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr

from conftest import SHARED_DATA
from cxloop.enrich.base import run_enrichers
from cxloop.enrich.batch import annotations_by_event, events_from_texts
from cxloop.enrich.language import LanguageEnricher
from cxloop.enrich.sentiment import (
    SentimentEnricher,
    TrainedSentiment,
    VaderSentiment,
    targets_from_labels,
)
from cxloop.enrich.sentiment_trajectory import sentiment_trajectory

DATA = SHARED_DATA / "sentiment"

POSITIVE = [
    "great service, thank you",
    "love it, works perfectly",
    "super fast delivery",
    "very helpful agent",
    "excellent, problem solved",
    "happy with the refund",
]
NEGATIVE = [
    "terrible service",
    "awful, still broken",
    "worst support ever",
    "useless agent",
    "I am angry, nothing works",
    "very disappointed with the delay",
]


def load_gold(name: str) -> pd.DataFrame:
    path = DATA / f"{name}_GroundTruth.txt"
    if not path.is_file():
        pytest.skip(f"{path} is absent: the VADER gold standards live in ../shared/data")
    rows = [
        line.rstrip("\n").split("\t", 2)
        for line in path.open(encoding="utf-8", errors="replace")
        if line.count("\t") >= 2
    ]
    return pd.DataFrame(rows, columns=["id", "rating", "text"]).astype({"rating": float})


def test_vader_scores_english_and_skips_other_languages() -> None:
    events = events_from_texts(["I love this, great help!", "Das ist furchtbar schlecht"])
    language = LanguageEnricher()
    batch = run_enrichers(events, [language, SentimentEnricher(language_source=language)])
    scores = annotations_by_event(batch.annotations[("sentiment", "1")])
    assert set(scores) == {"text-0"}  # German gets no (misleading) VADER score
    assert scores["text-0"]["sentiment"] > 0.5 and scores["text-0"]["model"] == "vader-3.3.2"


def test_labels_and_ratings_become_targets() -> None:
    values, scale = targets_from_labels(["positive", "neutral", "NEGATIVE"])
    assert values.tolist() == [1.0, 0.0, -1.0] and scale == (-1.0, 1.0)
    values, scale = targets_from_labels(["1", "5", "3"])
    assert scale == (1.0, 5.0)
    with pytest.raises(ValueError, match="negative/neutral/positive"):
        targets_from_labels(["good", "meh"])


def test_trained_model_learns_another_language_and_round_trips(tmp_path: Path) -> None:
    texts = [
        "servicio excelente",
        "muy buena atención",
        "me encanta",
        "todo perfecto",
        "servicio horrible",
        "muy mala atención",
        "lo odio",
        "todo fatal",
    ] * 3
    ratings = [5, 5, 5, 5, 1, 1, 1, 1] * 3
    model = TrainedSentiment().fit(texts, ratings)
    scores = model.score(["excelente atención", "atención horrible"])
    assert scores[0] is not None and scores[1] is not None and scores[0] > 0.3 > -0.3 > scores[1]
    path = model.save(tmp_path / "sentiment.npz")
    again = TrainedSentiment.load(path)
    assert again.score(["excelente atención", "atención horrible"]) == pytest.approx(scores)
    assert all(-1 <= s <= 1 for s in again.score(["!!!", "excelente excelente excelente"]) if s)


def test_hugging_face_model_by_path(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "service"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    model = transformers.BertForSequenceClassification(config)
    with torch.no_grad():  # make the tiny model say "positive" for everything
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([-8.0, -8.0, 8.0]))
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    enricher = SentimentEnricher.from_huggingface(str(tmp_path / "model"))
    result = enricher.enrich(events_from_texts(["good service", "bad service"]))
    found = annotations_by_event(result.annotations)
    assert [round(found[f"text-{i}"]["sentiment"], 2) for i in range(2)] == [1.0, 1.0]
    assert found["text-0"]["model"].startswith("hf:")
    with torch.no_grad():
        model.classifier.bias.copy_(torch.tensor([8.0, -8.0, -8.0]))
    model.save_pretrained(tmp_path / "model")
    negative = SentimentEnricher.from_huggingface(str(tmp_path / "model"))
    assert negative.model.score(["good"]) == [pytest.approx(-1.0, abs=1e-3)]


def test_trajectory_per_conversation() -> None:
    rows = pd.DataFrame(
        {
            "conversation_id": ["a", "a", "a", "b", "b", "c", "c"],
            "occurred_at": [3, 1, 2, 1, 2, 1, 2],
            "sentiment": [0.8, -0.7, 0.1, 0.5, -0.6, 0.2, 0.25],
        }
    )
    out = sentiment_trajectory(rows).to_pandas().set_index("conversation_id")
    assert out.loc["a", "first"] == -0.7 and out.loc["a", "last"] == 0.8
    assert out.loc["a", "slope"] == pytest.approx(0.75)
    assert out["trend"].to_dict() == {"a": "improving", "b": "worsening", "c": "stable"}
    assert out.loc["a", "low"] == -0.7 and out.loc["b", "messages"] == 2
    journeys = rows.rename(columns={"conversation_id": "journey_id"})
    assert sentiment_trajectory(journeys, key="journey_id").num_rows == 3


def test_vader_matches_the_published_reference_on_amazon() -> None:
    gold = load_gold("amazonReviewSnippets")
    vader = VaderSentiment()
    r = pearsonr(vader.score(list(gold.text)), gold.rating)[0]
    assert r == pytest.approx(0.590, abs=0.005)


def test_trained_model_beats_vader_on_held_out_reviews() -> None:
    gold = load_gold("amazonReviewSnippets").sample(frac=1.0, random_state=0)
    train, test = gold.iloc[:2800], gold.iloc[2800:]
    model = TrainedSentiment().fit(list(train.text), list(train.rating))
    ours = pearsonr(np.asarray(model.score(list(test.text)), dtype=float), test.rating)[0]
    vader = pearsonr(VaderSentiment().score(list(test.text)), test.rating)[0]
    assert ours >= vader + 0.08, (ours, vader)


SHORTCUT_CASES = [
    "Where is my card?",  # no lexicon word: 0.0 without VADER
    "no", "No problem", "kind of ok", "not bad at all", "I am NOT happy!!!", ":) thanks",
    "it's a :( day", "ok.", "lol", "smh :-/", "wtf?!", "Nice 👍", "très bien", "İstanbul ok",
    "the but", "least good", "   ", "", "!!!", "GREAT", "at least it works", "no fee or charge",
]  # fmt: skip


def test_vader_shortcut_and_cache_give_exactly_vaders_scores() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    reference = SentimentIntensityAnalyzer()
    vader = VaderSentiment()
    texts = SHORTCUT_CASES + POSITIVE + NEGATIVE
    if (DATA / "amazonReviewSnippets_GroundTruth.txt").is_file():
        lines = (DATA / "amazonReviewSnippets_GroundTruth.txt").read_text("utf-8", "replace")
        texts += [
            line.split("\t", 2)[2] for line in lines.splitlines()[:1500] if line.count("\t") >= 2
        ]
    expected = [float(reference.polarity_scores(t)["compound"]) for t in texts]
    assert [vader.compound(t) for t in texts] == expected
    assert [vader.compound(t) for t in texts] == expected  # second time from the cache
    assert not vader.has_sentiment_words("Where is my card?")
    assert vader.has_sentiment_words("How do I top up my card?")  # "top" is a lexicon word
    assert vader.has_sentiment_words("Nice 👍")  # non-ASCII: VADER decides
