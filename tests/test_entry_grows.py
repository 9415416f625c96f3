"""Entry that can grow (issue 21): the entrants' outside option and the labour inflow.

A centre could only move firms while the flow of outside entrants was fixed and workers came
only from graduates. Each test here fails when its mechanism is removed: better conditions
raise the number of entrants; outside share 0 is the zero-sum model; a tight labour market
draws workers in.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm import location
from abm.model import RegionalModel
from abm.rules import entry, labour
from abm.streams import Draw
from tests.conftest import FUTURE, ROOT, small
from tests.doc_blocks import block, interval, script


def _model(months: int = 3, firms: int = 600, **overrides) -> RegionalModel:
    """A small baseline from 2025-01, stepped a few months so pools and demand are live."""
    model = RegionalModel(small("baseline", firms=firms, steps=24, **(FUTURE | overrides)), rng=2)
    for _ in range(months):
        model.step()
    return model


# ----------------------------------------------------------------------------- outside option


@pytest.mark.parametrize("share", [0.1, 0.25, 0.6, 1.0])
def test_entry_factor_is_one_at_the_reference_and_rises_with_the_regions_pull(share):
    tau = 0.5
    assert location.entry_factor(1.3, 1.3, share, tau) == pytest.approx(1.0)
    values = [location.entry_factor(1.3 + d, 1.3, share, tau) for d in (-1.0, -0.1, 0.1, 1.0)]
    assert values == sorted(values) and values[0] < 1.0 < values[-1]
    # at most the whole pool enters: 1 / (1 - share) times the reference's entrants
    if share < 1.0:
        assert location.entry_factor(50.0, 1.3, share, tau) <= 1.0 / (1.0 - share) + 1e-12
    else:  # the Poisson limit: entry proportional to exp(I / tau)
        assert location.entry_factor(1.4, 1.3, share, tau) == pytest.approx(math.exp(0.2))


def test_the_inclusive_value_rises_with_any_regions_utility():
    utility = np.array([0.3, -1.0, 2.0])
    before = location.inclusive_value(utility, 0.5)
    assert before == pytest.approx(0.5 * np.log(np.exp(utility / 0.5).sum()))
    for r in range(3):
        better = utility.copy()
        better[r] += 0.2
        assert location.inclusive_value(better, 0.5) > before


def test_better_conditions_in_one_region_raise_the_months_entrants():
    # the temperature fixed (not the calibrated median): the mechanism, not the fit, is tested
    model = _model(**{"params.location.outside_share": 0.25, "params.location.temperature": 0.5})
    base, access = model.location_base(), model.market.access_value()
    n = len(model.firm_rows())
    mean = entry.entrant_mean(model, n, base, access)
    small_region = int(np.argmin(model.region_firm_counts()))
    better = base.copy()
    better[small_region] += 2.0
    more = entry.entrant_mean(model, n, better, access)
    # the smallest region holds ~2 % of firms: +2 utility at temperature 0.5 lifts the
    # inclusive value by ~0.3 and, at outside share 0.25, the month's entrants by 1-2 %
    assert more > mean * 1.01
    # so does more compute reachable from it (the centre's channel)
    reach = access.copy()
    reach[small_region] += 0.5
    assert entry.entrant_mean(model, n, base, reach) > mean
    # and the count, the Poisson quantile of the same keyed uniform, never falls
    assert model.streams.count(Draw.ENTRANTS, model.month, more) >= model.streams.count(
        Draw.ENTRANTS, model.month, mean
    )


def test_at_the_start_the_outside_option_keeps_the_sourced_entry_flow():
    """The pool is sized so that at the start's conditions (before any lever) the expected
    entrants are ``outside_rate x firms``: the reference is the state the amenities are backed
    out from, the same for a scenario and its counterfactuals."""
    model = RegionalModel(small("baseline", firms=600, **FUTURE), rng=2)
    loc = model.config.params.location
    start = model.amenity + model._status_quo_terms()
    assert model.entry_reference == pytest.approx(location.inclusive_value(start, loc.temperature))
    n = len(model.firm_rows())
    no_compute = np.zeros(len(model.region_ids))
    assert entry.entrant_mean(model, n, start, no_compute) == pytest.approx(
        model.config.params.entry.outside_rate * n
    )
    centre = RegionalModel(small("nacc_haenam", firms=600, **FUTURE), rng=2)
    assert centre.entry_reference == pytest.approx(model.entry_reference)


def test_outside_share_zero_is_the_zero_sum_model():
    """With no outside option the month's entrants are ``outside_rate x firms`` whatever the
    regions offer: a centre can only move them."""
    model = _model(**{"params.location.outside_share": 0.0})
    base, access = model.location_base(), model.market.access_value()
    n = len(model.firm_rows())
    want = model.config.params.entry.outside_rate * n
    assert entry.entrant_mean(model, n, base, access) == want
    assert entry.entrant_mean(model, n, base + 5.0, access + 1.0) == want
    assert entry.entrant_count(model, n, base + 5.0, access) == model.streams.count(
        Draw.ENTRANTS, model.month, want
    )


def test_a_lever_raises_national_entry_only_with_an_outside_option():
    """Paired runs: subsidies in every non-capital region raise the outside entrants of the
    first months with an outside option, and leave them as they were without one (the
    firm count, and so the flow, is the same until entrants differ)."""
    rich = {
        f"regions.{r}.incentives.{k}": v
        for r in ("daegu", "gwangju", "jeonnam", "rest")
        for k, v in (("subsidy_rate", 0.5), ("budget_krw_per_year", 1e13))
    }
    entrants = {}
    for share in (0.0, 0.25):
        for name, over in (("base", {}), ("lever", rich)):
            model = _model(months=0, **{"params.location.outside_share": share, **over})
            for _ in range(6):
                model.step()
            entrants[share, name] = len(model.entry_log)
    assert entrants[0.25, "lever"] > entrants[0.25, "base"]
    assert entrants[0.0, "lever"] == entrants[0.0, "base"]


def test_a_temperature_of_zero_is_refused_with_an_outside_option():
    from abm.errors import ScenarioError

    argmax = {"params.location.temperature": 0.0, "params.location.preferences": "given"}
    with pytest.raises(ScenarioError, match="outside_share > 0"):
        small("baseline", **argmax)
    small("baseline", **argmax, **{"params.location.outside_share": 0.0})


# ----------------------------------------------------------------------------- labour inflow


def test_a_tight_market_draws_workers_in_from_outside():
    employed = np.array([1000.0, 1000.0, 500.0])
    pool = np.array([100.0, 100.0, 0.0])
    demand = np.array([100.0, 0.0, 0.0])  # tightness 0.5, 0 (slack), 0 (nothing wanted)
    joined = labour.inflow(employed, pool, demand, 1.5)
    np.testing.assert_allclose(joined, [1.5 * 0.5 / 12 * 1100.0, 0.0, 0.0])
    tighter = labour.inflow(employed, pool, np.array([300.0, 0.0, 0.0]), 1.5)
    assert tighter[0] > joined[0]
    np.testing.assert_array_equal(labour.inflow(employed, pool, demand, 0.0), 0.0)


def test_the_hiring_month_adds_the_inflow_to_the_pools():
    model = _model(**{"params.talent.inflow_elasticity": 1.5})
    firms = model.firm_rows()
    n = len(model.region_ids)
    employed = np.bincount(model.nodes.region[firms], weights=model.nodes.size[firms], minlength=n)
    want = labour.inflow(employed, model.talent, model.hiring_demand, 1.5)
    model.tally.workers_in = 0.0
    labour.hire(model, firms)
    assert want.sum() > 0
    assert model.tally.workers_in == pytest.approx(want.sum())


def test_with_zero_elasticity_the_supply_is_fixed():
    model = _model(**{"params.talent.inflow_elasticity": 0.0})
    assert model.tally.workers_in == 0.0


def test_the_inflow_grows_the_workforce_over_a_run():
    def workers(elasticity: float) -> float:
        model = _model(months=12, **{"params.talent.inflow_elasticity": elasticity})
        return float(model.nodes.size[model.firm_rows()].sum() + model.talent.sum())

    assert workers(1.5) > workers(0.0) * 1.005


# ----------------------------------------------------------------------------- docs


def test_the_national_effects_table_in_the_docs_is_the_scripts():
    """docs/ODD.md 11.1 shows the tables scripts/national_effects.py prints: its header, one
    row per outside share and site, each cell a paired difference centred in its interval, and
    the command that made each."""
    national_effects = script("national_effects")
    labels = [label for label, _ in national_effects.SITES.values()]
    for name in ("national-effects-full", "national-effects"):
        found = block("docs/ODD.md", name)
        assert national_effects.HEADER in found.text, name
        rows = found.rows()
        shares = list(dict.fromkeys(row[0] for row in rows))  # in the order printed
        assert [row[:2] for row in rows] == [[s, site] for s in shares for site in labels]
        for row in rows:
            for cell in row[2:]:
                interval(cell)
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert "scripts/national_effects.py --seeds 20 --firms 2000" in text
    assert "scripts/national_effects.py --seeds 8 --firms 24000" in text


def test_the_host_effects_table_in_the_docs_is_the_scripts():
    """docs/ODD.md 11 shows the table scripts/host_effects.py prints: its header, a row per
    site, each cell a paired difference centred in its interval."""
    host_effects = script("host_effects")
    found = block("docs/ODD.md", "host-effects")
    assert host_effects.HEADER in found.text
    rows = found.rows()
    assert [row[0] for row in rows] == [label for label, _ in host_effects.SITES.values()]
    for row in rows:
        for cell in row[1:]:
            interval(cell)


def test_national_effects_refuses_a_bad_override_in_one_line():
    """A malformed ``--set`` is one line and exit status 2 before any run starts."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "national_effects.py"
    done = subprocess.run(
        [sys.executable, str(script), "--set", "foo"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "national_effects.py: error: --set: foo: expected dotted.key=value"
    ]
