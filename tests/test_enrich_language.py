"""Language detection: 24 languages, short texts, the English fast path, the enricher."""

from __future__ import annotations

from collections import Counter

import pytest

from cxloop.enrich.batch import annotations_by_event, events_from_texts
from cxloop.enrich.language import (
    DEFAULT_LANGUAGES,
    LanguageDetector,
    LanguageEnricher,
    obviously_english,
)
from enrich_language_samples import LANGUAGE_SAMPLES


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def test_at_least_18_languages_are_detected(detector: LanguageDetector) -> None:
    assert len(DEFAULT_LANGUAGES) >= 18 and set(LANGUAGE_SAMPLES) <= set(DEFAULT_LANGUAGES)
    per_language = Counter()
    total = 0
    for code, texts in LANGUAGE_SAMPLES.items():
        for text in texts:
            total += 1
            per_language[code] += detector.detect(text) == code
    accuracy = sum(per_language.values()) / total
    assert accuracy >= 0.95, per_language
    # every language is recognized in at least three of its four samples
    assert all(per_language[code] >= 3 for code in LANGUAGE_SAMPLES), per_language


def test_short_texts(detector: LanguageDetector) -> None:
    short = {
        "Wo ist mein Paket?": "de",
        "¿Dónde está mi pedido?": "es",
        "Merci beaucoup": "fr",
        "Где моя посылка?": "ru",
        "Dziękuję bardzo": "pl",
        "Grazie mille": "it",
    }
    assert {text: detector.detect(text) for text in short} == short


def test_undetermined(detector: LanguageDetector) -> None:
    assert detector.detect("") == "und"
    assert detector.detect(None) == "und"
    assert detector.detect("12345 !!!") == "und"


TRICKY = [  # other languages with words that are also English words
    "Was ist mit meiner Bestellung los",
    "Ich will mit einem Mitarbeiter sprechen",
    "Am Montag war ich in der Filiale",
    "Ik wil dat het is opgelost",
    "We hebben een probleem met de app",
    "Is mijn pakket al onderweg",
    "No me llega el paquete",
    "A che ora aprite",
    "Tenho um problema com a conta",
    "On m'a dit que le colis était parti",
    "To jest problem z kartą",
    "Go nie ma",
    "Det är ett problem med appen",
    "Jeg har ikke fået min pakke",
    "Am o problemă cu cardul",
    # two words that are also English function words, but no strongly English one
    "Ik weet niet of het werkt want het pakket is niet bezorgd",
    "Ich will die App, aber sie will nicht",
    "My mamy problem z karta od wczoraj",
    "Tusen takk for hjelpen",
    "Kan du hjelpe meg med kortet mitt",
]


def test_english_fast_path_never_claims_other_languages() -> None:
    for code, texts in LANGUAGE_SAMPLES.items():
        for text in texts:
            if code != "en":
                assert not obviously_english(text), text
    for text in TRICKY:
        assert not obviously_english(text), text
    assert obviously_english("I have been waiting for my card for two weeks")
    assert obviously_english("I am waiting for a payment to go through.")
    assert not obviously_english("ok")  # too short to decide without lingua
    # the second rule: two strongly English words and 25 % function words
    assert obviously_english("The app doesn't show the card I received.")
    assert not obviously_english("exchange rate wrong the card payment was declined today")


def test_short_text_fast_path_never_claims_other_languages(detector: LanguageDetector) -> None:
    for code, texts in LANGUAGE_SAMPLES.items():
        for text in texts:
            if code != "en":
                assert not detector.quick_english(text), text
    for text in TRICKY:
        assert not detector.quick_english(text), text
    assert detector.quick_english("it works great.")
    assert detector.quick_english("worst customer service on record.")  # a sentiment word


def test_widened_fast_path_agrees_with_lingua() -> None:
    """Texts only the second rule settles are English by lingua too (no fast path)."""
    slow = LanguageDetector(english_fast_path=False)
    texts = [
        "The app doesn't show the card I received.",
        "Where's accounting for my cash withdrawal?",
        "I'm trying to figure out the current exchange rate.",
        "Does your system support multiple currencies?",
    ]
    assert all(obviously_english(text) for text in texts)
    assert [slow.detect(text) for text in texts] == ["en"] * len(texts)


def test_fast_path_agrees_with_lingua(detector: LanguageDetector) -> None:
    slow = LanguageDetector(english_fast_path=False)
    texts = ["Why was my card declined at the shop?", "Can you help me with a refund please"]
    assert [slow.detect(t) for t in texts] == [detector.detect(t) for t in texts] == ["en", "en"]


def test_enricher_annotates_events_with_text() -> None:
    events = events_from_texts(["Wo ist meine Bestellung?", None, "Where is my order please?"])
    result = LanguageEnricher().enrich(events)
    assert annotations_by_event(result.annotations) == {
        "text-0": {"language": "de"},
        "text-2": {"language": "en"},
    }
    assert result.events is events
