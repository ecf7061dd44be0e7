"""Effort signals: word lists in en, es, de, fr; customers only; the docs list every phrase."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxloop.enrich.batch import annotations_by_event, events_from_texts
from cxloop.enrich.signals import (
    EFFORT_SIGNALS,
    SIGNAL_NAMES,
    EffortSignalsEnricher,
    effort_signals,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "understanding.md"

POSITIVES = [
    ("en", "repetition", "I already told you my order number!"),
    ("en", "repetition", "This is the third time I'm contacting you"),
    ("en", "repetition", "How many times do I have to explain this?"),
    ("en", "human_request", "agent"),
    ("en", "human_request", "Can I speak to a real person please"),
    ("en", "human_request", "I pressed 0 five times and nothing happened"),
    ("en", "human_request", "get me a representative"),
    ("en", "waiting", "I've been on hold for 40 minutes"),
    ("en", "waiting", "still waiting for my refund"),
    ("en", "waiting", "nobody called me back"),
    ("en", "channel_switch", "I tried the chat and it was useless"),
    ("en", "channel_switch", "I already called you yesterday"),
    ("en", "channel_switch", "I sent an email last week"),
    ("es", "repetition", "Ya te dije que no funciona"),
    ("es", "repetition", "Es la tercera vez que escribo, por tercera vez"),
    ("es", "human_request", "Quiero hablar con un agente"),
    ("es", "human_request", "pasame con una persona real"),
    ("es", "waiting", "Llevo esperando dos horas"),
    ("es", "waiting", "Nadie me contesta"),
    ("es", "channel_switch", "Ya llamé y no me ayudaron"),
    ("es", "channel_switch", "Intenté por el chat"),
    ("de", "repetition", "Das habe ich Ihnen schon gesagt"),
    ("de", "repetition", "Ich schreibe zum dritten Mal"),
    ("de", "human_request", "Ich will mit einem Mitarbeiter sprechen"),
    ("de", "human_request", "Bitte einen echten Menschen"),
    ("de", "waiting", "Ich warte seit Tagen auf eine Antwort"),
    ("de", "waiting", "Ich hänge in der Warteschleife"),
    ("de", "channel_switch", "Ich habe schon angerufen"),
    ("de", "channel_switch", "Der Chatbot konnte nicht helfen"),
    ("fr", "repetition", "Je vous l'ai déjà dit"),
    ("fr", "repetition", "C'est pour la troisième fois que j'écris"),
    ("fr", "human_request", "Je veux parler à un conseiller"),
    ("fr", "human_request", "J'ai tapé 0 plusieurs fois"),
    ("fr", "waiting", "J'attends depuis des heures"),
    ("fr", "waiting", "Toujours pas de réponse"),
    ("fr", "channel_switch", "J'ai déjà appelé hier"),
    ("fr", "channel_switch", "J'ai essayé le chat"),
]


@pytest.mark.parametrize(("language", "signal", "text"), POSITIVES)
def test_signal_is_found(language: str, signal: str, text: str) -> None:
    assert signal in effort_signals(text), (language, text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, that was quick and helpful",
        "What are your opening hours?",
        "Where is my parcel?",
        "The agency sent me a letter of agreement",
        "Wie sind Ihre Öffnungszeiten?",
        "¿Cuál es el horario de la tienda?",
        "Quel est le prix de cet article ?",
        "I want to update my address",
    ],
)
def test_neutral_messages_have_no_signals(text: str) -> None:
    assert effort_signals(text) == []


def test_every_signal_has_all_four_languages() -> None:
    assert SIGNAL_NAMES == ("repetition", "human_request", "waiting", "channel_switch")
    for by_language in EFFORT_SIGNALS.values():
        assert set(by_language) == {"en", "es", "de", "fr"}
    covered = {(lang, sig) for lang, sig, _ in POSITIVES}
    assert len(covered) == 16  # every signal tested in every language


def test_enricher_only_reads_customers() -> None:
    events = events_from_texts(["I already told you, get me an agent", "An agent will help you"])
    actors = events.column("actor").to_pylist()
    actors[1] = "bot"
    events = events.set_column(
        events.schema.get_field_index("actor"),
        events.schema.field("actor"),
        __import__("pyarrow").array(actors),
    )
    found = annotations_by_event(EffortSignalsEnricher().enrich(events).annotations)
    assert found == {"text-0": {"signals": ["repetition", "human_request"]}}


def test_docs_list_every_phrase() -> None:
    if not DOCS.is_file():
        pytest.fail(f"{DOCS} is missing: the word lists must be documented")
    text = DOCS.read_text(encoding="utf-8")
    for by_language in EFFORT_SIGNALS.values():
        for phrases in by_language.values():
            for phrase in phrases:
                documented = phrase.replace("|", "\\|")  # escaped inside Markdown tables
                assert f"`{documented}`" in text, f"docs/understanding.md does not list {phrase!r}"
