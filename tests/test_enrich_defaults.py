"""The default stack: order, redaction before everything, registry, re-run over the store."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from cxloop.enrich import Enricher, EnrichmentResult, available_enrichers, register_enricher
from cxloop.enrich.base import run_enrichers
from cxloop.enrich.batch import events_from_texts
from cxloop.enrich.defaults import default_enrichers
from cxloop.enrich.intent_catalogue import INTENT_MODEL_ENV
from cxloop.enrich.rerun import reenrich_store

RAW = [
    "I already told you! Card 4111 1111 1111 1111, cvv 123, call +44 20 7946 0958",
    "Mi correo es ana.garcia@example.es y mi IBAN ES91 2100 0418 4502 0005 1332",
    "Where is my parcel? I've been waiting two weeks",
]
SECRETS = ["4111", "7946", "ana.garcia", "2100 0418", "123,"]


def test_stack_order_and_registry() -> None:
    stack = default_enrichers()
    assert [e.name for e in stack] == ["pii", "language", "sentiment", "intent", "signals"]
    assert {"pii", "language", "sentiment", "intent", "signals"} <= set(available_enrichers())


def test_a_users_enricher_registers_like_the_builtins() -> None:
    @register_enricher
    class Shouting(Enricher):
        name = "shouting"
        version = "1"

        def enrich(self, events: pa.Table) -> EnrichmentResult:
            return EnrichmentResult(events=events)

    assert available_enrichers()["shouting"] is Shouting


def test_nothing_unredacted_leaves_the_stack() -> None:
    batch = run_enrichers(events_from_texts(RAW), default_enrichers())
    stored = json.dumps(batch.events.column("text").to_pylist())
    annotations = json.dumps([t.to_pylist() for t in batch.annotations.values()])
    for secret in SECRETS:
        assert secret not in stored and secret not in annotations, secret
    outputs = {name: t for (name, _), t in batch.annotations.items()}
    assert set(outputs) == {"pii", "language", "sentiment", "intent", "signals"}
    assert outputs["signals"].num_rows == 2


def test_configured_intent_model_replaces_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxloop.enrich.intent import IntentClassifier

    model = IntentClassifier(backend="tfidf").fit(
        ["roaming abroad", "roaming in spain", "sim broken", "new sim card"] * 3,
        ["roaming", "roaming", "sim", "sim"] * 3,
    )
    path = model.save(tmp_path / "telco.npz")
    monkeypatch.setenv(INTENT_MODEL_ENV, str(path))
    intent = default_enrichers()[3]
    assert intent.model.classes == ["roaming", "sim"]  # type: ignore[attr-defined]
    monkeypatch.setenv(INTENT_MODEL_ENV, str(tmp_path / "missing.npz"))
    with pytest.raises(FileNotFoundError, match="cxloop intents train"):
        default_enrichers()


def test_enrich_reruns_over_the_store_idempotently() -> None:
    store_module = pytest.importorskip("cxloop.store")
    store = store_module.open_store(":memory:")
    try:
        events = run_enrichers(events_from_texts(RAW), default_enrichers()[:1]).events
        store.append("events", events)
        stack = [e for e in default_enrichers() if e.name != "pii"]
        first = reenrich_store(store, stack, batch_size=2)
        assert first.events == 3
        assert first.written == {"language@1": 3, "sentiment@1": 2, "intent@1": 3, "signals@1": 2}
        again = reenrich_store(store, stack, batch_size=2)
        assert sum(again.written.values()) == 0 and again.skipped_existing["language@1"] == 3
        rows = store.query("SELECT count(*) AS n FROM enrichments").column("n")[0].as_py()
        assert rows == 10
    finally:
        store.close()


def test_hand_formatted_annotations_match_the_json_encoder() -> None:
    """language, sentiment and intent write their JSON directly; it must be exactly what
    ``annotation_table`` would have written for the same values."""
    from cxloop.enrich.batch import _ENCODER

    texts = [
        "Where is my order? I already told you twice!",
        "Das Paket ist nicht angekommen, ich bin sehr verärgert",
        'great, thanks "so" much 👍',
        "cancel my subscription now",
        "¿Dónde está mi pedido?",
        "ok",
    ]
    batch = run_enrichers(events_from_texts(texts), default_enrichers())
    seen = set()
    for (name, _), table in batch.annotations.items():
        for output in table.column("output").to_pylist():
            assert output == _ENCODER.encode(json.loads(output)), (name, output)
            seen.add(name)
    assert {"language", "sentiment", "intent"} <= seen
