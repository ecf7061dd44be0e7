"""The canonical event and identifier normalization."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from cxloop.schema import (
    CHANNELS,
    EVENT_ARROW_SCHEMA,
    IdentifierError,
    InteractionEvent,
    event_json_schema,
    normalize_email,
    normalize_identifier,
    normalize_phone,
)


def test_email_is_trimmed_and_lowercased() -> None:
    assert normalize_identifier("email", "  Ann.Lee@Example.COM ") == "email:ann.lee@example.com"


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(415) 555-0123", "US", "+14155550123"),
        ("+1 415 555 0123", "US", "+14155550123"),
        ("415.555.0123", "US", "+14155550123"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("0044 20 7946 0958", "DE", "+442079460958"),
        ("030 123456", "DE", "+4930123456"),
        ("912 345 678", "ES", "+34912345678"),
    ],
)
def test_phones_become_e164(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region) == e164
    assert normalize_identifier("phone", raw, default_region=region) == f"phone:{e164}"


@pytest.mark.parametrize(
    ("id_type", "value", "message"),
    [
        ("email", "not-an-email", "is not an email address"),
        ("phone", "12", "is not a possible phone number"),
        ("phone", "call me", "is not a phone number"),
        ("fax", "123", "unknown identifier type"),
        ("cookie", "   ", "is empty"),
        ("device", "x" * 400, "longer than"),
    ],
)
def test_bad_identifiers_say_why(id_type: str, value: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        normalize_identifier(id_type, value)


def test_opaque_identifiers_keep_case_and_external_types_are_accepted() -> None:
    assert normalize_identifier("cookie", " AbC-9 ") == "cookie:AbC-9"
    assert normalize_identifier("external:crm", "K-77") == "external:crm:K-77"


emails = st.emails()


@given(emails)
def test_email_normalization_is_idempotent(email: str) -> None:
    once = normalize_email(email)
    assert normalize_email(once) == once
    assert normalize_email(" " + email.upper() + " ") == once


@given(st.integers(min_value=2012000000, max_value=9899999999))
def test_phone_normalization_is_idempotent(number: int) -> None:
    try:
        once = normalize_phone(str(number), "US")
    except IdentifierError:
        return
    assert normalize_phone(once, "US") == once
    assert once.startswith("+")


def test_event_model_normalizes_and_maps_to_arrow_columns() -> None:
    event = InteractionEvent.model_validate_json(
        json.dumps(
            {
                "event_id": "e-1",
                "occurred_at": "2026-03-01T10:00:00+01:00",
                "channel": "chat",
                "type": "message",
                "identifiers": {"email": "Ann@X.com", "phone": ["(415) 555-0123"]},
                "scores": {"csat": 4},
                "attributes": {"page": "/orders"},
            }
        )
    )
    record = event.to_record()
    assert set(record) == set(EVENT_ARROW_SCHEMA.names)
    assert record["identifiers"] == ["email:ann@x.com", "phone:+14155550123"]
    assert record["occurred_at"].isoformat() == "2026-03-01T09:00:00+00:00"
    assert record["csat"] == 4
    assert json.loads(record["attributes"]) == {"page": "/orders"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"occurred_at": "2026-03-01T10:00:00"}, "occurred_at"),
        ({"scores": {"nps": 11}}, "scores.nps"),
        ({"identifiers": {"email": "nope"}}, "identifiers.email"),
        ({"duration_s": -3}, "duration_s"),
    ],
)
def test_event_model_rejects_bad_fields(change: dict[str, object], field: str) -> None:
    base = {
        "event_id": "e",
        "occurred_at": "2026-03-01T10:00:00Z",
        "channel": "web",
        "type": "page_view",
    }
    with pytest.raises(ValidationError) as info:
        InteractionEvent.model_validate({**base, **change})
    assert field.split(".")[0] in str(info.value)


def test_json_schema_lists_every_channel_and_required_field() -> None:
    schema = event_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"event_id", "occurred_at", "channel", "type"}
    assert schema["properties"]["channel"]["enum"] == list(CHANNELS)


def test_cli_schema_json_prints_the_schema() -> None:
    from typer.testing import CliRunner

    from cxloop.cli import app

    result = CliRunner().invoke(app, ["schema", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "InteractionEvent"


def _example_numbers() -> list[str]:
    import phonenumbers

    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                out.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return out


EXAMPLES = _example_numbers()


def _assert_fast_path_agrees(raw: str, region: str | None) -> None:
    """``fast_e164`` answers nothing or what ``normalize_phone`` answers (``None``: an error)."""
    from cxloop.schema.identifiers import fast_e164

    fast = fast_e164(raw, region)
    try:
        slow: str | None = normalize_phone(raw, region or "US")
    except IdentifierError:
        slow = None
    if fast is not None:
        assert fast == slow, (raw, region)


@given(
    st.sampled_from(EXAMPLES),
    st.sampled_from(["e164", "spaced", "dashed", "dotted", "parens", "zero"]),
)
def test_fast_phone_path_never_disagrees_with_phonenumbers(e164: str, style: str) -> None:
    digits = e164[1:]
    raw = {
        "e164": e164,
        "spaced": "+" + " ".join(digits[i : i + 3] for i in range(0, len(digits), 3)),
        "dashed": "+" + digits[:2] + "-" + digits[2:6] + "-" + digits[6:],
        "dotted": "+" + digits[:3] + "." + digits[3:],
        "parens": "+" + digits[:2] + " (" + digits[2:5] + ") " + digits[5:],
        "zero": "+" + digits[:2] + " (0) " + digits[2:],
    }[style]
    _assert_fast_path_agrees(raw, None)


def _national_examples() -> list[tuple[str, str]]:
    """(national significant number, its region) of every example number."""
    import phonenumbers

    out = []
    for e164 in EXAMPLES:
        number = phonenumbers.parse(e164)
        region = phonenumbers.region_code_for_number(number)
        if region and region != "001":
            out.append((phonenumbers.national_significant_number(number), region))
    return out


NATIONAL_EXAMPLES = _national_examples()


@given(
    st.sampled_from(NATIONAL_EXAMPLES),
    st.sampled_from(
        ["plain", "spaced", "dashed", "parens", "trunk", "idd", "us_idd", "with_code", "cut"]
    ),
    st.sampled_from(["own", "US", "GB", "DE", "IT", "CA", "FR", "AR", "BR", "JP"]),
)
def test_fast_national_phone_path_never_disagrees_with_phonenumbers(
    example: tuple[str, str], style: str, region: str
) -> None:
    import phonenumbers

    digits, own = example
    region = own if region == "own" else region
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert meta is not None
    raw = {
        "plain": digits,
        "spaced": " ".join(digits[i : i + 3] for i in range(0, len(digits), 3)),
        "dashed": digits[:3] + "-" + digits[3:],
        "parens": "(" + digits[:3] + ") " + digits[3:],
        "trunk": (meta.national_prefix or "0") + digits,
        "idd": "00" + str(meta.country_code) + digits,
        "us_idd": "011 " + str(meta.country_code) + " " + digits,
        "with_code": str(meta.country_code) + digits,
        "cut": digits[:-1],
    }[style]
    _assert_fast_path_agrees(raw, region)


@given(st.text("0123456789", min_size=1, max_size=18), st.sampled_from(["US", "GB", "DE", "IN"]))
def test_fast_national_phone_path_on_any_digits(digits: str, region: str) -> None:
    _assert_fast_path_agrees(digits, region)


def test_fast_phone_path_answers_for_plain_national_numbers_of_the_default_region() -> None:
    from cxloop.schema.identifiers import fast_e164

    own = [(d, r) for d, r in NATIONAL_EXAMPLES if r == "US"]
    assert own and all(fast_e164(d, "US") == "+1" + d for d, _ in own)
    assert fast_e164("(415) 555-0123", "US") == "+14155550123"
    assert fast_e164("1 415 555 0123", "US") is None  # the trunk prefix: the full parser
    assert fast_e164("011 34 600 012 217", "US") == "+34600012217"  # the international prefix
    assert fast_e164("011 0 600 012 217", "US") is None
    assert fast_e164("415 555 0123", "CA") is None  # not the main region of +1
    assert fast_e164("7911 123456", "GB") == "+447911123456"
    assert fast_e164("(415) 555-0123", "us") is None  # phonenumbers knows no region "us"
    assert fast_e164("(415) 555-0123", "XX") is None


def test_fast_phone_path_answers_for_most_plain_international_numbers() -> None:
    from cxloop.schema.identifiers import fast_e164

    answered = sum(fast_e164(n) is not None for n in EXAMPLES)
    assert answered / len(EXAMPLES) > 0.8
    assert fast_e164("(415) 555-0123") is None  # national format: the full parser decides
    assert fast_e164("+49 030 123456") is None  # national prefix after the country code
