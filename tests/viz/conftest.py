"""Fixtures for the fast (no browser) tests of the app's components and figures."""

from __future__ import annotations

import pytest

from abm.scenario import load_scenario
from viz.paths import PROJECT_ROOT


@pytest.fixture(scope="session")
def baseline():
    return load_scenario(PROJECT_ROOT / "scenarios" / "baseline.toml")


@pytest.fixture(scope="session")
def small(baseline):
    """The baseline with few firms, so a model builds and steps in milliseconds."""
    return baseline.with_overrides({"population.firms": 300, "scenario.steps": 12})


@pytest.fixture(autouse=True)
def no_band_by_default(monkeypatch):
    """Pages rendered here start no background ensemble (the live run's band): a test of
    the band asks for it (``monkeypatch.setenv(SEEDS_ENV, ...)``)."""
    from viz.ensemble import SEEDS_ENV

    monkeypatch.setenv(SEEDS_ENV, "0")
