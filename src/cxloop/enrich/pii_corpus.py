"""A labelled PII evaluation corpus, generated deterministically, with hard negatives.

Customer messages in the shapes contact centres see — chat, email, IVR/voice transcripts with
spoken digits — carrying card numbers (spaced, dashed, spoken), security codes, emails, phones in
several national and international formats, IBANs, national ids and known names, mixed with hard
negatives that look numeric but are not personal data: order and invoice numbers, dates, amounts,
tracking codes, EAN barcodes, card-length numbers that fail Luhn, times, versions and IPs.

:func:`evaluate_redaction` scores :func:`cxloop.enrich.pii_detect.find_pii` against it per kind.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cxloop.enrich.pii_detect import PII_KINDS, PiiSpan, find_pii, name_pattern


@dataclass(frozen=True)
class LabelledText:
    """One corpus text with its gold spans ``(start, end, kind)`` and the profile's names."""

    text: str
    spans: tuple[tuple[int, int, str], ...]
    names: tuple[str, ...] = ()


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    length: int = 0

    def add(self, text: str, kind: str | None = None) -> None:
        if kind is not None:
            self.spans.append((self.length, self.length + len(text), kind))
        self.parts.append(text)
        self.length += len(text)


_SPOKEN_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_SPOKEN = {
    "en": _SPOKEN_EN,
    "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"],
    "fr": ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"],
    "de": ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"],
}
_CARD_PREFIXES: list[tuple[str, int]] = [
    ("4", 16),
    ("4", 16),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("65", 16),
    ("3530", 16),
    ("36", 14),
    ("62", 16),
    ("4", 19),
]
_FIRST = ["ann", "john", "maria", "li", "ahmed", "sophie", "jürgen", "olga", "kofi", "emma"]
_LAST = ["smith", "garcia", "müller", "dupont", "nakamura", "okafor", "rossi", "kowalski"]
_DOMAINS = ["example.com", "mail.example.org", "gmail.com", "outlook.de", "firma.co.uk", "web.fr"]
_US_AREAS = ["212", "310", "415", "617", "312", "206", "305", "404", "512", "720", "646", "202"]
_INTL_PHONES = [
    "+44 20 7946 {a}{b}",
    "+44 7911 1{c}{b}",
    "+49 30 1234{a}{b}",
    "+33 1 42 68 {a} {b}",
    "+34 912 345 {c}",
    "+31 20 123 {a}{b}",
    "+61 2 9374 {a}{b}",
    "+49 151 2345{a}{b}",
    "0044 20 7946 {a}{b}",
    "+353 1 234 {a}{b}",
]


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        candidate = body + check
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def _card(rng: random.Random) -> str:
    prefix, length = rng.choice(_CARD_PREFIXES)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return _luhn_complete(body)


def _not_luhn(digits: str) -> str:
    """A card-shaped number with a wrong check digit (a typo, or an internal reference)."""
    return digits[:-1] + str((int(digits[-1]) + 1 + int(digits[0])) % 10 or 1)


