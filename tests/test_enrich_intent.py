"""Intent: calibrated classifier, out-of-scope, persistence, catalogue, CLI, discovery."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SHARED_DATA
from cxloop.cli import app
from cxloop.enrich.batch import annotations_by_event, events_from_texts
from cxloop.enrich.discovery import discover_intents
from cxloop.enrich.embeddings import ml_available
from cxloop.enrich.intent import UNKNOWN, IntentClassifier, evaluate_intents, is_out_of_scope
from cxloop.enrich.intent_catalogue import IntentCatalogue, IntentEnricher, builtin_catalogue

BANKING = SHARED_DATA / "banking77"
INTENTS = [
    "card_arrival",
    "lost_or_stolen_card",
    "exchange_rate",
    "top_up_failed",
    "pin_blocked",
    "cash_withdrawal_charge",
    "declined_transfer",
    "change_pin",
]


@pytest.fixture(scope="module")
def banking() -> tuple[pd.DataFrame, pd.DataFrame]:
    if not (BANKING / "train.csv").is_file():
        pytest.skip(f"{BANKING} is absent: banking77 lives in ../shared/data")
    train = pd.read_csv(BANKING / "train.csv")
    test = pd.read_csv(BANKING / "test.csv")
    train = train[train.category.isin(INTENTS)].groupby("category").head(40)
    return train, test[test.category.isin(INTENTS)]


@pytest.fixture(scope="module")
def model(banking: tuple[pd.DataFrame, pd.DataFrame]) -> IntentClassifier:
    train, _ = banking
    return IntentClassifier(backend="tfidf").fit(list(train.text), list(train.category))


def test_tfidf_accuracy_on_a_banking77_subset(
    model: IntentClassifier, banking: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = banking
    scores = evaluate_intents(model, list(test.text), list(test.category))
    assert scores["accuracy"] >= 0.85, scores
    assert scores["oos_recall"] is None and scores["n"] == len(test)


def test_confidence_is_calibrated(
    model: IntentClassifier, banking: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = banking
    probs = model.probabilities(list(test.text))
    assert np.allclose(probs.sum(axis=1), 1.0)
    confidence = probs.max(axis=1)
    right = np.asarray(model.classes)[probs.argmax(axis=1)] == test.category.to_numpy()
    # expected calibration error over 5 bins stays small
    bins = np.minimum((confidence * 5).astype(int), 4)
    ece = sum(
        abs(right[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
        for b in range(5)
        if (bins == b).any()
    )
    assert ece < 0.08, ece
    assert 0.0 < model.temperature < 10.0


def test_out_of_scope_rows_are_learned_and_tuned(
    banking: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, test = banking
    oos = [
        "what's the weather tomorrow",
        "tell me a joke",
        "who won the football",
        "recommend a good pizza place",
        "how tall is the eiffel tower",
        "play some music",
        "what is the capital of peru",
        "set an alarm for 7",
        "translate hello to french",
        "how do I bake bread",
        "what time is it in tokyo",
        "book a table for two",
    ] * 3
    texts, labels = list(train.text) + oos[:24], list(train.category) + ["oos"] * 24
    clf = IntentClassifier(backend="tfidf").fit(texts, labels)
    assert UNKNOWN in clf.classes and clf.threshold is not None
    held_out = [
        "what's the weather in paris",
        "tell me a funny joke",
        "play music please",
        "how do I bake a cake",
        "what time is it in london",
        "book a table for four",
    ]
    scores = evaluate_intents(
        clf, list(test.text) + held_out, list(test.category) + ["unknown"] * 6
    )
    assert scores["oos_recall"] >= 0.8, scores
    assert scores["in_scope_accuracy"] >= 0.8, scores
    assert scores["n_out_of_scope"] == 6


def test_save_and_load_give_the_same_predictions(model: IntentClassifier, tmp_path: Path) -> None:
    path = model.save(tmp_path / "intents.npz")
    again = IntentClassifier.load(path)
    texts = ["my card never came", "what is the exchange rate", "xyzzy"]
    assert again.predict(texts) == model.predict(texts)
    with np.load(path, allow_pickle=False) as data:  # no pickles: loading cannot run code
        assert "meta" in data.files


def test_out_of_scope_labels() -> None:
    assert is_out_of_scope("OOS") and is_out_of_scope("unknown") and not is_out_of_scope("oops")


def test_builtin_catalogue_few_shot() -> None:
    catalogue = builtin_catalogue()
    names = {intent.name for intent in catalogue.intents}
    assert {"order_status", "refund_status", "speak_to_agent", "unknown"} <= names
    clf = catalogue.train()
    prediction = clf.predict(
        [
            "where is my parcel??",
            "I want my money back",
            "let me talk to a human",
            "what's the capital of peru",
        ]
    )
    assert prediction.intents[:3] == ["order_status", "refund_status", "speak_to_agent"]
    assert prediction.intents[3] == UNKNOWN


def test_custom_catalogue_from_json(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(
        json.dumps(
            {
                "name": "telco",
                "intents": [
                    {
                        "name": "roaming",
                        "description": "using the phone abroad",
                        "examples": ["roaming charges in spain", "does my plan work abroad"],
                    },
                    {
                        "name": "sim_card",
                        "description": "new or broken sim card",
                        "examples": ["my sim is broken", "I need a new sim card"],
                    },
                ],
            }
        )
    )
    clf = IntentCatalogue.from_json(path).train()
    assert clf.predict(["sim card not working"]).intents == ["sim_card"]
    assert clf.model_id == "catalogue:telco-v1"
    with pytest.raises(ValueError, match="needs 'intents'"):
        IntentCatalogue.from_dict({"name": "x"})


def test_enricher_reads_customer_messages_only(model: IntentClassifier) -> None:
    events = events_from_texts(["my new card has not arrived yet", "hello from the bot"])
    actors = ["customer", "bot"]
    import pyarrow as pa

    events = events.set_column(
        events.schema.get_field_index("actor"), events.schema.field("actor"), pa.array(actors)
    )
    found = annotations_by_event(IntentEnricher(model).enrich(events).annotations)
    assert list(found) == ["text-0"] and found["text-0"]["intent"] == "card_arrival"


def test_cli_train_and_evaluate(banking: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    train, test = banking
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    train.rename(columns={"text": "utterance", "category": "intent"}).to_csv(train_csv, index=False)
    test.rename(columns={"text": "msg", "category": "gold"}).to_csv(test_csv, index=False)
    runner = CliRunner()
    model_path = tmp_path / "m.npz"
    out = runner.invoke(
        app,
        [
            "intents",
            "train",
            str(train_csv),
            "--model",
            str(model_path),
            "--backend",
            "tfidf",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["intents"] == len(INTENTS)
    out = runner.invoke(
        app,
        [
            "intents",
            "evaluate",
            str(test_csv),
            "--model",
            str(model_path),
            "--text-column",
            "msg",
            "--label-column",
            "gold",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    scores = json.loads(out.stdout)
    assert {"accuracy", "in_scope_accuracy", "oos_recall"} <= set(scores)
    assert scores["accuracy"] >= 0.85 and scores["oos_recall"] is None
    bad = runner.invoke(app, ["intents", "evaluate", str(test_csv), "--model", str(model_path)])
    assert bad.exit_code != 0 and "label" in bad.output


def test_cli_understand_json(tmp_path: Path) -> None:
    runner = CliRunner()
    texts = tmp_path / "texts.txt"
    texts.write_text("where is my parcel? I already told you twice\nmail me at ann@example.com\n")
    out = runner.invoke(app, ["understand", "--file", str(texts), "--json"])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2
    keys = {"language", "intent", "intent_confidence", "sentiment", "signals", "redacted"}
    assert all(set(line) == keys for line in lines)
    assert lines[0]["intent"] == "order_status" and lines[0]["signals"] == ["repetition"]
    assert lines[1]["redacted"] == "mail me at [EMAIL]"


def test_discovery_recovers_known_intents(banking: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, test = banking
    subset = test[
        test.category.isin(
            ["exchange_rate", "pin_blocked", "cash_withdrawal_charge", "top_up_failed"]
        )
    ]
    candidates = discover_intents(list(subset.text), clusters=4, min_size=3)
    assert 3 <= len(candidates) <= 4
    assert sum(c.size for c in candidates) == len(subset)
    label_of = dict(zip(subset.text, subset.category, strict=False))
    purity = sum(
        pd.Series([label_of[e] for e in c.examples]).value_counts().iloc[0] for c in candidates
    ) / sum(len(c.examples) for c in candidates)
    assert purity >= 0.8
    assert all(c.keywords and c.name for c in candidates)


@pytest.mark.skipif(not ml_available(), reason="needs the ml extra (sentence-transformers)")
def test_embedding_backend_few_shot(
    banking: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    from cxloop.enrich.embeddings import embed

    train, test = banking
    few = train.groupby("category").head(10)
    clf = IntentClassifier(backend="auto").fit(list(few.text), list(few.category))
    assert clf.backend == "embedding"
    assert clf.neighbour_weight > 0  # few-shot: the nearest-example vote is on
    test = test.groupby("category").head(25)  # keeps the test (CPU embeddings) short
    vectors = embed(list(test.text))
    scores = evaluate_intents(clf, list(test.text), list(test.category), embeddings=vectors)
    assert scores["accuracy"] >= 0.85, scores
    # the examples travel with the model: a loaded model scores exactly the same
    loaded = IntentClassifier.load(clf.save(tmp_path / "few.npz"))
    assert loaded.neighbour_weight == clf.neighbour_weight
    np.testing.assert_allclose(
        loaded.probabilities(list(test.text[:50]), vectors[:50]),
        clf.probabilities(list(test.text[:50]), vectors[:50]),
        rtol=1e-6,
    )
