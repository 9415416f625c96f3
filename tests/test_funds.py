"""Venture funds (``[funds.<id>]``, ``abm/rules/funds.py``): money, the location channel, the
growth channel and bad input. Each test names the mutant it kills."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from abm import location
from abm.cli import main
from abm.model import RegionalModel
from abm.rules import funds
from tests.conftest import SCENARIOS, small
from tests.doc_blocks import Block, Number, block, interval, number, script, written

FUND_YEARS = {"scenario.start": "2022-11"}  # the first month an ABB fund invests
ABB = ("abb_growth_1", "abb_venture_2", "dgb_digital_3", "abb_growth_4")


def _off() -> dict:
    return {f"funds.{f}.size_krw": 0.0 for f in ABB}


def _model(firms: int = 3000, steps: int = 24, seed: int = 1, **overrides) -> RegionalModel:
    scenario = small("baseline", firms=firms, steps=steps, **(FUND_YEARS | overrides))
    return RegionalModel(scenario, rng=seed)


# ----------------------------------------------------------------------------- money


def test_money_invested_equals_money_committed_to_the_won_every_month():
    model = _model()
    book = model.funds
    paid = 0
    for _ in range(24):
        model.step()
        for f in book.funds:
            for b in (f.local, f.open):
                assert b.spent + b.remaining == b.appropriated and b.remaining >= 0
                real = b.spent / (f.ticket * model.scale)  # real firms' tickets paid
                assert real == pytest.approx(round(real), abs=1e-6)  # whole ones (mutant: a part)
        month = int(model.tally.fund_invested.sum())
        assert month == book.invested() - paid  # mutant: booking other than what was paid
        paid = book.invested()
        row = model.model_record()
        assert row["fund_investment"] * model.scale == pytest.approx(month, abs=1e-3)
        assert row["fund_firms"] * model.scale == model.tally.fund_firms.sum()
    assert paid > 0
    # what was appropriated is the scenario's money, scaled, to the won
    local = [min(f.size_krw, f.local_multiple * f.city_krw) for f in model.config.funds.values()]
    first = book.funds[0]
    months = first.last - first.first + 1
    assert first.local.appropriated == pytest.approx(local[0] * model.scale / months * 24, abs=24)


def test_each_ticket_is_paid_into_the_investees_cash_and_pays_for_staff():
    model = _model(steps=12)
    for _ in range(3):
        model.step()
    model.funds.funds[0].local.appropriate(5 * model.funds.funds[0].ticket)  # five tickets
    firms = model.firm_rows()
    nodes = model.nodes
    cash, size, talent = nodes.cash.copy(), nodes.size.copy(), model.talent.copy()
    public = nodes.public_received.copy()  # a mover's new site may be subsidised
    model.tally.reset()
    got = funds.invest(model, firms)
    assert len(got.rows) >= 5
    moving = model.config.params.firm.moving_cost_months * nodes.revenue[got.rows] * got.moved
    gain = nodes.cash[got.rows] - cash[got.rows] - (nodes.public_received - public)[got.rows]
    # mutant: the cash channel removed (a ticket that never reaches the firm)
    np.testing.assert_allclose(gain, got.won - moving, rtol=1e-12)
    hired = nodes.size[got.rows] - size[got.rows]
    assert (hired > 0).all()  # mutant: the hiring channel removed
    # staff come from the pools (talent is conserved)
    assert talent.sum() - model.talent.sum() == pytest.approx(hired.sum())
    assert model.tally.fund_invested.sum() == got.won.sum()


def test_a_ticket_keeps_a_firm_out_of_cash_alive():
    model = _model(steps=12)
    model.step()
    firms = model.firm_rows()
    daegu = model.region_index["daegu"]
    row = firms[model.nodes.region[firms] == daegu][0]
    model.nodes.cash[row] = -1e8  # would exit this month
    model.nodes.size[row] = 5.0
    book = model.funds.funds[0]
    book.local.appropriate(book.ticket)
    book.movers_share = 0.0
    weight = np.zeros(len(firms))
    weight[np.searchsorted(firms, row)] = 1.0  # the fund's one candidate
    got = model.funds.step(
        model.month,
        model.nodes.lineage[firms],
        model.nodes.region[firms],
        np.ones(len(firms), dtype=bool),
        weight,
        lambda i: np.full(len(firms), 0.5),
        lambda idx, dest, won: np.zeros(len(idx), dtype=bool),
    )
    got.rows = firms[got.rows]
    funds._apply(model, got)
    assert row in got.rows
    # firms leave when their cash is below 0 (finance.exits)
    assert model.nodes.cash[row] > 0  # mutant: the ticket not paid into cash


# ----------------------------------------------------------------------------- location


def test_the_expected_investment_raises_the_funds_region_only():
    on = _model(steps=6)
    off = _model(steps=6, **_off())
    for m in (on, off):
        for _ in range(2):
            m.step()
    assert on.funds.invested() == 0  # no ticket yet: the runs differ by the term alone
    terms = on.location_terms() - off.location_terms()
    daegu = on.region_index["daegu"]
    p = on.config.params
    real = on.region_firm_counts() / on.scale
    expected = on.funds.expected(on.month, real)
    assert expected[daegu] > 0 and np.delete(expected, daegu).sum() == 0
    want = (
        p.location.incentive_weight
        * p.equity.value
        * expected[daegu]
        / (on.mean_firm_size[daegu] * p.firm.capex_per_job_krw)
    )
    # mutant: the location term removed (or not weighted like the subsidy beside it)
    assert terms[daegu] == pytest.approx(want, rel=1e-9) and want > 1e-4
    others = np.delete(terms, daegu)
    np.testing.assert_allclose(others, 0.0, atol=1e-12)
    # so an entrant is more likely to pick Daegu
    loc = p.location
    share_on = location.expected_shares(on.location_base(), loc)[daegu]
    share_off = location.expected_shares(off.location_base(), loc)[daegu]
    assert share_on > share_off


def test_the_expected_investment_ends_with_the_fund_and_does_not_depend_on_agents():
    model = _model(steps=6)
    real = np.array([500.0, 572.0, 300.0, 200.0, 5000.0])[: len(model.region_ids)]
    book = model.funds.funds
    after, before = max(f.last for f in book) + 1, min(f.first for f in book) - 1
    assert model.funds.expected(after, real).sum() == 0.0  # a closed fund offers nothing
    assert model.funds.expected(before, real).sum() == 0.0  # mutant: the dates ignored
    other = _model(firms=1500, steps=6)
    at = book[0].first
    np.testing.assert_allclose(
        model.funds.expected(at, real), other.funds.expected(at, real), rtol=1e-6
    )


def test_a_firm_elsewhere_moves_for_a_ticket_only_when_it_beats_staying():
    model = _model(steps=6)
    model.step()
    firms = model.firm_rows()
    nodes = model.nodes
    daegu = model.region_index["daegu"]
    away = firms[nodes.region[firms] != daegu][:200]
    nodes.cash[away] = 1e12
    no = funds._accepts(model, away, daegu, 0)
    big = funds._accepts(model, away, daegu, 10**13)
    assert big.sum() > no.sum()  # mutant: the ticket left out of the move's gain
    assert big.all()


def test_movers_move_to_the_funds_region_and_are_counted():
    model = _model(firms=24000, steps=30)
    moved = 0
    for _ in range(30):
        model.step()
        t = model.tally
        moved += int(t.fund_movers.sum())
        daegu = model.region_index["daegu"]
        assert t.fund_movers.sum() == t.fund_movers[daegu]  # they all went to Daegu
        assert t.relocations[:, daegu].sum() >= t.fund_movers[daegu]
    assert moved > 0  # mutant: the relocation condition removed


# ----------------------------------------------------------------------------- off and on


def test_size_zero_is_the_same_run_as_no_funds():
    data = small("baseline", firms=600, steps=36, **FUND_YEARS).to_dict()
    data["funds"] = {}
    from abm.scenario import Scenario

    none = RegionalModel(Scenario.from_dict(data, "test"), rng=3)
    zero = _model(firms=600, steps=36, seed=3, **_off())
    for m in (none, zero):
        for _ in range(36):
            m.step()
    a, b = none.history()[1], zero.history()[1]
    assert a.equals(b)  # mutant: a fund of size 0 still offering or paying


def test_a_fund_changes_daegus_firms_and_movers_against_size_zero():
    """Paired seeds at one agent per real firm to 2025-12; the effect with its interval and
    power is measured by scripts/fund_effect.py (docs/ODD.md)."""
    diff_firms, movers = [], []
    for seed in (1, 2, 3):
        runs = [_model(firms=24000, steps=38, seed=seed, **o) for o in ({}, _off())]
        for m in runs:
            for _ in range(38):
                m.step()
        on, off = (m.history()[1] for m in runs)
        last = on["step"].max()
        sel = (on.region == "daegu") & (on.step == last)
        diff_firms.append(float(on[sel].firms.iloc[0]) - float(off[sel].firms.iloc[0]))
        movers.append(float(on[on.region == "daegu"].fund_movers.sum()))
        assert off.fund_movers.sum() == 0
    assert sum(movers) > 0
    assert sum(diff_firms) > 0


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("setting", "field", "needle"),
    [
        ("funds.abb_growth_1.region=nowhere", "funds.abb_growth_1.region", "must be a region id"),
        ("funds.abb_growth_1.size_krw=-1", "funds.abb_growth_1.size_krw", "must be"),
        ('funds.abb_growth_1.first="2026-01"', "funds.abb_growth_1.last", "is before first"),
        ('funds.abb_growth_1.last="2026-13"', "funds.abb_growth_1.last", "2026-13"),
    ],
)
def test_bad_fund_input_is_one_line_naming_the_file_and_field(capsys, setting, field, needle):
    base = str(SCENARIOS / "baseline.toml")
    assert main(["run", base, "--steps", "1", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert err.startswith("abm: error:") and err.count("\n") == 1, err
    assert "baseline.toml" in err and field in err and needle in err


def test_a_fund_table_in_a_file_without_a_region_names_the_file(tmp_path: Path, capsys):
    path = tmp_path / "s.toml"
    path.write_text("[regions.a]\nfirms_real = 10\n[funds.new]\nsize_krw = 1e10\n")
    assert main(["run", str(path), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "funds.new.region" in err


def _check_fund_table(found: Block) -> None:
    """A table of scripts/fund_effect.py: its header and rows, and numbers its paired arithmetic
    gives: a difference of the two means, centred in a t-interval as wide as the sd gives, and
    the detectable difference of that sd."""
    fund_effect = script("fund_effect")
    assert found.command == fund_effect.COMMAND
    assert found.text.splitlines()[2] == fund_effect.HEADER
    rows = found.rows()
    assert [row[0] for row in rows] == list(fund_effect.ROWS), "run scripts/fund_effect.py --write"
    n = int(re.search(r"Daegu, (\d+) paired seeds", found.text).group(1))
    t = stats.t.ppf(0.975, n - 1) / np.sqrt(n)
    for label, on, off, cell, sd_cell, detectable in rows:
        mean, low, high = interval(cell)
        assert mean.agrees(number(on) - number(off)), label
        sd = number(sd_cell)  # the half-width and the detectable difference grow with the sd
        least, most = max(sd.value - sd.slack, 0.0), sd.value + sd.slack
        half = Number((high.value - low.value) / 2, (high.slack + low.slack) / 2)
        assert half.agrees(Number(t * (least + most) / 2, t * sd.slack)), label
        mde = (fund_effect.mde(least, n), fund_effect.mde(most, n))
        assert number(detectable).agrees(Number(sum(mde) / 2, (mde[1] - mde[0]) / 2)), label


def test_the_docs_table_of_the_funds_effect_is_the_scripts():
    """docs/ODD.md 12 shows what scripts/fund_effect.py printed, over at least 10 seeds."""
    found = block("docs/ODD.md", script("fund_effect").BLOCK)
    _check_fund_table(found)
    assert int(re.search(r"Daegu, (\d+) paired seeds", found.text).group(1)) >= 10


def test_the_fund_table_check_passes_the_scripts_own_table_and_fails_an_edited_one(tmp_path):
    """The table fund_effect.py makes of fixed numbers, written by its ``--write``, passes the
    docs' check; one edited number (a mean, an sd, a detectable difference) fails it."""
    fund_effect = script("fund_effect")
    rng = np.random.default_rng(11)
    off = [{label: float(rng.uniform(0, 20000)) for label in fund_effect.ROWS} for _ in range(20)]
    on = [{k: v + float(rng.normal(50, 20)) for k, v in seed.items()} for seed in off]
    text = fund_effect.table(on, off, 24000, 24000)
    found = written(tmp_path / "doc.md", fund_effect, text)
    _check_fund_table(found)
    label = next(iter(fund_effect.ROWS))
    d = np.array([a[label] - b[label] for a, b in zip(on, off, strict=True)])
    assert number(found.rows()[0][4]).agrees(float(d.std(ddof=1)))
    for column in (1, 4, 5):  # the funds' mean, the sd, the detectable difference
        edited = f"{number(found.rows()[0][column]).value + 1.0:,.1f}"
        with pytest.raises(AssertionError, match=re.escape(label)):
            _check_fund_table(found.with_cell(0, column, edited))


