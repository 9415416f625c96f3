"""Shared fixtures: small, fast versions of the real scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


# The period of today's centers, prices and programs. The scenarios replay history from 2019-01;
# tests of those mechanisms start here instead (same files, ``scenario.start`` moved).
FUTURE = {"scenario.start": "2025-01"}


def small(name: str, firms: int = 300, steps: int = 24, **overrides) -> Scenario:
    """A real scenario file, shrunk for speed."""
    path = SCENARIOS / f"{name}.toml"
    return load_scenario(path, {"population.firms": firms, "scenario.steps": steps, **overrides})


@pytest.fixture
def baseline_small() -> Scenario:
    return small("baseline")
