"""Effort signals in customer text: repetition, asking for a human, waiting, switching channel.

Each signal is a documented list of phrases per language (English, Spanish, German, French);
``docs/understanding.md`` prints the same lists and a test keeps the two in step. Phrases are
regular expressions in lower case, matched on the lower-cased text at word boundaries; all of
them are compiled into one pattern so a text is scanned once.

Signals are only computed for what customers write (``actor`` customer or unknown): a bot saying
"an agent will be with you" is not the customer asking for one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import pyarrow as pa

from cxloop.enrich.base import Enricher, EnrichmentResult, register_enricher
from cxloop.enrich.batch import annotation_table, text_column

EFFORT_SIGNALS: dict[str, dict[str, list[str]]] = {
    "repetition": {
        "en": [
            r"(?:already|just) (?:told|said|explained|gave|sent)(?: (?:you|this|that|it))?",
            r"i (?:told|said) (?:you|this|that)(?: before| already)?",
            r"(?:second|third|fourth|fifth|nth|umpteenth|\d+(?:st|nd|rd|th)) time",
            r"how many times",
            r"(?:keep|have to|had to|need to) (?:repeat|repeating|explain(?:ing)? again)",
            r"repeat myself",
            r"(?:again and again|over and over)",
            r"(?:same|this) (?:question|thing) again",
        ],
        "es": [
            r"ya (?:te|le|les|lo) (?:dije|expliqué|he dicho|había dicho)",
            r"ya (?:lo )?(?:dije|expliqué|envié|mandé)",
            r"por (?:segunda|tercera|cuarta|enésima) vez",
            r"cu[áa]ntas veces",
            r"otra vez lo mismo",
            r"repetir(?:lo|me)? (?:otra vez|de nuevo)",
        ],
        "de": [
            r"(?:schon|bereits) (?:gesagt|erklärt|geschrieben|mitgeteilt|geschickt)",
            r"zum (?:zweiten|dritten|vierten|x-ten|wiederholten) mal",
            r"wie oft (?:noch|denn|soll ich)",
            r"(?:noch ?mal|nochmals|erneut) erklären",
            r"immer wieder (?:das gleiche|dasselbe)",
        ],
        "fr": [
            r"(?:je vous l'ai|je l'ai) déjà (?:dit|expliqué|écrit|envoyé)",
            r"déjà (?:dit|expliqué|signalé)",
            r"pour la (?:deuxième|troisième|quatrième|énième) fois",
            r"combien de fois",
            r"(?:encore|toujours) la même (?:chose|question)",
            r"me répéter",
        ],
    },
    "human_request": {
        "en": [
            r"(?:talk|speak|chat) (?:to|with) (?:a |an |some |)(?:human|person|agent|"
            r"representative|rep|operator|someone|somebody|real person|live person|manager|"
            r"supervisor)",
            r"(?:real|live|actual) (?:person|human|agent)",
            r"(?:human|live) agent",
            r"(?:customer service |customer care )?representative",
            r"\bagent(?: please)?[.!]*$",
            r"operator",
            r"(?:press|pressed|pressing|hit|hitting|dial|dialed|dialling) (?:0|zero)",
            r"(?:get|give|put) me (?:a |an |to |through to )(?:human|person|agent|manager|someone)",
            r"(?:transfer|connect) me",
            r"(?:your|a) (?:manager|supervisor)",
        ],
        "es": [
            r"hablar con (?:un |una |)(?:agente|asesor|asesora|persona|humano|operador|"
            r"operadora|alguien|supervisor|encargado)",
            r"(?:persona|agente) real",
            r"(?:un|una) (?:agente|asesor|asesora|operador|operadora)",
            r"(?:marcar|marqué|pulsar|pulsé|presionar|presioné) (?:el )?(?:0|cero)",
            r"p[áa]sa?me con (?:alguien|una persona|un agente)",
        ],
        "de": [
            r"(?:mit|einen?|einem) (?:echten |richtigen |)(?:mitarbeiter(?:in)?|menschen|"
            r"berater(?:in)?|kundenberater(?:in)?|vorgesetzten|person)",
            r"(?:echten|richtigen) menschen",
            r"(?:taste|die) (?:0|null) (?:gedrückt|drücken)",
            r"(?:verbinden sie mich|stellen sie mich durch)",
        ],
        "fr": [
            r"parler à (?:un |une |)(?:conseiller|conseillère|agent|humain|personne|opérateur|"
            r"opératrice|quelqu'un|responsable)",
            r"(?:vraie|vrai) (?:personne|humain|conseiller)",
            r"(?:un|une) (?:conseiller|conseillère|opérateur|opératrice)",
            r"(?:taper|tapé|appuyer sur|appuyé sur) (?:le )?(?:0|zéro)",
            r"passez-moi (?:un|une|quelqu'un)",
        ],
    },
    "waiting": {
        "en": [
            r"(?:been|still|keep|kept|am|i'm|im) waiting",
            r"waited (?:for )?(?:\d+|an?|over|more than|all|so|too|hours|days|weeks|ages)",
            r"on hold",
            r"in (?:the|a|your) queue",
            r"(?:for|takes?|taking|took) (?:ever|forever|ages|so long|too long)",
            r"forever",
            r"\d+ (?:minutes|mins|hours|hrs|days|weeks) (?:on hold|waiting|in the queue|now|later)",
            r"(?:no|never got an?) (?:answer|response|reply|call ?back)",
            r"(?:nobody|no one|no-one) (?:called|got|gets|wrote|writes|answer(?:s|ed)?|"
            r"respond(?:s|ed)?)(?: me)?(?: back)?",
            r"still (?:no|nothing|hasn't|haven't|not)",
        ],
        "es": [
            r"(?:sigo|estoy|llevo) esperando",
            r"en espera",
            r"esper(?:é|ando) (?:\d+|horas|días|semanas|mucho|demasiado)",
            r"llevo (?:\d+|horas|días|semanas) ",
            r"una eternidad",
            r"(?:nadie|ninguno) (?:me )?(?:contesta|responde|llama|llamó|contestó|respondió)",
            r"sin respuesta",
            r"tanto tiempo",
            r"todavía no",
        ],
        "de": [
            r"warte (?:schon|seit|immer noch|noch)",
            r"warteschleife",
            r"(?:stunden|tage|wochen|ewig|lange) gewartet",
            r"seit (?:\d+ )?(?:stunden|tagen|wochen|einer ewigkeit)",
            r"keine (?:antwort|rückmeldung|reaktion)",
            r"(?:niemand|keiner) (?:meldet sich|ruft zurück|antwortet|hat sich gemeldet)",
            r"(?:immer noch|noch immer) (?:nicht|nichts|kein)",
            r"dauert (?:ewig|so lange|zu lange)",
        ],
        "fr": [
            r"(?:j'attends|j'ai attendu|en attente|attendre) ",
            r"depuis (?:\d+ )?(?:heures|jours|semaines|des heures|des jours|des semaines)",
            r"une éternité",
            r"(?:pas de|aucune) (?:réponse|nouvelles|retour)",
            r"personne ne (?:répond|rappelle|m'a rappelé|m'a répondu)",
            r"(?:si|trop) longtemps",
            r"toujours (?:pas|rien)",
        ],
    },
    "channel_switch": {
        "en": [
            r"tried (?:the |your )?(?:chat|chatbot|bot|app|website|site|phone|email|calling|"
            r"to call|emailing|the store)",
            r"(?:already |i )?(?:called|phoned|rang) (?:you|yesterday|earlier|before|twice|"
            r"three times|last week|the hotline)",
            r"(?:sent|wrote) (?:you )?(?:an? |several |)(?:emails?|messages?|letters?|dms?)",
            r"(?:emailed|messaged|tweeted|dm'?d) you",
            r"(?:the|your) (?:chat ?bot|bot|virtual assistant) (?:couldn't|could not|didn't|"
            r"did not|can't|cannot|was useless)",
            r"(?:in|at) the (?:store|shop|branch) (?:they|he|she) (?:said|told)",
            r"(?:the|your) (?:website|app|site) (?:says|said|didn't|doesn't|won't)",
            r"(?:on|over) the phone (?:earlier|yesterday|before|they)",
        ],
        "es": [
            r"(?:ya )?(?:llamé|he llamado|escribí|he escrito)",
            r"(?:intenté|probé) (?:por |con |en )?(?:el |la )?(?:chat|teléfono|correo|app|web)",
            r"(?:mandé|envié) (?:un |varios )?(?:correos?|mails?|mensajes?)",
            r"(?:el|su) (?:chatbot|bot|asistente virtual) no",
            r"en la (?:tienda|sucursal|oficina) me dijeron",
        ],
        "de": [
            r"(?:schon|bereits) (?:angerufen|geschrieben|gemailt)",
            r"(?:im|per|über den) (?:chat|chatbot|telefon)(?: (?:versucht|gesagt|geschrieben))",
            r"(?:e-?mail|mail|nachricht) geschickt",
            r"(?:der|ihr) (?:chatbot|bot|virtuelle assistent) (?:konnte|kann|hat) (?:nicht|nichts)",
            r"in der (?:filiale|hotline|app) (?:hat man|wurde mir|hieß es)",
        ],
        "fr": [
            r"(?:j'ai )?(?:déjà )?(?:appelé|téléphoné|écrit)(?: hier| plusieurs fois| deux fois)",
            r"(?:essayé|tenté) (?:le |la |par |sur )?(?:chat|téléphone|mail|appli|site)",
            r"(?:envoyé|écrit) (?:un |plusieurs )?(?:mails?|e-mails?|courriels?|messages?)",
            r"(?:le|votre) (?:chatbot|bot|assistant virtuel) (?:n'a|ne peut|ne sait)",
            r"en (?:magasin|agence|boutique) (?:on m'a dit|ils m'ont dit)",
        ],
    },
}
"""Phrases per signal and language (regular expressions, case-insensitive, word-bounded)."""

SIGNAL_NAMES: tuple[str, ...] = tuple(EFFORT_SIGNALS)


def _compile(signals: dict[str, dict[str, list[str]]]) -> re.Pattern[str]:
    groups = []
    for signal, by_language in signals.items():
        phrases = "|".join(p for phrases in by_language.values() for p in phrases)
        groups.append(rf"(?P<{signal}>{phrases})")
    # one word-boundary check for all signals (not one per signal): positions inside a word fail
    # at once, a third faster; matched against lower-cased text because IGNORECASE makes
    # Python's regex engine 2x slower
    return re.compile(rf"(?<!\w)(?:{'|'.join(groups)})(?!\w)", re.MULTILINE)


_SIGNAL_PATTERN = _compile(EFFORT_SIGNALS)


def effort_signals(text: str | None) -> list[str]:
    """The effort signals in ``text``, in :data:`SIGNAL_NAMES` order."""
    if not text:
        return []
    found = {match.lastgroup for match in _SIGNAL_PATTERN.finditer(text.lower())}
    return [name for name in SIGNAL_NAMES if name in found]


def signal_phrases(text: str) -> dict[str, list[str]]:
    """Which phrases triggered which signal (for explanations and tests)."""
    out: dict[str, list[str]] = {}
    for match in _SIGNAL_PATTERN.finditer(text.lower()):
        assert match.lastgroup is not None
        out.setdefault(match.lastgroup, []).append(match.group(0))
    return out


_CUSTOMER_ACTORS = {None, "customer"}


@register_enricher
class EffortSignalsEnricher(Enricher):
    """Annotates customer messages that show effort: ``{"signals": ["repetition", "waiting"]}``."""

    name: ClassVar[str] = "signals"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "Effort signals in customer text (en, es, de, fr): repetition, human_request, waiting, "
        "channel_switch"
    )

    def enrich(self, events: pa.Table) -> EnrichmentResult:
        """Find signals in every customer text; annotates only events with at least one."""
        texts = text_column(events)
        actors: Sequence[str | None] = events.column("actor").to_pylist()
        event_ids = events.column("event_id").to_pylist()
        ids, outputs = [], []
        for event_id, text, actor in zip(event_ids, texts, actors, strict=True):
            if not text or actor not in _CUSTOMER_ACTORS:
                continue
            signals = effort_signals(text)
            if signals:
                ids.append(event_id)
                outputs.append({"signals": signals})
        return EnrichmentResult(events=events, annotations=annotation_table(ids, outputs))
