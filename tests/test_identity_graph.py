"""The identity graph on DuckDB and PostgreSQL: links, guardrails, explain, rules, profiles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxloop.identity import (
    Guardrails,
    add_rule,
    event_profiles,
    explain_identifier,
    profile_of,
    resolve_identities,
)
from cxloop.store import Store, open_store
from test_identity_support import add_events, groups, profiles_by_member


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Store]:
    """A DuckDB store, for the guardrail cases (the engine-neutral path runs on both engines
    in the tests that take ``store``)."""
    s = open_store(str(tmp_path / "store.duckdb"))
    try:
        yield s
    finally:
        s.close()


NO_GUARDRAILS = Guardrails(
    limits={}, blocked=(), max_degree={}, window_days={}, default_max_degree=10**9
)


def test_identifiers_seen_together_form_one_profile(store: Store) -> None:
    ids = add_events(
        store,
        [["customer_id:C1", "email:a@x.com"], ["email:a@x.com", "cookie:k1"], ["cookie:k2"], []],
    )
    summary = resolve_identities(store)
    assert summary.mode == "full" and summary.events == 4
    assert groups(store) == {
        frozenset({"customer_id:C1", "email:a@x.com", "cookie:k1"}),
        frozenset({"cookie:k2"}),
    }
    mapping = {
        r["event_id"]: r["profile_id"] for r in event_profiles(store).to_pyarrow().to_pylist()
    }
    member = profiles_by_member(store)
    assert mapping == {
        ids[0]: member["customer_id:C1"],
        ids[1]: member["customer_id:C1"],
        ids[2]: member["cookie:k2"],
    }
    profile = profile_of(store, "cookie:k1")
    assert profile is not None
    assert profile["identifiers"] == sorted(["customer_id:C1", "email:a@x.com", "cookie:k1"])
    assert profile["channels"] == {"web": 2} and profile["events"] == 2


def test_limit_keeps_two_customers_apart_where_a_chain_would_merge_them(store: Store) -> None:
    add_events(
        store,
        [
            ["customer_id:C1", "cookie:k1"],
            ["cookie:k1", "email:home@x.com"],
            ["email:home@x.com", "cookie:k2"],
            ["cookie:k2", "customer_id:C2"],
        ],
    )
    resolve_identities(store, guardrails=NO_GUARDRAILS)
    assert len(groups(store)) == 1  # over-merged without guardrails
    resolve_identities(store, full=True)
    assert groups(store) == {
        frozenset({"customer_id:C1", "cookie:k1"}),
        frozenset({"email:home@x.com"}),
        frozenset({"customer_id:C2", "cookie:k2"}),
    }


def test_priority_cuts_the_weakest_link_not_the_strongest(duck: Store) -> None:
    add_events(
        duck,
        [
            ["customer_id:C1", "email:a@x.com"],
            ["email:a@x.com", "cookie:k9"],
            ["cookie:k9", "customer_id:C2"],
        ],
    )
    resolve_identities(duck, guardrails=NO_GUARDRAILS)
    assert len(groups(duck)) == 1
    resolve_identities(duck, full=True)
    assert groups(duck) == {
        frozenset({"customer_id:C1", "email:a@x.com"}),
        frozenset({"cookie:k9"}),
        frozenset({"customer_id:C2"}),
    }


def test_blocked_values_never_link(duck: Store) -> None:
    add_events(
        duck,
        [
            ["cookie:k1", "email:test@test.com"],
            ["cookie:k2", "email:test@test.com"],
            ["cookie:k3", "phone:+10000000000"],
            ["cookie:k4", "phone:+10000000000"],
            ["cookie:k5", "customer_id:unknown"],
            ["cookie:k6", "customer_id:unknown"],
        ],
    )
    resolve_identities(duck, guardrails=NO_GUARDRAILS)
    assert len(groups(duck)) == 3
    resolve_identities(duck, full=True)
    assert len(groups(duck)) == 9
    status = {
        r["identifier"]: r["status"]
        for r in duck.query("SELECT identifier, status FROM identity_map").to_pylist()
    }
    assert status["email:test@test.com"] == status["phone:+10000000000"] == "blocked"
    assert status["customer_id:unknown"] == "blocked"


def test_high_degree_identifier_is_shared_and_chains_nobody(duck: Store) -> None:
    reader = [["device:card-reader", f"cookie:k{i}"] for i in range(60)]
    tablet = [
        ["device:tablet", "customer_id:C1"],
        ["device:tablet", "customer_id:C2"],
        ["device:tablet", "cookie:t1"],
    ]
    add_events(duck, reader + tablet)
    resolve_identities(duck, guardrails=NO_GUARDRAILS)
    assert len(groups(duck)) == 2
    resolve_identities(duck, full=True)
    by = profiles_by_member(duck)
    assert len({by[f"cookie:k{i}"] for i in range(60)}) == 60
    assert by["customer_id:C1"] != by["customer_id:C2"]
    row = duck.query(
        f"SELECT status, reason FROM identity_map WHERE identifier = {duck.param}",
        ("device:tablet",),
    ).to_pylist()[0]
    assert row["status"] == "shared" and "2 customer_id" in row["reason"]


def test_cookie_window_ignores_links_seen_long_after_its_first_event(duck: Store) -> None:
    add_events(duck, [["cookie:k1", "email:a@x.com"]], day=0)
    add_events(duck, [["cookie:k1", "email:b@x.com"]], day=300)
    resolve_identities(duck, guardrails=NO_GUARDRAILS)
    assert len(groups(duck)) == 1
    resolve_identities(duck, full=True)
    assert groups(duck) == {frozenset({"cookie:k1", "email:a@x.com"}), frozenset({"email:b@x.com"})}


def test_explain_shows_the_chain_of_evidence(store: Store) -> None:
    ids = add_events(
        store,
        [
            ["customer_id:C1", "email:a@x.com"],
            ["email:a@x.com", "cookie:k1"],
            ["email:a@x.com", "cookie:k1"],
            ["customer_id:C2", "device:tab"],
            ["customer_id:C3", "device:tab"],
        ],
    )
    resolve_identities(store)
    result = explain_identifier(store, "cookie:k1")
    assert result["anchor"] == "customer_id:C1"
    chain = result["chain"]
    assert [(s["from"], s["to"]) for s in chain] == [
        ("cookie:k1", "email:a@x.com"),
        ("email:a@x.com", "customer_id:C1"),
    ]
    assert chain[0]["evidence"] == 2 and chain[0]["example"] == ids[1]
    assert chain[1]["kind"] == "event" and chain[1]["example"] == ids[0]
    shared = explain_identifier(store, "device:tab")
    assert shared["status"] == "shared" and "customer_id" in shared["reason"]
    assert {c["from"] for c in shared["cut"]} == {"customer_id:C2", "customer_id:C3"}


def test_split_and_never_link_stay_undone_and_are_audited(store: Store) -> None:
    add_events(
        store,
        [
            ["customer_id:C1", "email:a@x.com"],
            ["email:a@x.com", "cookie:k1"],
            ["cookie:k1", "phone:+14155550123"],
        ],
    )
    resolve_identities(store)
    assert len(groups(store)) == 1
    add_rule(store, "detach", "email:a@x.com", reason="agent typo")
    assert frozenset({"email:a@x.com"}) in groups(store)
    add_rule(store, "never_link", "cookie:k1", "customer_id:C1")
    by = profiles_by_member(store)
    assert by["cookie:k1"] != by["customer_id:C1"]
    # later events that repeat the wrong links do not undo either rule
    add_events(store, [["customer_id:C1", "email:a@x.com"], ["customer_id:C1", "cookie:k1"]])
    summary = resolve_identities(store)
    assert summary.mode == "incremental"
    by = profiles_by_member(store)
    assert len({by["email:a@x.com"], by["customer_id:C1"], by["cookie:k1"]}) == 3
    resolve_identities(store, full=True)
    assert profiles_by_member(store) == by
    actions = [r["action"] for r in store.query("SELECT action FROM identity_audit").to_pylist()]
    assert {"split", "never_link", "resolve"} <= set(actions)
    splits = store.query(
        "SELECT detail FROM identity_audit WHERE action = 'split' AND profiles IS NOT NULL"
    ).to_pylist()
    assert splits and "into" in json.loads(splits[0]["detail"])


def test_merge_is_audited_and_profile_id_is_stable(duck: Store) -> None:
    add_events(duck, [["customer_id:C1", "email:a@x.com"], ["cookie:k1", "phone:+14155550123"]])
    resolve_identities(duck)
    before = profiles_by_member(duck)
    add_events(duck, [["cookie:k7"]])
    resolve_identities(duck)
    after = profiles_by_member(duck)
    assert after["customer_id:C1"] == before["customer_id:C1"]
    add_events(duck, [["email:a@x.com", "phone:+14155550123"]])
    summary = resolve_identities(duck)
    assert summary.merges == 1
    merged = profiles_by_member(duck)
    assert merged["cookie:k1"] == merged["customer_id:C1"] == before["customer_id:C1"]
    rows = duck.query("SELECT profile_id, profiles FROM identity_audit WHERE action = 'merge'")
    assert rows.num_rows == 1
    assert sorted(rows.to_pylist()[0]["profiles"]) == sorted(
        {before["customer_id:C1"], before["cookie:k1"]}
    )
