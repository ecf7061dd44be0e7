"""The simulated CX world: customers, journeys across channels, texts, surveys, purchases and
churn, with the ground truth every later stage is tested against.

Examples:
    >>> from pathlib import Path
    >>> from cxloop.simulate import simulate_world
    >>> summary = simulate_world(1_000, seed=7, out_dir=Path("world"))  # doctest: +SKIP
"""

from __future__ import annotations

from cxloop.simulate.catalog import INTENTS, LANGUAGES, WORLD_VERSION
from cxloop.simulate.world import DEFAULT_DAYS, DEFAULT_START, WorldSummary, simulate_world

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_START",
    "INTENTS",
    "LANGUAGES",
    "WORLD_VERSION",
    "WorldSummary",
    "simulate_world",
]
