"""Designs have the right number of points and stay inside the ranges; seeds follow the rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sweep_helpers import TOY_SPEC

from abm.sweep import designs
from abm.sweep.plan import Plan
from abm.sweep.spec import Design, Range, load_spec

RANGES = (
    Range("a", 0.1, 0.9, integer=False, num=3),
    Range("b", -5.0, 5.0, integer=False, num=2),
    Range("n", 10, 20, integer=True, num=4),
)


@pytest.mark.parametrize(
    ("design", "expected"),
    [
        (Design("grid"), 3 * 2 * 4),
        (Design("random", samples=7), 7),
        (Design("lhs", samples=7), 7),
        (Design("sobol", samples=8), 8 * (3 + 2)),
        (Design("sobol", samples=8, second_order=True), 8 * (2 * 3 + 2)),
        (Design("morris", samples=5, levels=4), 5 * (3 + 1)),
    ],
)
def test_point_count_and_bounds(design, expected):
    matrix = designs.sample(design, RANGES, seed=3)
    assert matrix.shape == (expected, 3) == (designs.n_points(design, RANGES), 3)
    for i, r in enumerate(RANGES):
        low, high = r.bounds()
        assert (matrix[:, i] >= low).all() and (matrix[:, i] <= high).all()
        values = [r.to_value(x) for x in matrix[:, i]]
        assert all(r.low <= v <= r.high for v in values)
        if r.integer:
            assert all(isinstance(v, int) for v in values)
    again = designs.sample(design, RANGES, seed=3)
    np.testing.assert_array_equal(matrix, again)


def test_grid_values_are_evenly_spaced_and_include_the_ends():
    matrix = designs.sample(Design("grid"), RANGES, seed=0)
    assert sorted(set(matrix[:, 0])) == pytest.approx([0.1, 0.5, 0.9])
    assert sorted(set(matrix[:, 2])) == [10, 13, 17, 20]


def test_latin_hypercube_fills_every_stratum():
    matrix = designs.sample(Design("lhs", samples=10), RANGES[:1], seed=1)
    strata = np.floor((matrix[:, 0] - 0.1) / 0.8 * 10).astype(int)
    assert sorted(strata) == list(range(10))


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["random", "lhs", "sobol", "morris"]),
    samples_exp=st.integers(1, 4),
    bounds=st.lists(
        st.tuples(
            st.floats(-1e6, 1e6, allow_nan=False),
            st.floats(1e-3, 1e6, allow_nan=False),
            st.booleans(),
        ),
        min_size=1,
        max_size=4,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_sampled_designs_stay_inside_any_ranges(method, samples_exp, bounds, seed):
    ranges = tuple(
        Range(f"p{i}", int(lo), int(lo) + max(1, int(w)), True)
        if integer
        else Range(f"p{i}", lo, lo + w, False)
        for i, (lo, w, integer) in enumerate(bounds)
    )
    design = Design(method, samples=2**samples_exp)
    matrix = designs.sample(design, ranges, seed)
    assert len(matrix) == designs.n_points(design, ranges)
    for i, r in enumerate(ranges):
        assert all(r.low <= r.to_value(x) <= r.high for x in matrix[:, i])


@pytest.fixture
def spec(write_spec):
    return load_spec(write_spec())


def test_plan_counts_locates_and_builds_tasks(spec):
    plan = Plan(spec)
    assert plan.n_runs == 2 * 3 * 2  # sites x LHS points x replications
    seen = set()
    for run_id in range(plan.n_runs):
        setting, sample, replication = plan.locate(run_id)
        assert run_id == (setting * plan.n_samples + sample) * plan.replications + replication
        task = plan.task(run_id)
        assert task.overrides["params.noise"] == 0.05  # fixed values reach every run
        assert task.overrides["centers.site"] == ["daegu", "gwangju"][setting]
        assert 0.01 <= task.overrides["params.growth"] <= 0.2
        assert 10 <= task.overrides["population.firms"] <= 60
        seen.add((setting, sample, replication))
    assert len(seen) == plan.n_runs


def test_common_random_numbers_share_seeds_across_points(spec):
    plan = Plan(spec)
    by_rep: dict[int, set[int]] = {}
    for run_id in range(plan.n_runs):
        by_rep.setdefault(plan.locate(run_id)[2], set()).add(plan.seed(run_id))
    assert all(len(seeds) == 1 for seeds in by_rep.values())
    assert len({s for seeds in by_rep.values() for s in seeds}) == spec.replications
    assert all(0 <= plan.seed(r) < 2**63 for r in range(plan.n_runs))


def test_independent_seeds_differ_for_every_run(write_spec):
    text = TOY_SPEC.replace("seed = 11", "seed = 11\ncommon_random_numbers = false")
    plan = Plan(load_spec(write_spec(text)))
    seeds = [plan.seed(r) for r in range(plan.n_runs)]
    assert len(set(seeds)) == plan.n_runs


def test_seeds_and_design_depend_only_on_the_spec(spec, write_spec):
    a, b = Plan(spec), Plan(load_spec(write_spec()))
    np.testing.assert_array_equal(a.design, b.design)
    assert [a.seed(r) for r in range(a.n_runs)] == [b.seed(r) for r in range(b.n_runs)]
    other = Plan(load_spec(write_spec(TOY_SPEC.replace("seed = 11", "seed = 12"))))
    assert other.seed(0) != a.seed(0)
