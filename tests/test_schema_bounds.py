"""Every numeric parameter of the schema runs at its lower and its upper bound without a crash.

A bound the schema accepts is a promise: sweeps and calibrations will reach it. Each case
builds a small model at that value and steps it a few months (the value of each output is
not checked here, only that the model runs and its outputs are finite where they should be).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from abm import schema
from abm.model import RegionalModel
from tests.conftest import small

SECTIONS = {
    "population": schema.Population,
    "params": schema.Params,
    "government": schema.Government,
}
# a finite stand-in for an unbounded upper end
BIG = 1e6
# cross-field rules (validated): moving one end moves its partner with it
COMPANIONS = {
    ("params.talent.retention_min", "hi"): {"params.talent.retention_max": 1.0},
    ("params.talent.retention_max", "lo"): {"params.talent.retention_min": 0.0},
    # Arthur's argmax: the amenities cannot be backed out, nor entry grow, without a logit
    ("params.location.temperature", "lo"): {
        "params.location.preferences": "given",
        "params.location.outside_share": 0.0,
    },
}


def _numeric_fields(cls: type, prefix: str):
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if meta.get("section"):
            yield from _numeric_fields(f.default_factory, f"{prefix}.{f.name}")
        elif f.type in ("int", "float", int, float) and (
            meta.get("lo") is not None or meta.get("hi") is not None
        ):
            yield f"{prefix}.{f.name}", f.type in ("int", int), meta.get("lo"), meta.get("hi")


CASES = [
    pytest.param(key, bound, value, id=f"{key}={bound}")
    for name, cls in SECTIONS.items()
    for key, is_int, lo, hi in _numeric_fields(cls, name)
    for bound, value in (("lo", lo), ("hi", hi))
    if value is not None
    for value in [min(value, BIG) if bound == "hi" else value]
    for value in [int(value) if is_int else float(value)]
]


def test_the_bounds_cover_the_schema():
    keys = {c.values[0] for c in CASES}
    assert "params.firm.revenue_per_employee_krw" in keys
    assert "params.compute.intensity_share" in keys
    assert "population.firms" in keys
    assert len(keys) > 80


@pytest.mark.parametrize(("key", "bound", "value"), CASES)
def test_model_runs_at_each_bound(key, bound, value):
    if key == "population.firms" and value > 2000:
        value = 2000  # the upper bound of the agent count is a memory question, not a rule's
    if key == "scenario.steps":
        return
    scenario = small(
        "nacc_split", firms=60, steps=3, **{key: value, **COMPANIONS.get((key, bound), {})}
    )
    model = RegionalModel(scenario, rng=1)
    for _ in range(3):
        model.step()
    model_df, regions_df = model.history()
    assert len(model_df) == 4
    for col in ("firms", "employment", "public_spending_cum"):
        assert np.isfinite(model_df[col]).all(), col
    assert math.isfinite(float(regions_df["firm_share"].fillna(0).sum()))
