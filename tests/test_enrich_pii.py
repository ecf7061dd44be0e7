"""PII redaction: detectors, the PCI rule, policies, the enricher, and the labelled corpus."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from cxloop.enrich import Enricher, EnrichmentResult, run_enrichers
from cxloop.enrich.batch import annotations_by_event, events_from_texts
from cxloop.enrich.pii_corpus import evaluate_redaction, pii_corpus
from cxloop.enrich.pii_detect import find_pii, iban_valid, is_card_number, luhn_valid
from cxloop.enrich.redaction import (
    PiiAction,
    ProfileNames,
    RedactionEnricher,
    RedactionPolicy,
    RedactionPolicyError,
    TextRedactor,
    record_redactor,
    redact_text,
)

VISA = "4111111111111111"


def kinds(text: str) -> list[str]:
    return [span.kind for span in find_pii(text)]


def test_corpus_meets_recall_and_precision_targets_on_unseen_seeds() -> None:
    # the detectors were tuned on seed 7; these seeds were never looked at while tuning
    for seed in (2026, 31337):
        scores = evaluate_redaction(pii_corpus(1500, seed=seed))
        for kind in ("card", "email", "phone"):
            assert scores[kind].recall >= 0.99, (seed, kind, scores[kind])
        for kind, score in scores.items():
            assert score.precision >= 0.95, (seed, kind, score)
        assert scores["card"].tp > 200 and scores["phone"].tp > 200 and scores["email"].tp > 100


def test_corpus_is_deterministic_and_has_hard_negatives() -> None:
    first, again = pii_corpus(300, seed=5), pii_corpus(300, seed=5)
    assert first == again
    negatives = [item for item in first if not item.spans]
    assert len(negatives) > 30
    assert any(re.search(r"\d{4}-\d{2}-\d{2}", item.text) for item in negatives)


@pytest.mark.parametrize(
    "text",
    [
        "My order #100234556 never arrived",
        "order number 4155550124 is late",
        "Invoice INV-2024-0042 for $1,234.56 due 2024-03-15",
        "tracking 1Z999AA10123456784, delivered 03/15/2024 at 10:30",
        "USPS 9400 1000 0000 0000 0000 00 shows nothing",
        "EAN 4006381333931 is out of stock",
        "reference 4111111111111112 (not a card: wrong check digit)",
        "I waited 120 minutes and paid €1.299,00",
        "case 20231115 opened, ticket ORD-2024-088144",
        "version 2.13.0 on IP 192.168.1.20",
        "I have one two three problems",
        "@ann_smith on twitter, user at example dot com",
    ],
)
def test_hard_negatives_are_left_alone(text: str) -> None:
    assert find_pii(text) == []
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected_kinds"),
    [
        ("card 4111 1111 1111 1111 please", ["card"]),
        ("card 4111-1111-1111-1111 please", ["card"]),
        ("amex 3782 822463 10005", ["card"]),
        ("it's four one one one one one one one one one one one one one one one", ["card"]),
        ("es cuatro uno uno uno, uno uno uno uno, uno uno uno uno, uno uno uno uno", ["card"]),
        ("card 5555555555554444 exp 12/27 cvv 123", ["card", "card_security_code"]),
        ("the security code on the back is 4821", ["card_security_code"]),
        ("write to Ann.Smith+cx@Example.co.uk today", ["email"]),
        ("call me at (415) 555-2671 or +44 20 7946 0958", ["phone", "phone"]),
        ("my number is four one five, two three four, five six seven eight", ["phone"]),
        ("IBAN DE89 3704 0044 0532 0130 00 thanks", ["iban"]),
        ("SSN 536-22-1234", ["national_id"]),
        ("mi DNI es 12345678Z", ["national_id"]),
        ("my BSN is 111222333", ["national_id"]),
    ],
)
def test_personal_data_is_found(text: str, expected_kinds: list[str]) -> None:
    assert kinds(text) == expected_kinds


def test_checksums() -> None:
    assert luhn_valid(VISA) and not luhn_valid("4111111111111112")
    assert is_card_number("378282246310005") and not is_card_number("4006381333931")
    assert iban_valid("GB82WEST12345698765432") and not iban_valid("GB82WEST12345698765433")


def test_default_policy_redacts_with_placeholders() -> None:
    out = redact_text("Hi, card 4111 1111 1111 1111 cvv 737, mail ann@example.com")
    assert out == "Hi, card [CARD] cvv [CARD_CODE], mail [EMAIL]"


def test_pci_rule_mask_shows_at_most_bin_and_last_four() -> None:
    policy = RedactionPolicy.from_mapping({"card": "mask", "card_security_code": "mask"})
    for digits in (VISA, "378282246310005", "6011000990139424", "4000056655665556123"):
        if not is_card_number(digits):
            continue
        out = TextRedactor(policy).redact(f"card {digits} cvv 123").text
        shown = re.sub(r"\D", "", out)
        assert shown == digits[:6] + digits[-4:], out
        assert "123" not in out


@pytest.mark.parametrize(
    ("kind", "action"),
    [("card", "keep"), ("card_security_code", "keep"), ("card_security_code", "hash")],
)
def test_pci_rule_forbids_keeping_cards_and_codes(kind: str, action: str) -> None:
    with pytest.raises(RedactionPolicyError, match="PCI"):
        RedactionPolicy.from_mapping({kind: action}, hash_key="k")


def test_policy_errors_name_the_kind() -> None:
    with pytest.raises(RedactionPolicyError, match="needs a secret key"):
        RedactionPolicy(actions={"email": PiiAction.HASH})
    with pytest.raises(RedactionPolicyError, match="unknown action 'blur'"):
        RedactionPolicy.from_mapping({"email": "blur"})
    with pytest.raises(RedactionPolicyError, match="unknown personal-data kind 'shoe_size'"):
        RedactionPolicy.from_mapping({"shoe_size": "redact"})


def test_keyed_hash_links_the_same_value_and_depends_on_the_key() -> None:
    policy = RedactionPolicy.from_mapping({"email": "hash", "phone": "hash"}, hash_key="k1")
    other = RedactionPolicy.from_mapping({"email": "hash"}, hash_key="k2")
    a = TextRedactor(policy).redact("ann@example.com").text
    b = TextRedactor(policy).redact("ANN@example.com").text
    c = TextRedactor(other).redact("ann@example.com").text
    assert a == b and a != c and a.startswith("[EMAIL:") and "ann" not in a
    p1 = TextRedactor(policy).redact("call (415) 555-2671").text
    p2 = TextRedactor(policy).redact("call +1 415 555 2671").text
    assert p1 == p2


def test_mask_and_keep_per_type() -> None:
    policy = RedactionPolicy.from_mapping({"email": "mask", "phone": "keep", "iban": "mask"})
    out = TextRedactor(policy).redact(
        "ann@example.com, (415) 555-2671, GB82 WEST 1234 5698 7654 32"
    )
    assert out.text == "a***@example.com, (415) 555-2671, GB**…5432"
    assert out.counts == {"email": 1, "phone": 1, "iban": 1}


def test_national_ids_are_configurable_per_country() -> None:
    text = "my DNI is 12345678Z"
    assert kinds(text) == ["national_id"]
    us_only = RedactionPolicy.from_mapping({}, national_id_countries=["US"])
    assert TextRedactor(us_only).redact(text).text == text


def test_enricher_redacts_text_and_attributes_and_annotates_counts_only() -> None:
    events = events_from_texts(
        ["Card 4111 1111 1111 1111, I'm Ann Smith", "Where is my order #100234556?", None],
        identifiers=[["customer_id:c-1"], ["customer_id:c-2"], []],
    )
    attributes = pa.array(['{"subject": "mail ann@example.com", "page": "/orders/7"}', None, None])
    events = events.set_column(
        events.schema.get_field_index("attributes"), "attributes", attributes
    )
    enricher = RedactionEnricher(names=ProfileNames({"customer_id:c-1": ["Ann Smith"]}))
    result = enricher.enrich(events)
    texts = result.events.column("text").to_pylist()
    assert texts == ["Card [CARD], I'm [NAME]", "Where is my order #100234556?", None]
    assert result.events.column("attributes")[0].as_py() == (
        '{"page": "/orders/7", "subject": "mail [EMAIL]"}'
    )
    assert result.events.schema == events.schema
    found = annotations_by_event(result.annotations)
    assert found == {"text-0": {"found": {"card": 1, "email": 1, "name": 1}}}
    assert "4111" not in result.annotations.to_pandas().to_string()  # type: ignore[union-attr]


def test_later_enrichers_only_ever_see_redacted_text() -> None:
    seen: list[str] = []

    class Spy(Enricher):
        name = "spy"
        version = "1"

        def enrich(self, events: pa.Table) -> EnrichmentResult:
            seen.extend(t for t in events.column("text").to_pylist() if t)
            return EnrichmentResult(events=events)

    batch = run_enrichers(
        events_from_texts(["mail me: bob@example.org or 415-555-2671"]),
        [RedactionEnricher(), Spy()],
    )
    assert seen == ["mail me: [EMAIL] or [PHONE]"]
    assert batch.events.column("text").to_pylist() == seen


def test_record_redactor_for_dead_letters() -> None:
    redact = record_redactor()
    record = {"text": "card 4111111111111111", "nested": [{"email": "x@example.com"}], "n": 3}
    assert redact(record) == {"text": "card [CARD]", "nested": [{"email": "[EMAIL]"}], "n": 3}


def test_attributes_that_are_not_json_are_redacted_as_text() -> None:
    events = events_from_texts(["hello"])
    broken = pa.array(["subject: card 4111 1111 1111 1111 {"])
    events = events.set_column(events.schema.get_field_index("attributes"), "attributes", broken)
    result = RedactionEnricher().enrich(events)
    assert result.events.column("attributes").to_pylist() == ["subject: card [CARD] {"]
