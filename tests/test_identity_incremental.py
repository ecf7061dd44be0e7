"""Incremental resolve equals a full recompute, whatever the order (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.identity import resolve_identities
from cxloop.store import open_store
from test_identity_support import add_events, groups, profiles_by_member

POOL = [
    *(f"customer_id:C{i}" for i in range(3)),
    *(f"email:e{i}@x.com" for i in range(4)),
    *(f"cookie:k{i}" for i in range(5)),
    "device:tab",
    "phone:+10000000000",
]
events = st.lists(
    st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True), min_size=1, max_size=12
)
batches = st.lists(events, min_size=1, max_size=3)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches=batches, order=st.randoms(use_true_random=False))
def test_incremental_equals_full_and_is_order_independent(
    batches: list[list[list[str]]], order: object
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        incremental = open_store(str(Path(tmp) / "inc.duckdb"))
        for i, batch in enumerate(batches):
            add_events(incremental, batch, run_id=f"b{i}", day=i)
            resolve_identities(incremental)
        got = profiles_by_member(incremental)
        # idempotent: nothing new → nothing changes; a forced full run agrees
        again = resolve_identities(incremental)
        assert again.events == 0 and profiles_by_member(incremental) == got
        resolve_identities(incremental, full=True)
        assert profiles_by_member(incremental) == got
        incremental.close()

        shuffled = open_store(str(Path(tmp) / "full.duckdb"))
        indexed = list(enumerate(batches))
        order.shuffle(indexed)  # type: ignore[attr-defined]
        for i, batch in indexed:
            add_events(shuffled, list(reversed(batch)), run_id=f"b{i}", day=i)
        resolve_identities(shuffled)
        assert profiles_by_member(shuffled) == got
        assert groups(shuffled) == {frozenset(g) for g in _groups_of(got)}
        shuffled.close()


def _groups_of(mapping: dict[str, str]) -> list[set[str]]:
    out: dict[str, set[str]] = {}
    for identifier, profile in mapping.items():
        out.setdefault(profile, set()).add(identifier)
    return list(out.values())
