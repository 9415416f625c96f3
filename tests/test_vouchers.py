"""GPU vouchers (``government.vouchers``, docs/extending.md section 2): a public budget that
pays part of SMEs' commercial compute bills. The bill falls by exactly the voucher, nothing
is paid once the money is spent, money is conserved, and holders buy more compute."""

from __future__ import annotations

import re

import numpy as np
import pytest

from abm.compute import ComputeMarket
from abm.geography import distance_matrix
from abm.model import RegionalModel
from tests.conftest import FUTURE, ROOT, small

PRICE = 3_000_000.0  # market_price_krw, and the private centers' price
# six users in the capital region (no public center there in 2025): four SMEs, one large
# firm, one user without a budget (as universities are)
NEED = np.full(6, 2.0)
SME = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 1.0])
BUDGET = np.array([1e7, 1e7, 4e5, 1e7, 1e7, 0.0])


def _market(**vouchers):
    sets = {f"government.vouchers.{k}": v for k, v in vouchers.items()}
    # the price fixed at market_price_krw (flexibility 0): the bills below are at PRICE
    sets["params.compute.price_flexibility"] = 0.0
    scenario = small("baseline", firms=100, **FUTURE, **sets)
    index = {rid: i for i, rid in enumerate(scenario.regions)}
    regions = list(scenario.regions.values())
    distance = distance_matrix(
        np.array([r.lat for r in regions]), np.array([r.lon for r in regions])
    )
    market = ComputeMarket(scenario, index, distance)
    return market, np.full(6, index["capital"], dtype=np.int64)


def _step(market, region, month=0):
    return market.step(month, region, NEED, SME, np.zeros(6), BUDGET)


def test_the_bill_falls_by_exactly_the_voucher_and_holders_buy_more():
    on, region = _market(budget_krw_per_year=1e13, start="2025-01")
    off, _ = _market()
    assert on.params.market_price_krw == PRICE
    assert all(c.price_krw == PRICE for c in on.centers if not c.public)
    a, b = _step(on, region), _step(off, region)
    np.testing.assert_array_equal(a.public, b.public)  # the public allocation comes first
    public_paid = b.spend - (b.private + b.cloud) * PRICE
    bill = (a.private + a.cloud) * PRICE  # the holders' commercial bill
    holder = a.voucher > 0
    assert holder.tolist() == [True, True, True, True, False, False]  # SMEs with a budget
    np.testing.assert_allclose(a.spend, public_paid + bill - a.voucher, rtol=1e-12)
    np.testing.assert_array_equal(a.voucher[holder], np.floor(0.7 * bill[holder]))
    # the price effect: take-up rises, and a budget-bound holder's budget stretches
    assert (a.cloud[holder] > b.cloud[holder]).all()
    assert a.cloud[2] * PRICE > BUDGET[2] == pytest.approx(b.cloud[2] * PRICE)
    assert bill[2] - a.voucher[2] <= BUDGET[2] + 1e-6  # it pays within its own budget
    np.testing.assert_array_equal(a.cloud[~holder], b.cloud[~holder])


def test_nothing_is_paid_once_the_money_is_spent_and_money_is_conserved():
    probe, region = _market(budget_krw_per_year=1e13, start="2025-01")
    one = _step(probe, region).voucher[0]  # a voucher's face value (a bill below the cap)
    per_year = 1.5 * one * 12 / probe.scale  # a month's money pays one such voucher, not two
    market, _ = _market(budget_krw_per_year=per_year, start="2025-01", end="2025-06")
    fund = market.vouchers
    paid_total = 0.0
    for month in range(9):
        left = fund.budget.remaining + (round(fund.monthly) if month <= 5 else 0)
        out = _step(market, region, month)
        paid = out.voucher
        assert paid.sum() <= left
        eligible = paid[[0, 1, 2, 3]] > 0  # the SMEs with a budget, in row order
        assert not any(eligible[i + 1] and not eligible[i] for i in range(3))  # a prefix
        if month == 0:
            assert eligible.tolist() == [True, False, False, False]
        if month > 5:
            assert paid.sum() == 0  # the programme ended: nothing issued
        paid_total += paid.sum()
        assert fund.budget.appropriated == fund.budget.spent + fund.budget.remaining
        assert fund.budget.spent == paid_total
        assert fund.budget.remaining >= 0


def test_in_the_model_vouchers_are_public_money_and_change_the_compute_bought():
    def run(**vouchers):
        sets = {f"government.vouchers.{k}": v for k, v in vouchers.items()}
        model = RegionalModel(small("baseline", firms=400, steps=6, **FUTURE, **sets), rng=4)
        for _ in range(6):
            model.step()
            t = model.tally
            assert t.promised == pytest.approx(t.public.sum(), rel=1e-12)
        return model

    with_ = run(budget_krw_per_year=27_000_000_000, start="2025-01")
    without = run()
    frame, regions = with_.history()
    fund = with_.market.vouchers
    assert fund.budget.spent > 0
    assert frame["voucher_spending"].sum() * with_.scale == pytest.approx(fund.budget.spent)
    assert regions["voucher_spending"].sum() == pytest.approx(frame["voucher_spending"].sum())
    assert (frame["public_spending"] >= frame["voucher_spending"]).all()
    assert without.history()[0]["voucher_spending"].sum() == 0
    assert frame["gpus_cloud"].iloc[1:].sum() > without.history()[0]["gpus_cloud"].iloc[1:].sum()


def test_the_voucher_was_added_in_the_files_docs_extending_lists_at_most_four():
    doc = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    section = doc.split("## 2. ", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `(abm/[^`]+\.py)` \|", section, flags=re.MULTILINE))
    assert 0 < len(listed) <= 4
    touched = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "abm").rglob("*.py")
        if re.search(r"voucher", p.read_text(encoding="utf-8"), flags=re.IGNORECASE)
    }
    assert touched == listed
