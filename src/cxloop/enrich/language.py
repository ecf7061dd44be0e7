"""Language detection with lingua, tuned for short customer messages.

lingua's high-accuracy mode is reliable on one- to five-word texts, which is most of what chat,
bot and IVR channels carry; its low-accuracy mode (trigrams only) is four times faster and just as
reliable on longer texts. :class:`LanguageDetector` uses the first for texts shorter than
``long_text_chars`` and the second for longer ones, and caches repeated texts (bot prompts, "ok",
"thanks"). A text that is plainly English by its function words is English without asking lingua
(:func:`obviously_english`, the ingest fast path); a short text with an English word on which
lingua's cheap trigram model says English is English too (:meth:`LanguageDetector.quick_english`).
Texts without letters, and texts lingua cannot decide, are ``und``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import ClassVar

import pyarrow as pa
from lingua import Language, LanguageDetectorBuilder

from cxloop.enrich.base import Enricher, EnrichmentResult, register_enricher
from cxloop.enrich.batch import annotation_table_from_json, json_string, text_column

DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "es", "de", "fr", "it", "pt", "nl", "pl", "sv", "da", "nb", "fi", "tr", "ru", "uk",
    "ar", "zh", "ja", "ko", "hi", "cs", "ro", "el", "hu",
)  # fmt: skip
"""ISO 639-1 codes detected by default (24 languages)."""

UNDETERMINED = "und"
"""ISO 639-2 code for "undetermined": no letters, or lingua could not decide."""

_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[a-z']+")

STRONG_ENGLISH_WORDS = frozenset(
    [
        "the",
        "you",
        "your",
        "this",
        "that",
        "with",
        "what",
        "how",
        "why",
        "when",
        "where",
        "which",
        "would",
        "should",
        "could",
        "there",
        "their",
        "they",
        "them",
        "have",
        "has",
        "does",
        "did",
        "been",
        "please",
        "thanks",
        "it's",
        "i'm",
        "i've",
        "don't",
        "can't",
        "isn't",
        "these",
        "those",
        "about",
        "because",
        "something",
        "anything",
        "nothing",
        "were",
        "being",
        "without",
        "through",
        "already",
        "whose",
        "while",
        "i'll",
        "you're",
        "you'll",
        "we're",
        "we've",
        "they're",
        "what's",
        "where's",
        "that's",
        "there's",
        "let's",
        "how's",
        "who's",
    ]
)
"""The subset of :data:`ENGLISH_FUNCTION_WORDS` that no other detected language writes at all
(leaving out "of", "want", "will", "help", "my", "for", "just", "still", "can", "after", which are
also Dutch, German, Polish, Danish, Swedish or Turkish words)."""

ENGLISH_FUNCTION_WORDS = STRONG_ENGLISH_WORDS | frozenset(
    [
        "after",
        "again",
        "always",
        "and",
        "any",
        "are",
        "before",
        "but",
        "can",
        "each",
        "every",
        "for",
        "from",
        "get",
        "got",
        "help",
        "him",
        "his",
        "i'd",
        "if",
        "into",
        "it",
        "its",
        "just",
        "know",
        "much",
        "my",
        "myself",
        "need",
        "never",
        "not",
        "of",
        "one",
        "only",
        "other",
        "our",
        "really",
        "she",
        "some",
        "still",
        "such",
        "than",
        "then",
        "though",
        "very",
        "want",
        "who",
        "will",
        "yet",
        "yourself",
    ]
)
"""English words that are not words of the other detected Latin-script languages (tokens that
end in ``n't`` count too)."""


_ENGLISH_ENDINGS = ("n't", "'re", "'ll", "'ve")

SHARED_SHORT_WORDS = frozenset(
    [
        "i",
        "a",
        "to",
        "be",
        "am",
        "is",
        "in",
        "on",
        "at",
        "an",
        "go",
        "me",
        "no",
        "so",
        "as",
        "or",
        "by",
        "up",
        "us",
        "all",
        "over",
        "had",
        "her",
        "he",
        "also",
        "more",
        "most",
        "see",
        "was",
        "do",
        "we",
    ]
)
"""Frequent English words that other languages also have (Polish "to", German "am", Dutch "is")."""

FAST_ENGLISH_MIN_WORDS = 3
FAST_ENGLISH_SHARE = 0.4
FAST_ENGLISH_STRONG_SHARE = 0.25
"""With two or more :data:`STRONG_ENGLISH_WORDS`, this share of English function words is
enough ("The app doesn't show the card I received.")."""
_NON_ASCII_LETTER = re.compile(r"[^\W\d_a-zA-Z]")


def obviously_english(text: str) -> bool:
    """The fast path: English without asking lingua.

    True for a text without non-ASCII letters, of three words or more, with at least one
    exclusively English word (:data:`ENGLISH_FUNCTION_WORDS`, or a word ending in ``n't``) and
    either at least 40 % of its words English function words (counting
    :data:`SHARED_SHORT_WORDS` too) or at least two :data:`STRONG_ENGLISH_WORDS` and 25 %.
    Most contact-centre traffic of an English-speaking company passes; anything else goes to
    lingua.
    """
    if not text.isascii() and _NON_ASCII_LETTER.search(text):
        return False
    words = _WORD.findall(text.lower())
    n = len(words)
    if n < FAST_ENGLISH_MIN_WORDS:
        return False
    endings = sum(word.endswith(_ENGLISH_ENDINGS) for word in words) if "'" in text else 0
    exclusive = sum(map(ENGLISH_FUNCTION_WORDS.__contains__, words)) + endings
    if not exclusive:
        return False
    english = exclusive + sum(map(SHARED_SHORT_WORDS.__contains__, words))
    if english >= FAST_ENGLISH_SHARE * n:
        return True
    if english < FAST_ENGLISH_STRONG_SHARE * n:
        return False
    return sum(map(STRONG_ENGLISH_WORDS.__contains__, words)) + endings >= 2


@lru_cache(maxsize=1)
def english_sentiment_words() -> frozenset[str]:
    """The words of VADER's English sentiment lexicon with four letters or more ("great",
    "worst", "love"): with lingua's trigram model agreeing, a sign of English."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    lexicon: dict[str, float] = SentimentIntensityAnalyzer().lexicon
    return frozenset(w for w in lexicon if len(w) >= 4 and w.isascii() and w.isalpha())


def has_english_word(text: str) -> bool:
    """Whether ``text`` has no non-ASCII letters and at least one English word: exclusively
    English (:data:`ENGLISH_FUNCTION_WORDS`, or ending in ``n't``) or an English sentiment word
    (:func:`english_sentiment_words`)."""
    if not text.isascii() and _NON_ASCII_LETTER.search(text):
        return False
    sentiment_words = english_sentiment_words()
    return any(
        word in ENGLISH_FUNCTION_WORDS or word in sentiment_words or word.endswith("n't")
        for word in _WORD.findall(text.lower())
    )


def _lingua_language(code: str) -> Language:
    for language in Language.all():
        if language.iso_code_639_1.name.lower() == code.lower():
            return language
    raise ValueError(f"lingua has no language with ISO 639-1 code {code!r}")


class LanguageDetector:
    """Detects the language of many texts; build once, reuse (loading models takes a second)."""

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        long_text_chars: int = 40,
        english_fast_path: bool = True,
    ) -> None:
        lingua_languages = [_lingua_language(code) for code in languages]
        builder = LanguageDetectorBuilder.from_languages(*lingua_languages)
        self._accurate = builder.build()
        fast_builder = LanguageDetectorBuilder.from_languages(*lingua_languages)
        self._fast = fast_builder.with_low_accuracy_mode().build()
        self.languages = tuple(languages)
        self.long_text_chars = long_text_chars
        self.english_fast_path = english_fast_path and "en" in languages
        self._short = lru_cache(maxsize=50_000)(self._detect_one)

    def quick_english(self, text: str) -> bool:
        """The second fast path, for short texts: an exclusively English word and lingua's
        trigram model (a fifth of the high-accuracy cost) agree that ``text`` is English."""
        return has_english_word(text) and self._fast.detect_language_of(text) == Language.ENGLISH

    def _detect_one(self, text: str) -> str:
        if not _LETTER.search(text):
            return UNDETERMINED
        if self.english_fast_path and obviously_english(text):
            return "en"
        if len(text) >= self.long_text_chars:
            language = self._fast.detect_language_of(text)
        elif self.english_fast_path and self.quick_english(text):
            return "en"
        else:
            language = self._accurate.detect_language_of(text)
        return UNDETERMINED if language is None else language.iso_code_639_1.name.lower()

    def detect(self, text: str | None) -> str:
        """ISO 639-1 code of ``text`` (``und`` when unknown)."""
        if not text:
            return UNDETERMINED
        if len(text) <= 200:  # repeated texts (bot prompts, templates, "ok") are common
            return self._short(text)
        return self._detect_one(text)

    def detect_many(self, texts: Sequence[str | None]) -> list[str]:
        """Codes of many texts, in order."""
        return [self.detect(text) for text in texts]


@lru_cache(maxsize=4)
def shared_detector(languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> LanguageDetector:
    """One detector per language set per process (its models are large)."""
    return LanguageDetector(languages)


@register_enricher
class LanguageEnricher(Enricher):
    """Annotates every event that has text with its language: ``{"language": "de"}``."""

    name: ClassVar[str] = "language"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "Language of the text (lingua, 24 languages by default)"

    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
        self.detector = shared_detector(tuple(languages))
        self._last: dict[str, str] = {}

    def last_languages(self) -> dict[str, str]:
        """``{event_id: language}`` of the most recent batch, for enrichers that run after this
        one in the same stack (sentiment picks its model by language)."""
        return self._last

    def enrich(self, events: pa.Table) -> EnrichmentResult:
        """Detect the language of every text in the batch."""
        texts = text_column(events)
        event_ids = events.column("event_id").to_pylist()
        rows = [i for i, text in enumerate(texts) if text]
        codes = self.detector.detect_many([texts[i] for i in rows])
        self._last = {event_ids[i]: code for i, code in zip(rows, codes, strict=True)}
        outputs = {code: f'{{"language": {json_string(code)}}}' for code in set(codes)}
        annotations = annotation_table_from_json(
            [event_ids[i] for i in rows], [outputs[code] for code in codes]
        )
        return EnrichmentResult(events=events, annotations=annotations)