def _real_won_invested(firms: int) -> tuple[float, int]:
    """Real won ABB fund 1 invests over its whole period at ``firms`` agents (its rule alone,
    :meth:`FundBook.step`, among that many Daegu SMEs none of which would move), and its
    ticket."""
    scenario = small("baseline", firms=firms, steps=1, **FUND_YEARS)
    region_index = {r: i for i, r in enumerate(scenario.regions)}
    fund = {"abb_growth_1": scenario.funds["abb_growth_1"]}
    book = funds.FundBook(fund, scenario.start, region_index, scenario.scale)
    f = book.funds[0]
    keys = np.arange(firms, dtype=np.uint64)
    region = np.full(firms, f.region)
    yes = np.ones(firms, dtype=bool)
    rng = np.random.default_rng(0)
    for month in range(f.first, f.last + 1):
        book.appropriate(month)
        book.step(
            month,
            keys,
            region,
            yes,
            np.ones(firms),
            lambda _: rng.random(firms),
            lambda idx, _r, _w: np.zeros(len(idx), dtype=bool),
        )
    return book.invested() / scenario.scale, f.ticket


def test_a_fund_invests_the_same_real_won_at_1000_and_4000_agents():
    """An agent stands for 1 / scale real firms, each paid a whole ticket or none. ABB fund 1
    (234억, tickets of 10.9억) invests its money at any agent count, to within one ticket.
    (Paid by the agent, whole tickets only, 1,000 agents invested nothing: one agent's
    ticket, 24 real firms' worth, was more than the fund.)"""
    few, ticket = _real_won_invested(1000)
    many, _ = _real_won_invested(4000)
    size = 23_400_000_000
    assert size - 2 * ticket < few <= size  # mutant: whole agents' tickets only (0 won)
    assert abs(few - many) <= ticket


def test_one_agent_per_real_firm_is_paid_whole_tickets_or_none():
    assert funds.tickets_payable(100, 250, 1.0).tolist() == [100, 100]  # never a part
    assert funds.tickets_payable(100, 250, 0.25).tolist() == [100, 100, 50]  # 2 of 4 fit
    assert funds.tickets_payable(100, 24, 0.25).tolist() == []  # not one real ticket fits
    assert funds.tickets_payable(0, 250, 0.25).tolist() == []


def test_the_fund_table_labels_fewer_agents_than_real_firms_an_approximation():
    """Claims are made at one agent per real firm; a table made with fewer says so."""
    fund_effect = script("fund_effect")
    rows = [{label: 1.0 for label in fund_effect.ROWS} for _ in range(3)]
    assert "(one agent per real firm)" in fund_effect.table(rows, rows, 24000, 24000)
    fewer = fund_effect.table(rows, rows, 2000, 24000)
    assert "an APPROXIMATION: 2,000 agents for ~24,000 real firms" in fewer
    assert "one agent per real firm" not in fewer
