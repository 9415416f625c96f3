"""Dated district programmes (``[programmes.<id>]``, ``abm/rules/programmes.py``): the space
channel, the money channel (conserved, and a location term), size 0 = no programme, bad
input, and the docs' table of the estimated pulls. Each test names what it protects."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from abm.calibrate.targets import load_targets
from abm.cli import main
from abm.model import RegionalModel
from abm.rules import programmes
from abm.scenario import Scenario
from tests.conftest import SCENARIOS, small
from tests.doc_blocks import Number, block, number, script

ALPHA = "suseong_alpha_city"
SPACE = ("alpha_techbiz_center", "alpha_parcel_buildings", "alpha_later_buildings")
HUB = "alpha_hub_pilot"
HUB_YEARS = {"scenario.start": "2023-06"}  # the hub pilot's first month


def _model(firms: int = 3000, steps: int = 12, seed: int = 1, **overrides) -> RegionalModel:
    return RegionalModel(small("baseline", firms=firms, steps=steps, **overrides), rng=seed)


def _alpha(model: RegionalModel) -> int:
    return model.district_index[ALPHA]


# ----------------------------------------------------------------------------- space


def test_a_space_programme_adds_room_at_its_month_and_not_before():
    """Removing the space channel (or reading it before ``first``) fails here."""
    model = _model(steps=12)  # 2019-01 on: the tech-biz center opens 2019-04
    d = _alpha(model)
    base = model.config.districts[ALPHA].space_firms
    room = []
    for _ in range(12):
        model.step()
        room.append(model.district_space[d])
    assert room[:3] == [base] * 3  # 2019-01 to 2019-03
    assert room[3] == base + model.config.programmes["alpha_techbiz_center"].space_firms
    assert room[11] == base + 50 + 34  # 2019-12: the parcel firms' buildings too


def test_space_raises_the_districts_firms_against_no_space():
    """The room is what the district's nest weighs (availability): with the 2019 buildings
    Alpha City gains firms it cannot gain when they are not built (paired seeds)."""
    off = {f"programmes.{p}.space_firms": 0.0 for p in SPACE}
    gain = []
    for seed in (1, 2, 3):
        with_space = _model(firms=6000, steps=24, seed=seed)
        without = _model(firms=6000, steps=24, seed=seed, **off)
        for m in (with_space, without):
            while m.running:
                m.step()
        d = _alpha(with_space)
        gain.append(with_space.district_firm_counts()[d] - without.district_firm_counts()[d])
    assert min(gain) > 0, gain


# ----------------------------------------------------------------------------- money


def _hub_model(budget: float | None = None, firms: int = 3000, seed: int = 1, steps: int = 36):
    sets = dict(HUB_YEARS)
    if budget is not None:
        sets[f"programmes.{HUB}.budget_krw"] = budget
    return _model(firms=firms, steps=steps, seed=seed, **sets)


def test_a_money_programme_pays_exactly_its_budget_to_its_districts_firms():
    """Conservation: every month appropriated = paid + waiting, and over its months the
    programme pays its whole budget (model won), to the won; a programme that skipped or
    doubled a payment fails here."""
    model = _hub_model()
    state = next(p for p in model.programmes.items if p.money)
    for _ in range(36):  # 2023-06 to 2026-05: the whole programme
        model.step()
        assert state.budget.appropriated == state.budget.spent + state.budget.remaining
        assert state.budget.appropriated == state.due_by(model.month)
    assert state.budget.remaining == 0
    assert state.budget.spent == state.total == round(16_500_000_000 * model.scale)
    assert model.programmes.paid() == state.total


def test_the_first_months_grants_are_public_money_paid_to_the_districts_firms():
    """Paired with size 0, the firms there at the start received exactly the programme's
    month more public money in its first month, all of it in the district, in equal
    whole-won shares (new entrants may differ: the money is also a location term)."""
    runs = {}
    for budget in (None, 0.0):
        model = _hub_model(budget=budget, steps=1)
        rows = model.firm_rows()
        before = model.nodes.public_received[rows].copy()
        model.step()
        runs[budget] = (model, rows, model.nodes.public_received[rows] - before)
    model, rows, got = runs[None]
    _, _, none = runs[0.0]
    state = next(p for p in model.programmes.items if p.money)
    extra = got - none
    assert state.due_by(0) > 0
    inside = model.nodes.district[rows] == _alpha(model)
    assert extra[~inside].sum() == 0 and extra[inside].sum() == state.due_by(0)
    assert extra[inside].max() - extra[inside].min() <= 1  # equal shares, whole won


def test_the_money_is_a_location_term_only_while_the_programme_runs():
    """A firm choosing a site expects its share of the next 12 months' money: the
    district's utility is higher with the budget than without, and equal before the first
    month (so the months before it can be shared by branching)."""
    months = {}
    for budget in (None, 0.0):
        model = _hub_model(budget=budget, steps=2)
        model.step()
        months[budget] = model.district_options()[0][_alpha(model)]
    assert months[None] > months[0.0]
    book = _hub_model().programmes
    assert book.expected(-1, np.zeros(4)).sum() == 0.0
    assert book.expected(0, np.zeros(4)).sum() > 0.0


def test_money_raises_the_districts_firms_against_size_zero():
    """The money channel moves firms: with an ample budget Alpha City has more firms after
    two years than with size 0, on every paired seed."""
    gain = []
    for seed in (1, 2, 3):
        big = _hub_model(budget=5e12, firms=6000, seed=seed, steps=24)
        none = _hub_model(budget=0.0, firms=6000, seed=seed, steps=24)
        for m in (big, none):
            while m.running:
                m.step()
        d = _alpha(big)
        gain.append(big.district_firm_counts()[d] - none.district_firm_counts()[d])
    assert min(gain) > 0, gain


# ----------------------------------------------------------------------------- size 0


def test_size_zero_is_no_programme_byte_for_byte():
    """Every programme at budget 0 and space 0 gives the outputs of a scenario without the
    table: nothing of a programme acts but its channel."""
    zero = {f"programmes.{p}.space_firms": 0.0 for p in SPACE} | {
        f"programmes.{HUB}.budget_krw": 0.0
    }
    a = small("baseline", firms=1500, steps=18, **zero)
    data = a.to_dict()
    data["programmes"] = {}
    b = Scenario.from_dict(data, source="no-programmes")
    frames = []
    for s in (a, b):
        model = RegionalModel(s, rng=3)
        while model.running:
            model.step()
        frames.append(model.history())
    for x, y in zip(frames[0], frames[1], strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_the_book_pays_nothing_to_an_empty_district_and_keeps_it():
    """Money that finds no firm waits (appropriated = spent + remaining), and is paid once
    the district has firms."""
    model = _hub_model(steps=1)
    book = model.programmes
    n = len(book.base_space)
    empty, paying = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    got = book.step(0, empty, paying)
    state = next(p for p in book.items if p.money)
    assert len(got.won) == 0 and state.budget.remaining == state.due_by(0) > 0
    full = np.ones(n, dtype=np.int64)
    got = book.step(1, full, paying)
    assert got.won.sum() == state.due_by(1) and state.budget.remaining == 0


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("setting", "field", "needle"),
    [
        (f"programmes.{HUB}.region=nowhere", f"programmes.{HUB}.region", "must be a region id"),
        (f"programmes.{HUB}.district=pangyo", f"programmes.{HUB}.district", "a district of"),
        (f"programmes.{HUB}.channel=talent", f"programmes.{HUB}.channel", "money"),
        (f'programmes.{HUB}.first="2027-01"', f"programmes.{HUB}.last", "is before first"),
        (f"programmes.{HUB}.space_firms=10", f"programmes.{HUB}.space_firms", "must be 0"),
        (f"programmes.{HUB}.budget_krw=-1", f"programmes.{HUB}.budget_krw", "must be"),
        (
            "programmes.alpha_techbiz_center.budget_krw=1e9",
            "programmes.alpha_techbiz_center.budget_krw",
            "must be 0 for channel 'space'",
        ),
    ],
)
def test_bad_programme_input_is_one_line_naming_the_file_and_field(capsys, setting, field, needle):
    base = str(SCENARIOS / "baseline.toml")
    assert main(["run", base, "--steps", "1", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert err.startswith("abm: error:") and err.count("\n") == 1, err
    assert "baseline.toml" in err and field in err and needle in err


def test_the_run_function_changes_nothing_without_programmes():
    model = _model(steps=1, firms=600)
    space = model.district_space.copy()
    model.programmes.items = []
    got = programmes.run(model)
    assert len(got.won) == 0 and np.array_equal(model.district_space, space)


# ----------------------------------------------------------------------------- docs


def test_the_docs_table_of_the_district_pulls_is_the_scripts():
    """docs/calibration.md shows what scripts/district_pulls.py printed: its command, header,
    a row per target with the target's own observation, band and date, and the z of the
    model mean against it; the pull it names is the one calibrated.toml ships (the posterior
    median, checked with ``--check``, or the script's own estimate)."""

    district_pulls = script("district_pulls")
    found = block("docs/calibration.md", district_pulls.BLOCK)
    assert found.command == district_pulls.COMMAND
    lines = found.text.splitlines()
    assert lines[0].startswith("`python scripts/district_pulls.py")
    assert lines[2] == district_pulls.HEADER
    ids = [i for ids in (district_pulls.FITTED | district_pulls.REPORTED).values() for i in ids]
    rows = found.rows()
    assert [row[0] for row in rows] == ids  # a row per target the script reports
    targets = load_targets(district_pulls.TARGETS)
    for target, date, observed, band, mean, _, z in rows:
        t = targets.get(target)
        assert date == str(t.date)[:7] and number(observed).agrees(t.observed), target
        low, high = (number(x) for x in band.split("-"))
        assert low.agrees(t.observed - 2 * t.sd) and high.agrees(t.observed + 2 * t.sd), target
        gap = number(mean) - Number(t.observed, 0.0)
        assert number(z).agrees(Number(gap.value / t.sd, gap.slack / t.sd)), target
    pull = re.search(r"suseong_alpha_city ([+-][\d.]+)", lines[0]).group(1)
    calibrated = (SCENARIOS / "calibrated.toml").read_text(encoding="utf-8")
    table = calibrated.split("[districts.suseong_alpha_city]", 1)[1]
    assert float(re.search(r"pull = (\S+)", table).group(1)) == pytest.approx(float(pull))
    # the pull is the calibration's (a check at one agent per firm) or the script's estimate
    provenance = table.split("\n", 2)[1]
    checked = "--check" in lines[0] and "90 % interval" in provenance
    assert checked or "scripts/district_pulls.py" in provenance


# ----------------------------------------------------------------------------- branching


def test_a_programme_differs_from_its_first_month_and_branches_exactly():
    """``first`` is declared ``starts``: two scenarios differing in a programme share the
    months before it, and the option continued from there is the run from the start."""
    from abm import branching

    # the hub pilot runs from 2019-06 in both (what it paid before the split is kept); the
    # options differ in the later buildings, from 2023-01
    base = small("baseline", firms=200, steps=60, **{f"programmes.{HUB}.first": "2019-06"})
    other = base.with_overrides({"programmes.alpha_later_buildings.space_firms": 60.0})
    shared = branching.shared_months([base, other])
    assert shared == (2023 - 2019) * 12  # 2019-01 to 2022-12
    steps = shared + 3
    (_, _), (_, branched) = branching.continued([base, other], 7, steps)
    alone = RegionalModel(other.with_overrides({"scenario.steps": steps}), rng=7)
    while alone.steps < steps:
        alone.step()
    for x, y in zip(branched.history(), alone.history(), strict=True):
        pd.testing.assert_frame_equal(x, y)
    assert branched.programmes.paid() == alone.programmes.paid() > 0
