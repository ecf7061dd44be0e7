"""The simulated CX world: determinism, valid canonical events, realism numbers, and truth files
that agree with the events."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from typer.testing import CliRunner

from cxloop.schema import InteractionEvent, normalize_identifier, normalize_phone
from cxloop.simulate import INTENTS, WorldSummary, simulate_world
from cxloop.simulate.catalog import ET, EVENT_TYPES_USED, TEXT_ROLES
from cxloop.simulate.ids import is_luhn_valid, luhn_card_numbers, phone_formats
from cxloop.simulate.people import generate_population

CUSTOMERS = 3000
CARD = re.compile(r"\b\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}\b")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WorldSummary]:
    out = tmp_path_factory.mktemp("world")
    return out, simulate_world(CUSTOMERS, seed=11, out_dir=out)


@pytest.fixture(scope="module")
def events(world: tuple[Path, WorldSummary]) -> list[dict[str, Any]]:
    path, _ = world
    return [json.loads(line) for line in (path / "events.jsonl").open()]


@pytest.fixture(scope="module")
def truth(world: tuple[Path, WorldSummary]) -> dict[str, pd.DataFrame]:
    path, _ = world
    return {
        name: pd.read_csv(path / "truth" / f"{name}.csv", keep_default_na=True, low_memory=False)
        for name in (
            "identities",
            "crm_truth",
            "journeys",
            "journey_facts",
            "messages",
            "people",
            "agents",
        )
    }


# ---------------------------------------------------------------- determinism


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    simulate_world(400, seed=5, out_dir=tmp_path / "a")
    simulate_world(400, seed=5, out_dir=tmp_path / "b")
    simulate_world(400, seed=6, out_dir=tmp_path / "c")
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert set(a) == {
        "events.jsonl",
        "crm.csv",
        "world.json",
        "truth/identities.csv",
        "truth/crm_truth.csv",
        "truth/journeys.csv",
        "truth/journey_facts.csv",
        "truth/messages.csv",
        "truth/people.csv",
        "truth/agents.csv",
        "truth/drivers.json",
    }
    assert a == b
    assert a["events.jsonl"] != c["events.jsonl"]
    assert a["crm.csv"] != c["crm.csv"]


def test_tiny_world_is_fast(tmp_path: Path) -> None:
    began = time.perf_counter()
    summary = simulate_world(200, seed=1, out_dir=tmp_path)
    assert time.perf_counter() - began < 5.0
    assert summary.events == sum(1 for _ in (tmp_path / "events.jsonl").open())
    assert summary.customers == 200 and summary.events > 200 * 15


def test_rejects_nonsense_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="customers"):
        simulate_world(0, seed=1, out_dir=tmp_path)
    with pytest.raises(ValueError, match="days"):
        simulate_world(10, seed=1, out_dir=tmp_path, days=10)


# ---------------------------------------------------------------- the canonical events


def test_every_event_validates_as_an_interaction_event(world: tuple[Path, WorldSummary]) -> None:
    path, summary = world
    lines = (path / "events.jsonl").read_text().splitlines()
    assert len(lines) == summary.events
    for line in lines:
        InteractionEvent.model_validate_json(line)


def test_event_shape(events: list[dict[str, Any]]) -> None:
    ids = [e["event_id"] for e in events]
    assert len(set(ids)) == len(ids)
    for e in events:
        assert isinstance(e["identifiers"], dict)
        assert isinstance(e["attributes"], dict)
        assert ("scores" in e) == (e["type"] == "survey_response")
        assert re.search(r"(Z|[+-]\d\d:\d\d)$", e["occurred_at"])
        assert all(v is not None for v in e.values())
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e)
    assert all(set(e["attributes"]) == {"menu", "depth"} for e in by_type["ivr_menu"])
    assert {e["attributes"]["depth"] for e in by_type["ivr_menu"]} == {1, 2, 3}
    for e in by_type["call_end"]:
        assert e["duration_s"] > 0 and set(e["attributes"]) == {"talk_s", "hold_s", "wrap_s"}
        assert e["attributes"]["talk_s"] + e["attributes"]["hold_s"] == pytest.approx(
            e["duration_s"], abs=0.2
        )
        assert e["agent_id"].startswith("A") and e["actor"] == "agent"
    assert all("wait_s" in e and "queue" in e for e in by_type["queue_enter"])
    assert all(e["actor"] in ("system", "agent", "bot") for e in by_type["auth"])
    assert all(e["channel"] == "other" and e["actor"] == "system" for e in by_type["churn"])
    assert all("value" in e and len(e["currency"]) == 3 for e in by_type["purchase"])
    for e in by_type["survey_response"]:
        assert 1 <= e["scores"]["csat"] <= 5
        assert set(e["scores"]) <= {"csat", "nps", "ces"}
    channels = Counter(e["channel"] for e in events)
    assert {
        "web",
        "app",
        "chat",
        "bot",
        "ivr",
        "voice",
        "email",
        "sms",
        "social",
        "survey",
        "store",
        "other",
    } <= set(channels)
    assert len(by_type) >= 18


def test_events_are_in_time_order_not_grouped_by_person(
    events: list[dict[str, Any]], truth: dict[str, pd.DataFrame]
) -> None:
    stamps = pd.to_datetime([e["occurred_at"] for e in events], utc=True, format="ISO8601")
    assert (np.diff(stamps.asi8) >= 0).all()
    person = truth["journeys"].set_index("event_id")["person_id"]
    seq = [person.get(e["event_id"]) for e in events]
    seq = pd.Series([p for p in seq if p is not None])
    # a person's events are spread over many separate stretches of the file, not one block
    runs = seq[seq != seq.shift()].value_counts()
    assert runs.mean() > 3
    assert (runs == 1).mean() < 0.2


def test_time_span_and_counts(
    world: tuple[Path, WorldSummary], truth: dict[str, pd.DataFrame]
) -> None:
    path, summary = world
    meta = json.loads((path / "world.json").read_text())
    assert meta["seed"] == 11 and meta["customers"] == CUSTOMERS and meta["version"]
    assert meta["days"] >= 150
    assert 25 <= summary.events / CUSTOMERS <= 45
    facts = truth["journey_facts"]
    assert len(facts) == summary.journeys
    assert 1.0 <= summary.journeys / CUSTOMERS <= 2.5
    first, last = pd.to_datetime(facts["started_at"]).agg(["min", "max"])
    assert (last - first).days >= 120


# ---------------------------------------------------------------- realism


def test_journeys_cover_intents_channels_and_friction(truth: dict[str, pd.DataFrame]) -> None:
    f = truth["journey_facts"]
    assert set(f["intent"]) == set(INTENTS) and len(INTENTS) >= 12
    assert set(f["language"]) == {"en", "es", "de"}
    assert 0.15 <= f["surveyed"].mean() <= 0.25
    assert 0.70 <= f["resolved"].mean() <= 0.95
    assert 0.45 <= f["first_contact_resolution"].mean() <= 0.80
    assert 0.20 <= (f["contacts"] > 1).mean() <= 0.55
    assert (f["reidentifications"] > 0).mean() > 0.15
    assert (f["transfers"] > 0).mean() > 0.05
    assert (f["bot_handoffs"] > 0).mean() > 0.03
    assert (f["abandons"] > 0).mean() > 0.03
    paths = f["channel_path"]
    assert (paths.str.contains("self_service>bot")).any()
    assert (paths.str.count(">") >= 2).any()
    ttr = f.loc[f["resolved"], "time_to_resolution_s"]
    assert ttr.notna().all() and (ttr > 0).all()
    assert f.loc[~f["resolved"], "time_to_resolution_s"].isna().all()


def test_people_have_several_identifiers_some_shared(truth: dict[str, pd.DataFrame]) -> None:
    ids = truth["identities"]
    per_person = ids[ids["in_events"]].groupby("person_id")["identifier"].nunique()
    assert per_person.median() >= 4
    shared = ids[ids["shared"]]
    assert {"device", "cookie", "account", "email"} <= set(shared["id_type"])
    assert shared["person_id"].nunique() / ids["person_id"].nunique() < 0.12
    kinds = set(ids["kind"])
    assert {"typo", "household_shared", "work", "primary"} <= kinds
    cookies = ids[ids["id_type"] == "cookie"].groupby("person_id").size()
    assert cookies.mean() > 2  # cookies rotate


def test_anonymous_visits_and_purchase_only_customers(
    events: list[dict[str, Any]], truth: dict[str, pd.DataFrame]
) -> None:
    anonymous = [e for e in events if e["channel"] == "web" and set(e["identifiers"]) == {"cookie"}]
    assert len(anonymous) > 1000
    people = truth["people"]
    assert ((people["journeys"] == 0) & (people["purchases"] > 0)).sum() > 0.05 * len(people)
    assert people["churned_at"].notna().mean() > 0.03


def test_phone_numbers_are_valid_and_written_many_ways(events: list[dict[str, Any]]) -> None:
    phones = [e["identifiers"]["phone"] for e in events if "phone" in e["identifiers"]]
    shapes = {re.sub(r"\d", "9", p) for p in phones}
    assert len(shapes) >= 10
    assert any(p.startswith("(") for p in phones) and any(p.startswith("011 ") for p in phones)
    regions = set()
    for raw in phones[:3000]:
        parsed = phonenumbers.parse(normalize_phone(raw))
        assert phonenumbers.is_valid_number(parsed), raw
        regions.add(phonenumbers.region_code_for_number(parsed))
    assert {"US", "GB", "ES", "DE", "MX"} <= regions


def test_phone_forms_normalize_to_the_same_number() -> None:
    pop = generate_population(500, seed=3, rng=np.random.default_rng(3))
    from cxloop.simulate.catalog import COUNTRY_CODES

    for i in range(pop.n):
        for form in pop.phone_forms[i]:
            assert normalize_phone(form) == pop.phone_e164[i]
        for form in pop.phone_crm_forms[i]:
            assert normalize_phone(form, COUNTRY_CODES[pop.country[i]]) == pop.phone_e164[i]
    e164, _, _ = phone_formats(pop.phone_e164[:0], pop.country[:0], np.random.default_rng(0))
    assert len(e164) == 0


def test_luhn_cards_are_valid() -> None:
    cards = luhn_card_numbers(np.random.default_rng(0), 2000).to_pylist()
    assert all(is_luhn_valid(c) and len(c) == 16 for c in cards)
    assert not is_luhn_valid("4111 1111 1111 1112")
    assert is_luhn_valid("4111-1111-1111-1111")


def test_texts_languages_effort_pii(
    events: list[dict[str, Any]], truth: dict[str, pd.DataFrame]
) -> None:
    texts = [e["text"] for e in events if "text" in e]
    joined = "\n".join(texts)
    for phrase in (
        "third time I call",
        "I already told you",
        "Ya se lo dije",
        "Ich habe schon dreimal angerufen",
        "talk to a human",
    ):
        assert phrase.lower() in joined.lower(), phrase
    cards = [m.group(0) for t in texts for m in CARD.finditer(t)]
    assert len(cards) > 20 and all(is_luhn_valid(c) for c in cards)
    assert any("-" in c for c in cards) and any(" " in c for c in cards)
    m = truth["messages"]
    assert len(m) == len(texts)
    assert set(m["language"]) == {"en", "es", "de"}
    assert (m.loc[m["contains_pii"], "pii_type"].value_counts() > 20).all()
    assert set(m["pii_type"].dropna()) == {"email", "phone", "card"}
    assert set(m["role"]) == set(TEXT_ROLES)
    assert m["sentiment"].value_counts(normalize=True).min() > 0.1
    # every planted card is in the text of the event the truth names
    by_id = {e["event_id"]: e.get("text", "") for e in events}
    card_rows = m[m["pii_type"] == "card"]
    assert all(CARD.search(by_id[i]) for i in card_rows["event_id"])


def test_sentiment_follows_friction(truth: dict[str, pd.DataFrame]) -> None:
    m = truth["messages"]
    customer = m[m["actor"] == "customer"].merge(
        truth["journey_facts"][["journey_id", "contacts", "reidentifications"]], on="journey_id"
    )
    smooth = customer[customer["contacts"] == 1]["sentiment_score"].mean()
    rough = customer[customer["contacts"] >= 3]["sentiment_score"].mean()
    assert smooth - rough > 0.25
    assert (
        customer.groupby("reidentifications")["sentiment_score"].mean().diff().dropna().head(2) < 0
    ).all()


def test_planted_drivers_show_in_the_data(
    world: tuple[Path, WorldSummary], truth: dict[str, pd.DataFrame]
) -> None:
    path, _ = world
    drivers = json.loads((path / "truth" / "drivers.json").read_text())
    for target in ("csat", "nps", "ces", "churn", "purchases"):
        assert drivers[target]["order"], target
        effects = [d["effect_per_sd"] for d in drivers[target]["drivers"]]
        assert effects == sorted(effects, reverse=True)
    assert drivers["csat"]["order"][:2] == ["sentiment", "resolved"]
    assert drivers["ces"]["order"][0] == "extra_contacts"
    f = truth["journey_facts"]
    surveyed = f[f["surveyed"]]
    by_resolved = surveyed.groupby("resolved")["csat"].mean()
    assert by_resolved[True] - by_resolved[False] > 0.8
    assert surveyed.groupby(surveyed["contacts"] > 1)["ces"].mean().diff().iloc[-1] < -0.5
    churn = f.groupby("resolved")["churn_within_90d"].mean()
    assert churn[False] > 2 * churn[True]
    # churn follows the journey as a whole much more than the last touchpoint
    corr = (
        f[["churn_within_90d", "contacts", "reidentifications", "last_agent_empathy"]]
        .astype(float)
        .corr()["churn_within_90d"]
    )
    assert corr["contacts"] > 3 * abs(corr["last_agent_empathy"])


# ---------------------------------------------------------------- truth agrees with events


def test_truth_files_agree_with_events(
    events: list[dict[str, Any]], truth: dict[str, pd.DataFrame]
) -> None:
    ids = {e["event_id"] for e in events}
    journeys = truth["journeys"]
    assert set(journeys["event_id"]) <= ids
    assert set(truth["messages"]["event_id"]) <= ids
    assert (journeys.groupby("journey_id")["person_id"].nunique() == 1).all()
    facts = truth["journey_facts"].set_index("journey_id")
    assert set(journeys["journey_id"]) == set(facts.index)
    # every journey's survey event carries the score the facts record
    by_id = {e["event_id"]: e for e in events}
    surveys = journeys[journeys["type"] == "survey_response"]
    for _, row in surveys.head(300).iterrows():
        assert by_id[row["event_id"]]["scores"]["csat"] == facts.loc[row["journey_id"], "csat"]
    # resolved journeys end with a case_resolved or a success page, unresolved ones never do
    resolved_events = journeys[journeys["type"] == "case_resolved"]["journey_id"].unique()
    assert facts.loc[resolved_events, "resolved"].all()


def test_every_identifier_on_events_is_in_identities(
    events: list[dict[str, Any]], truth: dict[str, pd.DataFrame]
) -> None:
    ids = truth["identities"]
    known = set(zip(ids["identifier"], ids["person_id"], strict=True))
    identifier_set = set(ids["identifier"])
    person_of = truth["journeys"].set_index("event_id")["person_id"].to_dict()
    checked = 0
    for e in events:
        for id_type, value in e["identifiers"].items():
            typed = normalize_identifier(id_type, value)
            assert typed in identifier_set, typed
            person = person_of.get(e["event_id"])
            if person is not None:
                assert (typed, person) in known
                checked += 1
    assert checked > 10_000


def _evidence_components(
    events: list[dict[str, Any]], crm: pd.DataFrame, person_of: dict[str, str]
) -> dict[str, int]:
    """Component of every identifier in the graph of evidence between one person's own
    identifiers: two identifiers on one event or one CRM record, and CRM records of one person
    (they match on name, birth date and address)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []

    def tie(group: list[str]) -> None:
        own = [index.setdefault(x, len(index)) for x in group if x in person_of]
        for other in own[1:]:
            rows.append(own[0])
            cols.append(other)

    for e in events:
        tie([normalize_identifier(t, v) for t, v in e["identifiers"].items()])
    by_person: dict[str, list[str]] = {}
    for rec in crm.itertuples(index=False):
        group = (
            ([f"email:{rec.email.strip().lower()}"] if isinstance(rec.email, str) else [])
            + (
                [normalize_identifier("phone", rec.phone, rec.country)]
                if isinstance(rec.phone, str)
                else []
            )
            + ([f"customer_id:{rec.customer_id}"] if isinstance(rec.customer_id, str) else [])
        )
        tie(group)
        by_person.setdefault(rec.person_id, []).extend(group)
    for group in by_person.values():
        tie(group)
    # only ties between the same person's identifiers count
    pairs = [(a, b) for a, b in zip(rows, cols, strict=True)]
    names = {i: x for x, i in index.items()}
    pairs = [(a, b) for a, b in pairs if person_of[names[a]] == person_of[names[b]]]
    graph = coo_matrix(
        (np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])),
        shape=(len(index), len(index)),
    )
    _, component = connected_components(graph, directed=False)
    return {x: int(component[i]) for x, i in index.items()}