def _format_card(rng: random.Random, digits: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return digits
    if len(digits) == 15 and style in (1, 2):
        sep = " " if style == 1 else "-"
        return sep.join([digits[:4], digits[4:10], digits[10:]])
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    if style == 1:
        return " ".join(groups)
    if style == 2:
        return "-".join(groups)
    if style == 3:
        return ".".join(groups)
    return "  ".join(groups) if rng.random() < 0.3 else " - ".join(groups)


def _spoken(rng: random.Random, digits: str, language: str = "en") -> str:
    words = _SPOKEN[language]
    out: list[str] = []
    i = 0
    while i < len(digits):
        if (
            language == "en"
            and i + 1 < len(digits)
            and digits[i] == digits[i + 1]
            and rng.random() < 0.3
        ):
            out.append(f"double {words[int(digits[i])]}")
            i += 2
            continue
        out.append(
            "oh"
            if digits[i] == "0" and language == "en" and rng.random() < 0.3
            else words[int(digits[i])]
        )
        i += 1
    joiner = rng.choice([" ", " ", ", "])
    return joiner.join(out)


def _iban(rng: random.Random) -> str:
    country, bban_len = rng.choice([("DE", 18), ("GB", 18), ("FR", 23), ("ES", 20), ("NL", 14)])
    if country == "GB":
        bban = "NWBK" + "".join(rng.choice("0123456789") for _ in range(14))
    elif country == "NL":
        bban = "ABNA" + "".join(rng.choice("0123456789") for _ in range(10))
    else:
        bban = "".join(rng.choice("0123456789") for _ in range(bban_len))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


def _us_phone(rng: random.Random) -> str:
    area = rng.choice(_US_AREAS)
    exchange = str(rng.randrange(201, 999))
    while exchange[1:] == "11" or exchange == "555":
        exchange = str(rng.randrange(201, 999))
    line = f"{rng.randrange(0, 10000):04d}"
    style = rng.randrange(5)
    return [
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"+1 {area} {exchange} {line}",
        f"1-{area}-{exchange}-{line}",
    ][style]


def _ssn(rng: random.Random) -> str:
    return f"{rng.randrange(1, 665):03d}-{rng.randrange(1, 99):02d}-{rng.randrange(1, 9999):04d}"


def _dni(rng: random.Random) -> str:
    number = rng.randrange(10_000_000, 99_999_999)
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def _hard_negative(rng: random.Random) -> str:
    """Something numeric that is not personal data."""
    choices: list[Callable[[], str]] = [
        lambda: f"order #{rng.randrange(100_000, 999_999_999)}",
        lambda: f"order number {rng.choice(_US_AREAS)}{rng.randrange(2_000_000, 9_999_999)}",
        lambda: f"invoice INV-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
        lambda: f"ORD-2024-{rng.randrange(0, 999999):06d}",
        lambda: f"{rng.randrange(1, 13):02d}/{rng.randrange(1, 29):02d}/20{rng.randrange(10, 30)}",
        lambda: f"20{rng.randrange(10, 30)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        lambda: f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.20{rng.randrange(10, 30)}",
        lambda: f"${rng.randrange(1, 9999):,}.{rng.randrange(0, 99):02d}",
        lambda: f"€{rng.randrange(1000, 99999):,}".replace(",", ".") + ",00",
        lambda: f"USD {rng.randrange(10_000, 9_999_999):,}",
        lambda: f"1Z{rng.randrange(100, 999)}AA1{rng.randrange(10**10, 10**11)}",
        lambda: "9400 " + " ".join(f"{rng.randrange(0, 9999):04d}" for _ in range(4)) + " 12",
        lambda: f"tracking {rng.randrange(10**11, 10**12)}",
        lambda: f"EAN 400638{rng.randrange(1_000_000, 9_999_999)}",
        lambda: f"reference {_not_luhn(_card(rng))}",
        lambda: f"at {rng.randrange(0, 24):02d}:{rng.randrange(0, 60):02d}",
        lambda: f"I waited {rng.randrange(100, 999)} minutes",
        lambda: f"version {rng.randrange(1, 9)}.{rng.randrange(0, 20)}.{rng.randrange(0, 9)}",
        lambda: f"IP 192.168.{rng.randrange(0, 255)}.{rng.randrange(0, 255)}",
        lambda: f"ticket {rng.randrange(1000, 9999)}-{rng.randrange(100000, 999999)}",
        lambda: f"case {rng.randrange(10**7, 10**9)}",
        lambda: f"@{rng.choice(_FIRST)}_{rng.randrange(10, 99)} on twitter",
        lambda: (
            f"{rng.randrange(2, 12)} items for {rng.randrange(10, 500)}.{rng.randrange(10, 99)} EUR"
        ),
        lambda: f"room {rng.randrange(100, 999)}, floor {rng.randrange(1, 30)}",
    ]
    return rng.choice(choices)()


_OPENERS = [
    "Hi, ",
    "Hello team, ",
    "Hola, ",
    "Bonjour, ",
    "Hallo, ",
    "",
    "Customer: ",
    "ok so ",
    "Dear support, ",
]
_FILLERS = [
    " and it still hasn't arrived. ",
    " please help. ",
    " - I have been waiting forever. ",
    " thanks! ",
    ". ",
    " but nobody called back. ",
    " como les dije. ",
    " merci. ",
    " danke. ",
]


def _positive(rng: random.Random, b: _Builder, names: list[str]) -> None:
    kind = rng.choice(
        [
            "card",
            "card",
            "card_spoken",
            "cvv",
            "email",
            "email",
            "phone",
            "phone",
            "phone_intl",
            "phone_spoken",
            "iban",
            "ssn",
            "dni",
            "name",
        ]
    )
    if kind in ("card", "cvv"):
        b.add(rng.choice(["my card is ", "card number: ", "charge it to ", "use "]))
        b.add(_format_card(rng, _card(rng)), "card")
        if kind == "cvv":
            b.add(rng.choice([" exp 12/27 cvv ", " and the security code is ", ", CVC: "]))
            b.add(
                f"{rng.randrange(100, 9999 if rng.random() < 0.2 else 999)}", "card_security_code"
            )
    elif kind == "card_spoken":
        language = rng.choice(["en", "en", "en", "es", "fr", "de"])
        b.add(rng.choice(["the number is ", "it's ", "card "]))
        b.add(_spoken(rng, _card(rng), language), "card")
        if rng.random() < 0.4:
            b.add(" and the security code is ")
            b.add(_spoken(rng, f"{rng.randrange(100, 999)}"), "card_security_code")
    elif kind == "email":
        local = rng.choice(_FIRST) + rng.choice([".", "_", "", "+cx"]) + rng.choice(_LAST)
        if rng.random() < 0.2:
            local = local.capitalize()
        b.add(rng.choice(["email me at ", "my email is ", "contact: ", "send it to "]))
        b.add(
            f"{local}{rng.randrange(0, 99) if rng.random() < 0.3 else ''}@{rng.choice(_DOMAINS)}",
            "email",
        )
    elif kind == "phone":
        b.add(rng.choice(["call me on ", "my number is ", "phone: ", "reach me at "]))
        b.add(_us_phone(rng), "phone")
    elif kind == "phone_intl":
        b.add(rng.choice(["call me on ", "my mobile is ", "tel. "]))
        template = rng.choice(_INTL_PHONES)
        number = template.format(
            a=f"{rng.randrange(0, 100):02d}",
            b=f"{rng.randrange(0, 100):02d}",
            c=f"{rng.randrange(0, 1000):03d}",
        )
        b.add(number, "phone")
    elif kind == "phone_spoken":
        b.add(rng.choice(["my number is ", "call back on ", "it's "]))
        digits = (
            rng.choice(_US_AREAS) + str(rng.randrange(201, 554)) + f"{rng.randrange(0, 10000):04d}"
        )
        b.add(_spoken(rng, digits), "phone")
    elif kind == "iban":
        b.add(rng.choice(["refund to IBAN ", "my IBAN: ", "account "]))
        b.add(_iban(rng), "iban")
    elif kind == "ssn":
        b.add(rng.choice(["SSN ", "my social is ", "social security number "]))
        b.add(_ssn(rng), "national_id")
    elif kind == "dni":
        b.add(rng.choice(["DNI ", "mi DNI es ", "documento "]))
        b.add(_dni(rng), "national_id")
    else:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        names.append(f"{first.capitalize()} {last.capitalize()}")
        b.add(rng.choice(["this is ", "my name is ", "it's for "]))
        b.add(f"{first.capitalize()} {last.capitalize()}", "name")


def pii_corpus(n: int = 2000, seed: int = 7) -> list[LabelledText]:
    """``n`` labelled texts; roughly a third hold only hard negatives and no personal data."""
    rng = random.Random(seed)
    corpus: list[LabelledText] = []
    for _ in range(n):
        b = _Builder()
        names: list[str] = []
        b.add(rng.choice(_OPENERS))
        for piece in range(rng.randrange(1, 4)):
            if rng.random() < 0.45:
                _positive(rng, b, names)
            else:
                b.add(rng.choice(["about ", "re: ", "for ", "regarding ", ""]))
                b.add(_hard_negative(rng))
            b.add(rng.choice(_FILLERS) if piece < 2 else ".")
        corpus.append(LabelledText("".join(b.parts), tuple(b.spans), tuple(names)))
    return corpus


@dataclass(frozen=True)
class KindScore:
    """Precision and recall of one kind of personal data."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of findings that were personal data of this kind (1.0 when nothing found)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of gold spans found (1.0 when there were none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate_redaction(
    corpus: Sequence[LabelledText],
    detect: Callable[[LabelledText], Sequence[PiiSpan]] | None = None,
) -> dict[str, KindScore]:
    """Span-level scores per kind (a finding counts when it overlaps a gold span of its kind);
    the key ``all`` sums every kind."""
    if detect is None:

        def detect(item: LabelledText) -> Sequence[PiiSpan]:
            return find_pii(item.text, names=name_pattern(item.names) if item.names else None)

    counts = {kind: [0, 0, 0] for kind in PII_KINDS}
    for item in corpus:
        found = detect(item)
        for span in found:
            hit = any(
                kind == span.kind and span.start < end and start < span.end
                for start, end, kind in item.spans
            )
            counts[span.kind][0 if hit else 1] += 1
        for start, end, kind in item.spans:
            if not any(s.kind == kind and s.start < end and start < s.end for s in found):
                counts[kind][2] += 1
    scores = {kind: KindScore(*values) for kind, values in counts.items()}
    scores["all"] = KindScore(*(sum(v[i] for v in counts.values()) for i in range(3)))
    return scores
