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


def toml_literal(value) -> str:
    """A TOML literal of a fuzzed value (None becomes an empty table); may be invalid TOML
    on purpose (e.g. a string with a lone surrogate)."""
    import datetime as dt
    import json
    import math

    if value is None:
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_literal(v)}" for k, v in value.items()) + "}"


@pytest.fixture
def baseline_small() -> Scenario:
    return small("baseline")