def test_every_identifier_has_evidence_except_a_few_anonymous_cookies(
    world: tuple[Path, WorldSummary], events: list[dict[str, Any]], truth: dict[str, pd.DataFrame]
) -> None:
    path, _ = world
    ids = truth["identities"]
    assert ids["linkable"].dtype == bool
    cookies = ids[ids["id_type"] == "cookie"]
    assert 0.005 <= 1 - cookies["linkable"].mean() <= 0.015  # default: 1% never signed in on
    # every other identifier on events is linkable, unless it is the person's only one
    others = ids[(ids["id_type"] != "cookie") & ids["in_events"]]
    per_person = ids.groupby("person_id")["identifier"].nunique()
    alone = others["person_id"].map(per_person) == 1
    assert (others["linkable"] | alone).all()
    assert (~ids.loc[ids["in_crm"] & ~ids["in_events"], "linkable"]).mean() < 0.01
    # the household tablets and email addresses are still there, for the guardrails
    assert {"device", "cookie", "email"} <= set(ids.loc[ids["shared"], "id_type"])

    # linkable is what the evidence says: each linkable identifier a person has to themselves
    # is connected to their customer number through their own identifiers
    crm = pd.read_csv(path / "crm.csv", dtype=str)
    crm["person_id"] = crm["record_id"].map(truth["crm_truth"].set_index("record_id")["person_id"])
    single = ids[~ids["shared"]]
    component = _evidence_components(
        events, crm, dict(zip(single["identifier"], single["person_id"], strict=True))
    )
    anchor = {
        p: component.get(x)
        for x, p in single.loc[
            single["id_type"] == "customer_id", ["identifier", "person_id"]
        ].itertuples(index=False)
    }
    linked = single[single["linkable"] & (single["person_id"].map(per_person) > 1)]
    connected = [
        component.get(x) == anchor.get(p) is not None
        for x, p in linked[["identifier", "person_id"]].itertuples(index=False)
    ]
    assert np.mean(connected) > 0.999
    # and an anonymous cookie is only ever seen alone
    anonymous = set(cookies.loc[~cookies["linkable"], "identifier"])
    for e in events:
        typed = {normalize_identifier(t, v) for t, v in e["identifiers"].items()}
        assert not (typed & anonymous) or len(typed) == 1


