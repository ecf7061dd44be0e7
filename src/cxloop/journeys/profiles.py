"""The profile key journeys are built on: from identity resolution (``cxloop identity
resolve``), or from any ``identifier → profile_id`` mapping (e.g. a simulator's truth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from cxloop.journeys.contacts import EVENT_INPUT_COLUMNS


class ProfilesMissing(RuntimeError):
    """Identity resolution has not run on this store, so events have no profile yet."""


def with_profiles(events: ir.Table, event_profiles: ir.Table) -> ir.Table:
    """Events joined to ``event_profiles`` (``event_id, profile_id``); events without a
    profile keep a null ``profile_id``."""
    ep = event_profiles.select(
        ep_event=event_profiles.event_id, profile_id=event_profiles.profile_id
    )
    joined = events.left_join(ep, events.event_id == ep.ep_event)
    return joined.select(*EVENT_INPUT_COLUMNS)


def profiles_from_identifiers(events: ir.Table, mapping: ir.Table) -> ir.Table:
    """``event_id, profile_id`` from an ``identifier, profile_id`` mapping: an event belongs to
    the smallest profile among its identifiers' profiles (an identifier shared by several
    profiles counts only when it is the event's only one)."""
    ids = events.select("event_id", identifier=events.identifiers.unnest())
    m = mapping.select(m_identifier=mapping.identifier, m_profile=mapping.profile_id)
    per_id = m.group_by("m_identifier").aggregate(
        m_profile=m.m_profile.min(), owners=m.m_profile.nunique()
    )
    j = ids.inner_join(per_id, ids.identifier == per_id.m_identifier)
    best = j.group_by("event_id").aggregate(
        exclusive=j.m_profile.min(where=j.owners == 1), any_profile=j.m_profile.min()
    )
    return best.select("event_id", profile_id=best.exclusive.coalesce(best.any_profile))


def truth_profiles(events: ir.Table, truth_dir: Path) -> ir.Table:
    """Event profiles from a simulated world's ``truth/identities.csv`` (person_id as profile);
    for testing journeys in isolation from identity resolution."""
    backend: Any = events._find_backend()
    identities = backend.read_csv(str(truth_dir / "identities.csv"))
    mapping = identities.select(identifier=identities.identifier, profile_id=identities.person_id)
    return profiles_from_identifiers(events, mapping)


def store_event_profiles(store: Any) -> ir.Table:
    """``cxloop.identity.event_profiles(store)``, or :class:`ProfilesMissing` saying what to run
    when identity resolution has not run on this store."""
    fn: Any = None
    try:
        from cxloop.identity import profiles as identity_profiles

        fn = getattr(identity_profiles, "event_profiles", None)
    except ImportError:
        fn = None
    if fn is None:
        raise ProfilesMissing(
            "this cxloop has no identity resolution (cxloop.identity.event_profiles); "
            "journeys need a profile per event"
        )
    if not store.has_table("identity_map"):
        raise ProfilesMissing(
            f"{store.url} has no resolved profiles yet: run `cxloop identity resolve` first, "
            "then `cxloop journeys build`"
        )
    table: ir.Table = fn(store)
    return table
