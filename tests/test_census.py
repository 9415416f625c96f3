"""The firm census (abm.nodes.FirmCensus) keeps rows and counts equal to a recount.

The model asks for live firm rows and firm counts per region and district dozens of
times a month and the census answers from kept counts; every entry, exit, relocation
and district placement must reach it, or location choices would use stale counts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from abm.model import RegionalModel
from abm.nodes import FirmCensus, NodeTable
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["baseline", "nacc_split"])
def test_census_equals_a_recount_every_month(name):
    scenario = load_scenario(
        ROOT / "scenarios" / f"{name}.toml",
        {"population.firms": 1500, "scenario.steps": 30, "params.firm.relocation_rate": 0.05},
    )
    model = RegionalModel(scenario, rng=4)
    model.census.check()
    moved = exited = 0
    for _ in range(30):
        model.step()
        model.census.check()
        moved += int(model.tally.relocations.sum())
        exited += int(model.tally.exits.sum())
    assert moved > 0 and exited > 0  # the paths that change counted rows were taken
    assert model.district_firm_counts().sum() > 0


def test_census_follows_moves_districts_and_exits():
    nodes = NodeTable(3, capacity=16)
    rows = nodes.add(6)
    nodes.alive[rows] = True
    nodes.region[rows] = [0, 0, 1, 1, 2, 2]
    nodes.kind[5] = 1  # a university: not counted
    census = FirmCensus(nodes, 2)
    assert census.region_counts().tolist() == [2, 2, 1]
    census.set_district(np.array([0, 2, 5]), np.array([0, 1, 1]))
    assert census.district_counts().tolist() == [1, 1]
    census.move(np.array([2]), np.array([0]))
    assert census.region_counts().tolist() == [3, 1, 1]
    census.remove(np.array([0, 3]))
    assert census.region_counts().tolist() == [2, 0, 1]
    assert census.district_counts().tolist() == [0, 1]
    assert census.rows().tolist() == [1, 2, 4]
    more = nodes.add(2)  # new rows are counted when next asked
    nodes.alive[more] = True
    nodes.region[more] = 1
    assert census.region_counts().tolist() == [2, 2, 1]
    census.check()
    nodes.region[1] = 2  # a change behind its back is caught by the recount
    with pytest.raises(AssertionError):
        census.check()


def test_rows_handed_out_never_change_through_appends_removals_and_compaction():
    """The census appends new rows into spare room; a view given out earlier must keep
    its contents (callers hold ``firm_rows()`` across entries and exits in a month)."""
    nodes = NodeTable(2, capacity=16)
    census = FirmCensus(nodes, 0)
    held = []
    rng = np.random.default_rng(2)
    for month in range(40):
        new = nodes.add(int(rng.integers(1, 30)))
        nodes.alive[new] = True
        nodes.region[new] = rng.integers(0, 2, len(new))
        rows = census.rows()
        held.append((rows, rows.copy()))
        assert not rows.flags.writeable
        live = rows[rng.random(len(rows)) < 0.1]
        census.remove(live)
        if month % 7 == 6:
            census.rows()
            census.renumber(nodes.compact())
        census.check()
    for rows, copy in held:
        np.testing.assert_array_equal(rows, copy)