def test_evidence_logins_say_how_the_customer_signed_in(events: list[dict[str, Any]]) -> None:
    logins = [e for e in events if e["type"] == "login"]
    methods = Counter(e["attributes"]["method"] for e in logins)
    assert set(methods) == {"password", "otp_sms", "social_account"}
    assert all("customer_id" in e["identifiers"] and e["actor"] == "customer" for e in logins)
    by_method = {m: [e for e in logins if e["attributes"]["method"] == m] for m in methods}
    assert all("phone" in e["identifiers"] for e in by_method["otp_sms"])
    assert all("social" in e["identifiers"] for e in by_method["social_account"])


def test_anonymous_cookie_share_is_configurable(tmp_path: Path) -> None:
    simulate_world(300, seed=4, out_dir=tmp_path / "none", anonymous_cookie_share=0.0)
    simulate_world(300, seed=4, out_dir=tmp_path / "many", anonymous_cookie_share=0.05)
    none = pd.read_csv(tmp_path / "none" / "truth" / "identities.csv")
    many = pd.read_csv(tmp_path / "many" / "truth" / "identities.csv")
    assert none.loc[none["id_type"] == "cookie", "linkable"].all()
    assert 1 - many.loc[many["id_type"] == "cookie", "linkable"].mean() == pytest.approx(
        0.05, abs=0.01
    )
    with pytest.raises(ValueError, match="anonymous_cookie_share"):
        simulate_world(10, seed=1, out_dir=tmp_path / "bad", anonymous_cookie_share=1.5)


