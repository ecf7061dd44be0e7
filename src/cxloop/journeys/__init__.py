"""Journeys: touchpoints of one profile grouped by need, with their facts, paths and friction.

``build_journeys(events_with_profile, rules)`` takes any Ibis table of events with a
``profile_id`` column, so it does not depend on how profiles were made; ``cxloop journeys
build`` feeds it ``cxloop.identity.event_profiles(store)``.
"""

from __future__ import annotations

from cxloop.journeys.build import (
    CONTACT_COLUMNS,
    JOURNEY_COLUMNS,
    JourneyBuild,
    build_journeys,
)
from cxloop.journeys.demo import demo_step
from cxloop.journeys.evaluate import evaluate_journeys
from cxloop.journeys.paths import channel_paths, friction_ranking, sankey_html
from cxloop.journeys.profiles import (
    ProfilesMissing,
    profiles_from_identifiers,
    store_event_profiles,
    truth_profiles,
    with_profiles,
)
from cxloop.journeys.rules import DEFAULT_RULES, JourneyRules
from cxloop.journeys.store_io import JOURNEY_TABLES, has_journeys, save_build, stage_into

__all__ = [
    "CONTACT_COLUMNS",
    "DEFAULT_RULES",
    "JOURNEY_COLUMNS",
    "JOURNEY_TABLES",
    "JourneyBuild",
    "JourneyRules",
    "ProfilesMissing",
    "build_journeys",
    "channel_paths",
    "demo_step",
    "evaluate_journeys",
    "friction_ranking",
    "has_journeys",
    "profiles_from_identifiers",
    "sankey_html",
    "save_build",
    "stage_into",
    "store_event_profiles",
    "truth_profiles",
    "with_profiles",
]
