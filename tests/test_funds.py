"""Venture funds (``[funds.<id>]``, ``abm/rules/funds.py``): money, the location channel, the
growth channel and bad input. Each test names the mutant it kills."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from abm import location
from abm.cli import main
from abm.model import RegionalModel
from abm.rules import funds, relocation
from abm.schema import Fund
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


# ----------------------------------------------------------------------------- the rule's helpers
#
# Unit tests of abm/rules/funds.py's own functions on hand-set funds and arrays (docs/mutation.md:
# each kills survivors of the mutation run). Money at one agent per real firm (scale 1) unless
# said, a ticket of 10억, region 1 the fund's.

TICKET = 1_000_000_000


def _fund(**fields) -> Fund:
    """A fund of region "b" investing 2026-01 .. 2027-12 (24 months): 12 tickets of local
    money (200 % of a 60억 city share), none open, half of it public, no movers."""
    spec = {
        "region": "b",
        "size_krw": 12.0 * TICKET,
        "city_krw": 6.0 * TICKET,
        "ticket_krw": float(TICKET),
        "public_share": 0.5,
        "movers_share": 0.0,
        "first": "2026-01",
        "last": "2027-12",
    }
    return Fund(**(spec | fields))


def _book(scale: float = 1.0, **funds_: Fund) -> funds.FundBook:
    return funds.FundBook(funds_, dt.date(2026, 1, 1), {"a": 0, "b": 1, "c": 2}, scale)


def _pay_month(book: funds.FundBook, month: int, region, weight, eligible=None, keys=None):
    """One month of ``book`` among hand-set candidates, every clock at 0.5 (the heaviest
    first), and no firm elsewhere willing to move unless all are."""
    n = len(region)
    keys = np.arange(n, dtype=np.uint64) if keys is None else keys
    eligible = np.ones(n, dtype=bool) if eligible is None else eligible
    book.appropriate(month)
    return book.step(
        month,
        keys,
        np.asarray(region),
        eligible,
        np.asarray(weight, dtype=float),
        lambda _: np.full(n, 0.5),
        lambda idx, _r, _w: np.ones(len(idx), dtype=bool),
    )


def test_a_month_without_investments_has_the_types_of_one_with_them():
    """Rows index firms, won are whole (integers), ``moved`` is a mask, ``firms`` a share."""
    none = funds.Investments.empty()
    for name in ("rows", "won", "public", "dest"):
        column = getattr(none, name)
        assert len(column) == 0 and column.dtype.kind == "i", name
    assert len(none.moved) == 0 and none.moved.dtype == bool
    assert len(none.firms) == 0 and none.firms.dtype.kind == "f"
    assert np.arange(5)[none.rows].tolist() == []
    assert funds.tickets_payable(TICKET, 0, 1.0).dtype.kind == "i"  # concatenated with paid ones


def test_a_fund_appropriates_its_size_evenly_from_its_first_month_to_its_last():
    """2026-03 .. 2026-06 (months 2..5): 20억 of local money (200 % of the city's 10억), a
    quarter of it a month; at scale 0.5 that is 2.5억 a month, exactly one agent's ticket of
    5억 (half of each real ticket's 5억 for its two real firms)."""
    spec = _fund(
        size_krw=2.0 * TICKET,
        city_krw=1.0 * TICKET,
        ticket_krw=0.5 * TICKET,
        first="2026-03",
        last="2026-06",
    )
    book = _book(0.5, f=spec)
    f = book.funds[0]
    assert [f.investing(m) for m in range(8)] == [
        False,
        False,
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    assert book.appropriate(0) is False and book.appropriate(1) is False  # not yet investing
    assert book.appropriate(2) is True  # exactly one agent's ticket
    for month in range(3, 8):
        book.appropriate(month)
    assert f.local.appropriated == 2 * TICKET * 0.5  # its size, scaled, to the won
    assert f.open.appropriated == 0


def test_the_expected_investment_is_a_ticket_times_the_chance_of_one_within_a_year():
    """Half a ticket a month of local money (12 tickets over 24 months), 100 real firms in
    the region: a year ahead holds 6 tickets (a 6 % chance of one), the last 4 months 2;
    money not yet paid counts; the chance is at most 1, and a region of no firm counts as
    one firm."""
    book = _book(f=_fund())
    firms = np.array([500.0, 100.0, 80.0])
    np.testing.assert_allclose(book.expected(0, firms), [0.0, 0.06 * TICKET, 0.0])
    assert book.expected(20, firms)[1] == pytest.approx(0.02 * TICKET)  # months 20..23 left
    assert book.expected(23, firms)[1] == pytest.approx(0.005 * TICKET)  # its last month
    book.funds[0].local.appropriate(3 * TICKET)  # three tickets not yet paid
    assert book.expected(20, firms)[1] == pytest.approx(0.05 * TICKET)
    assert book.expected(0, np.array([0.0, 2.0, 0.0]))[1] == TICKET  # 9 tickets for 2 firms
    one = _book(f=_fund())
    assert one.expected(21, np.array([0.0, 0.0, 0.0]))[1] == TICKET  # 1.5 tickets, no firm


def test_the_expected_investments_of_funds_in_one_region_add_up():
    """A fund not yet investing offers nothing and does not hide the funds after it."""
    late = _fund(first="2027-01", last="2028-12")
    book = _book(late=late, early=_fund())
    firms = np.array([500.0, 100.0, 80.0])
    assert book.expected(0, firms)[1] == pytest.approx(0.06 * TICKET)  # the early one only
    assert book.expected(12, firms)[1] == pytest.approx(0.06 * TICKET + 0.06 * TICKET)


def test_a_fund_invests_once_in_each_eligible_promising_firm():
    """One ticket a month among five firms of its region: the heaviest first, each once;
    never the firm that may not receive equity, nor one of weight 0. Lineage keys are exact:
    the firm whose key follows another's is not taken for it, and key 0 is a firm."""
    book = _book(f=_fund(size_krw=24.0 * TICKET, city_krw=12.0 * TICKET))  # a ticket a month
    keys = np.array([0, 2**63, 2**63 + 1, 5, 6], dtype=np.uint64)
    eligible = np.array([True, True, True, False, True])
    weight = [3.0, 2.0, 1.0, 1.0, 0.0]
    paid = []
    for month in range(5):
        got = _pay_month(book, month, [1] * 5, weight, eligible, keys)
        paid.append(got.rows.tolist())
        assert got.won.tolist() == [TICKET] * len(got.rows)
        assert got.public.tolist() == [TICKET // 2] * len(got.rows)  # public_share 0.5
        assert got.dest.tolist() == [1] * len(got.rows) and not got.moved.any()
        assert got.firms.tolist() == [1.0] * len(got.rows)
    assert paid == [[0], [1], [2], [], []]


def test_funds_not_investing_or_without_money_do_not_stop_the_others():
    book = _book(
        later=_fund(first="2027-01"),  # not yet investing
        empty=_fund(size_krw=0.0),  # investing, no money
        paying=_fund(size_krw=24.0 * TICKET, city_krw=12.0 * TICKET),  # a ticket a month
    )
    got = _pay_month(book, 0, [1, 1, 1], [1.0, 1.0, 1.0])
    assert len(got.rows) == 1 and got.won.tolist() == [TICKET]
    assert book.funds[2].local.spent == TICKET


def test_a_fund_pays_a_firm_one_ticket_a_month_from_either_budget():
    """One local and two open tickets, two firms of its region: each paid once."""
    book = _book(f=_fund(size_krw=3.0 * TICKET, city_krw=0.5 * TICKET, last="2026-01"))
    got = _pay_month(book, 0, [1, 1], [2.0, 1.0])
    assert sorted(got.rows.tolist()) == [0, 1]
    assert book.funds[0].open.remaining == TICKET  # the third ticket found no firm


def test_movers_are_the_share_of_the_local_tickets_so_far():
    """Two local tickets a month, a fifth offered to firms elsewhere that move: after 2, 4,
    6, 8, 10 tickets, round(0.4), round(0.8), ... = 0, 1, 1, 2, 2 movers."""
    book = _book(f=_fund(size_krw=48.0 * TICKET, city_krw=24.0 * TICKET, movers_share=0.2))
    region = np.repeat([0, 1], 40)
    weight = np.linspace(1.0, 2.0, 80)
    movers = []
    for month in range(5):
        got = _pay_month(book, month, region, weight)
        assert len(got.rows) == 2
        k = int(got.moved.sum())
        assert got.moved.tolist() == [True] * k + [False] * (2 - k)  # movers first
        assert (region[got.rows[:k]] == 0).all() and (got.dest == 1).all()
        movers.append(k)
    assert movers == [0, 1, 0, 1, 0]
    assert book.funds[0].movers == 2 and book.funds[0].local_tickets == 10


def test_the_clock_ranks_a_weighted_draw_and_the_first_acceptors_are_taken_in_its_order():
    rng = np.random.default_rng(5)
    u, weight = rng.random(200), rng.uniform(0.5, 2.0, 200)
    idx = np.arange(200)
    order = np.argsort(-np.log1p(-u) / weight)  # when each clock rings
    assert funds._ranked(u, weight, idx, 7).tolist() == order[:7].tolist()
    f = _book(f=_fund()).funds[0]
    yes = np.zeros(200, dtype=bool)
    yes[::10] = True  # one firm in ten would move

    def accepts(ask, _region, _won):
        return yes[ask]

    first = order[yes[order]]

    def everyone(ask, _region, _won):
        return np.ones(len(ask), dtype=bool)

    assert funds._first_accepting(u, weight, idx, 1, f, everyone).tolist() == order[:1].tolist()
    assert funds._first_accepting(u, weight, idx, 5, f, accepts).tolist() == first[:5].tolist()
    # fewer willing than wanted: all of them, and the search ends
    assert funds._first_accepting(u, weight, idx, 30, f, accepts).tolist() == first.tolist()


def test_an_agents_ticket_counts_the_real_firms_it_pays():
    """At scale 0.3 an agent's whole ticket pays all its 1 / 0.3 real firms (1 agent); a part
    worth two real tickets, 2 x 0.3 of an agent."""
    assert funds._firms(TICKET, TICKET, 0.3) == 1.0
    assert funds._firms(round(2 * TICKET * 0.3), TICKET, 0.3) == pytest.approx(0.6)
    assert funds._firms(round(TICKET * 0.25), TICKET, 0.25) == pytest.approx(0.25)


def _one_month_in() -> RegionalModel:
    """Baseline from 2022-11 (ABB fund 1's first month), one month run: fund 1 investing."""
    model = _model(firms=600, steps=6)
    model.step()
    return model


def test_only_firms_below_the_sme_threshold_receive_equity():
    """population.sme_threshold: SMEs are firms *below* it; a firm at it gets no ticket."""
    model = _one_month_in()
    firms = model.firm_rows()
    book = model.funds.funds[0]
    threshold = model.config.population.sme_threshold
    model.nodes.size[firms] = threshold
    book.local.appropriate(5 * book.ticket)
    assert len(funds.invest(model, firms).rows) == 0
    model.nodes.size[firms] = threshold - 0.5
    assert len(funds.invest(model, firms).rows) > 0


def test_each_fund_draws_its_own_firms():
    """The clock of each candidate is keyed by the fund: two funds of one region with the
    same money and candidates pick different firms (the same firms with a shared clock)."""
    model = _one_month_in()
    firms = model.firm_rows()
    a, b = model.funds.funds[:2]
    for f in (a, b):
        f.first, f.movers_share = 0, 0.0
        f.local.appropriate(3 * f.ticket)
    funds.invest(model, firms)
    assert len(a.held) >= 3 and len(b.held) >= 3
    assert set(a.held.tolist()) != set(b.held.tolist())


def test_a_firm_moves_for_a_ticket_worth_more_than_its_lost_utility_and_the_move():
    """A firm elsewhere accepts a ticket of ``won`` when its utility in the fund's region,
    plus the ticket valued as equity against its new site (incentive_weight x equity.value x
    won / (staff x capex per job), like the expected subsidy), beats its own region's by the
    moving cost; and its cash with the ticket pays the move (moving_cost_months of revenue).
    So the least ticket that moves it is (moving_cost - utility gain) x site / weights."""
    model = _one_month_in()
    p, nodes = model.config.params, model.nodes
    firms = model.firm_rows()
    daegu = model.region_index["daegu"]
    away = firms[nodes.region[firms] != daegu][:40]
    utility = relocation._utilities(model, away)  # a firm's location choice
    gain = utility[:, daegu] - utility[np.arange(len(away)), nodes.region[away]]
    site = nodes.size[away] * p.firm.capex_per_job_krw
    least = (p.firm.moving_cost - gain) * site / (p.location.incentive_weight * p.equity.value)
    nodes.cash[away] = 1e15
    checked = 0
    for row, won in zip(away.tolist(), least.tolist(), strict=True):
        if won < 1e6:
            continue
        one = np.array([row])
        assert funds._accepts(model, one, daegu, round(won * 1.001))[0], row
        assert not funds._accepts(model, one, daegu, round(won * 0.999))[0], row
        # cash: with the ticket it must pay the move
        cost = p.firm.moving_cost_months * nodes.revenue[row]
        big = round(won * 2)
        nodes.cash[row] = cost - big + 1e6
        assert funds._accepts(model, one, daegu, big)[0]
        nodes.cash[row] = cost - big - 1e6
        assert not funds._accepts(model, one, daegu, big)[0]
        nodes.cash[row] = 1e15
        checked += 1
    assert checked >= 5


def _investments(rows, won, public, dest, moved, firms) -> funds.Investments:
    return funds.Investments(
        np.asarray(rows, dtype=np.int64),
        np.asarray(won, dtype=np.int64),
        np.asarray(public, dtype=np.int64),
        np.asarray(dest, dtype=np.int64),
        np.asarray(moved, dtype=bool),
        np.asarray(firms, dtype=float),
    )


def test_a_months_tickets_move_the_movers_pay_for_staff_and_add_to_the_tally():
    """Twenty firms move to Daegu for a ticket, two of Daegu are paid one (the last half a
    ticket): the movers counted as relocations from their regions and as district move-ins,
    each ticket hires runway_months of staff at the region's monthly cost of an employee
    where the pool has them, and the month's tallies add the won, the public part, the real
    firms and the movers to what they held."""
    model = _one_month_in()
    p, nodes, t = model.config.params, model.nodes, model.tally
    firms = model.firm_rows()
    daegu, n = model.region_index["daegu"], len(model.region_ids)
    away = firms[nodes.region[firms] != daegu][:20]
    home = firms[nodes.region[firms] == daegu][:2]
    rows = np.concatenate([away, home])
    won = np.array([TICKET] * 21 + [TICKET // 2])
    got = _investments(
        rows, won, won * 3 // 10, [daegu] * 22, [True] * 20 + [False] * 2, [1.0] * 21 + [0.5]
    )
    origin = nodes.region[away].astype(np.int64)
    model.talent[daegu] = 1e6  # ample
    size = nodes.size[rows].copy()
    for name in ("fund_invested", "fund_public", "fund_firms", "fund_movers"):
        getattr(t, name)[:] = 7
    relocations = t.relocations.copy()
    entries, moves_in = t.district_entries.copy(), t.district_moves_in.copy()
    funds._apply(model, got)
    moved = np.zeros_like(relocations)
    np.add.at(moved, (origin, daegu), 1)
    np.testing.assert_array_equal(t.relocations - relocations, moved)
    assert (nodes.region[rows] == daegu).all()
    np.testing.assert_array_equal(t.district_entries, entries)  # moves, not entries
    in_district = int((nodes.district[away] >= 0).sum())
    assert in_district > 0 and (t.district_moves_in - moves_in).sum() == in_district
    monthly = p.firm.revenue_per_employee_krw * p.firm.cost_share * model.price_level[daegu]
    np.testing.assert_allclose(nodes.size[rows] - size, won / (p.equity.runway_months * monthly))
    at = np.zeros(n)
    at[daegu] = 1.0
    np.testing.assert_allclose(t.fund_invested, 7 + at * won.sum())
    np.testing.assert_allclose(t.fund_public, 7 + at * (won * 3 // 10).sum())
    np.testing.assert_allclose(t.fund_firms, 7 + at * 21.5)
    np.testing.assert_allclose(t.fund_movers, 7 + at * 20)


def test_a_short_pool_is_shared_in_proportion_to_what_each_ticket_pays_for():
    """Two tickets each paying for 0.4 of an employee, 0.4 in Daegu's pool: each hires 0.2,
    the pool is empty, and no other pool changes."""
    model = _one_month_in()
    p, nodes = model.config.params, model.nodes
    firms = model.firm_rows()
    daegu = model.region_index["daegu"]
    rows = firms[nodes.region[firms] == daegu][:2]
    monthly = p.firm.revenue_per_employee_krw * p.firm.cost_share * model.price_level[daegu]
    won = np.full(2, 0.4 * p.equity.runway_months * monthly)
    got = _investments(rows, np.round(won), [0, 0], [daegu] * 2, [False] * 2, [1.0, 1.0])
    model.talent[:] = 0.5
    model.talent[daegu] = 0.4
    size = nodes.size[rows].copy()
    funds._apply(model, got)
    np.testing.assert_allclose(nodes.size[rows] - size, [0.2, 0.2], rtol=1e-6)
    assert model.talent[daegu] == pytest.approx(0.0, abs=1e-9)
    assert np.delete(model.talent, daegu).tolist() == [0.5] * (len(model.talent) - 1)