def test_crm_records_are_messy_duplicates(
    world: tuple[Path, WorldSummary], truth: dict[str, pd.DataFrame]
) -> None:
    path, _ = world
    crm = pd.read_csv(path / "crm.csv", dtype=str)
    assert list(crm.columns[:3]) == ["record_id", "source_system", "customer_id"]
    assert set(crm["source_system"]) == {"crm", "billing"}
    mapping = truth["crm_truth"].set_index("record_id")["person_id"]
    assert set(mapping.index) == set(crm["record_id"])
    crm["person_id"] = crm["record_id"].map(mapping)
    systems = crm.groupby("person_id")["source_system"].nunique()
    assert (systems == 2).mean() > 0.6
    assert (crm.groupby(["person_id", "source_system"]).size() > 1).any()
    for column in ("email", "phone", "date_of_birth", "customer_id"):
        assert crm[column].isna().mean() > 0.02, column
    first = crm.groupby("person_id")["first_name"].nunique()
    assert (first > 1).mean() > 0.05  # nicknames and typos
    for raw, country in crm[["phone", "country"]].dropna().head(500).itertuples(index=False):
        normalize_phone(raw, country)


def test_event_type_codes_match_the_schema() -> None:
    from cxloop.schema import EVENT_TYPES

    assert set(EVENT_TYPES_USED) <= set(EVENT_TYPES)
    assert ET["survey_response"] == EVENT_TYPES_USED.index("survey_response")


def test_cli_simulate_json(tmp_path: Path) -> None:
    from cxloop.cli import app

    result = CliRunner().invoke(
        app, ["simulate", "--customers", "150", "--seed", "2", "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["customers"] == 150 and payload["events"] > 0
    assert (tmp_path / "events.jsonl").exists() and (tmp_path / "truth" / "drivers.json").exists()


@pytest.mark.slow
def test_large_world_rate(tmp_path: Path) -> None:
    summary = simulate_world(30_000, seed=3, out_dir=tmp_path)
    assert 750_000 <= summary.events <= 1_400_000
    assert summary.events_per_second > 20_000
    lines = (tmp_path / "events.jsonl").open()
    for i, line in enumerate(lines):
        if i % 97 == 0:
            InteractionEvent.model_validate_json(line)
