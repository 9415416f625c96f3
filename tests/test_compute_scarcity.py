"""Compute whose scarcity is measured: a market price that moves with what public GPUs
leave short, need growth that changes scarcity, a center's value in the location choice
that falls when public GPUs are ample, and domestic NPUs (a center's ``npu_share``: less
useful work per H100 equivalent for its users, money to the NPU makers' region).
"""

from __future__ import annotations

import numpy as np
import pytest

from abm.model import RegionalModel
from abm.rules import entry
from abm.scenario import Scenario
from tests.conftest import FUTURE, small


def _center(site: str, gpus: float, npu_share: float = 0.0, start: str = "2025-01") -> dict:
    return {
        "name": site,
        "site": site,
        "public": True,
        "price_krw": 100000.0,
        "capacity": [[start, gpus]],
        "allocation": "proportional",
        "npu_share": npu_share,
    }


def _with(
    centers: dict, firms: int = 200, steps: int = 12, location: dict | None = None, **compute
) -> RegionalModel:
    """The baseline with its centers replaced and compute parameters set (a file edit), the
    moving price at the ASSUMPTION's middle, 0.5 (the default), unless they set it."""
    data = small("baseline", firms=firms, steps=steps, **FUTURE).to_dict()
    data["centers"] = centers
    data["params"]["compute"].update({"price_flexibility": 0.5, **compute})
    data["params"]["location"].update(location or {})
    return RegionalModel(Scenario.from_dict(data, "test"), rng=1)


def _step(model: RegionalModel, need: np.ndarray, region: np.ndarray):
    n = len(need)
    return model.market.step(0, region, need, np.zeros(n), np.zeros(n), np.full(n, 1e15))


# ----------------------------------------------------------------------------- the price


def test_the_price_falls_when_public_supply_rises():
    need, region = np.full(4, 10.0), np.zeros(4, dtype=np.int64)
    prices = []
    for gpus in (0.0, 2_000.0, 6_000.0):
        model = _with({"a": _center("daegu", gpus)} if gpus else {})
        prices.append(_step(model, need, region).price_krw)
    assert prices[0] > prices[1] > prices[2]  # mutant: a fixed price
    p = model.config.params.compute
    assert prices[2] >= p.market_price_floor_krw  # never below the cost of supply


def test_a_price_flexibility_of_zero_keeps_the_sourced_price():
    need, region = np.full(4, 10.0), np.zeros(4, dtype=np.int64)
    for gpus in (0.0, 6_000.0):
        model = _with({"a": _center("daegu", gpus)} if gpus else {}, price_flexibility=0.0)
        assert _step(model, need, region).price_krw == model.config.params.compute.market_price_krw


def test_the_price_is_the_sourced_one_at_the_reference_shortfall_and_scale_free():
    model = _with({})
    market, p = model.market, model.config.params.compute
    need = 1000.0
    offered = need * (1.0 - p.reference_shortfall)
    assert market.market_price(need, offered) == pytest.approx(p.market_price_krw)
    # shares, not GPUs: the same at a hundredth of the agents
    assert market.market_price(need / 100, offered / 100) == pytest.approx(p.market_price_krw)
    # scarcer than in 2025: dearer, by the power price_flexibility
    dear = market.market_price(need, 0.0)
    assert dear == pytest.approx(p.market_price_krw * (1 / p.reference_shortfall) ** 0.5)


def test_public_capacity_lowers_what_firms_pay_for_the_same_cloud_gpus():
    need, region = np.full(4, 10.0), np.zeros(4, dtype=np.int64)
    scarce = _step(_with({}), need, region)
    # a far-away center lowers the price; a user it cannot serve pays less per cloud GPU
    ample = _with({"a": _center("jeonnam", 6_000.0)})
    ample.market.centers[0].expected_fill = 0.0  # nobody applies: only the price differs
    out = _step(ample, need, region)
    assert out.cloud.sum() > 0 and out.public.sum() == 0
    assert out.spend.sum() / out.cloud.sum() < scarce.spend.sum() / scarce.cloud.sum()


def test_a_center_is_worth_less_in_the_location_choice_when_public_gpus_are_ample():
    """The location choice values a center by the won it saves, as a share of the 2025
    market price: when public GPUs bring the market price down, the same center saves
    less (and with a fixed price, exactly what it did before)."""
    values, price = {}, {}
    for flex in (0.0, 0.5):
        model = _with({"a": _center("daegu", 1e5)}, price_flexibility=flex)
        model.step()
        values[flex] = model.market.access_value()[model.region_index["daegu"]]
        price[flex] = model.market.price
    p = model.config.params.compute
    assert values[0.0] == pytest.approx(1 - 100000.0 / p.market_price_krw)
    assert price[0.5] == p.market_price_floor_krw  # ample: the price at the cost of supply
    # mutant: the saving as a share of this month's price (1 - 100000 / price)
    assert values[0.5] == pytest.approx((price[0.5] - 100000.0) / p.market_price_krw)


def test_the_price_level_against_2025_is_the_same_saving_in_every_region():
    """``price_advantage``: what a firm saves anywhere on a commercial GPU-month against the
    2025 price; 0 at the sourced price, positive when public GPUs make it cheaper, negative
    when scarcity makes it dearer."""
    model = _with({})
    market, p = model.market, model.config.params.compute
    assert market.price_advantage() == 0.0  # before the first month: the 2025 price
    market.price = 0.8 * p.market_price_krw
    assert market.price_advantage() == pytest.approx(0.2)
    market.price = 1.25 * p.market_price_krw
    assert market.price_advantage() == pytest.approx(-0.25)


def test_public_gpus_that_lower_the_price_raise_entry_even_far_from_them():
    """The defect the price level in entry mends: a center whose GPUs reach nobody still
    lowers the market price, and that cheaper price must draw entrants into the sector
    (with an outside option), not only shrink every center's saving."""
    entrants = {}
    for gpus in (0.0, 6_000.0):
        model = _with(
            {"a": _center("jeonnam", gpus)} if gpus else {},
            firms=400,
            location={"outside_share": 0.25},
        )
        model.step()
        for c in model.market.centers:
            c.expected_fill = 0.0  # nobody can use it: only the price differs
        base, access = model.location_base(), model.market.access_value()
        entrants[gpus] = (entry.entrant_mean(model, 1000, base, access), model.market.price)
    assert entrants[6_000.0][1] < entrants[0.0][1]  # the center made compute cheaper
    assert entrants[6_000.0][0] > entrants[0.0][0]  # mutant: the price level left out of entry


# ----------------------------------------------------------------------------- need growth


def test_faster_need_growth_makes_compute_scarcer():
    met, price = {}, {}
    for growth in (0.25, 1.0):
        model = _with({"a": _center("daegu", 300.0)}, steps=24, need_growth=growth)
        for _ in range(24):
            model.step()
        met[growth] = model.model_record()["compute_met"]
        price[growth] = model.model_record()["market_price"]
    assert met[1.0] < met[0.25]  # mutant: need_growth ignored
    assert price[1.0] > price[0.25]


# ----------------------------------------------------------------------------- domestic NPUs


def test_npu_capacity_gives_its_users_less_useful_work_by_the_discount():
    need, region = np.full(4, 1.0), np.zeros(4, dtype=np.int64)  # all served, on site
    out = {}
    for share in (0.0, 0.5):  # no cloud top-up of the shortfall: only the public GPUs
        model = _with({"a": _center("capital", 1e5, npu_share=share)}, market_take_up=0.0)
        out[share] = _step(model, need, region)
    p = model.config.params.compute
    np.testing.assert_array_equal(out[0.5].public, out[0.0].public)  # the same GPUs granted
    quality = 1.0 - 0.5 * (1.0 - p.npu_efficiency)
    np.testing.assert_allclose(out[0.5].effective, out[0.0].effective * quality)
    assert quality < 1.0  # mutant: no discount


def test_an_npu_share_of_zero_ignores_the_npu_efficiency():
    """npu_share 0 is the model without NPUs: whatever the discount, the same run."""
    records = []
    for efficiency in (0.4, 1.0):
        model = _with({"a": _center("daegu", 500.0)}, npu_efficiency=efficiency)
        for _ in range(6):
            model.step()
        records.append(model.model_record())
    assert records[0] == records[1]


def test_npu_purchases_pay_the_makers_region_to_the_won():
    ramp = {
        "name": "npu",
        "site": "gwangju",
        "public": True,
        "price_krw": 100000.0,
        "capacity": [["2025-01", 0.0], ["2025-11", 10_000.0]],
        "allocation": "proportional",
        "npu_share": 0.3,
    }
    model = _with({"a": ramp}, steps=12)
    paid = np.zeros(len(model.region_ids))
    for _ in range(12):
        model.step()
        paid += model.tally.npu_revenue
    p = model.config.params.compute
    expected = 10_000.0 * model.scale * 0.3 * p.accelerator_price_krw
    assert paid.sum() == pytest.approx(expected, rel=1e-12)  # mutant: no NPU purchases
    capital = model.region_index["capital"]  # FuriosaAI, Rebellions: the capital region
    assert paid[capital] == paid.sum()
    record = model.model_record()
    assert record["npu_jobs"] == pytest.approx(
        12 * record["npu_revenue"] / p.npu_revenue_per_job_krw
    )


def test_the_npu_makers_region_is_a_lever():
    ramp = _center("gwangju", 0.0, npu_share=1.0)
    ramp["capacity"] = [["2025-01", 0.0], ["2025-03", 100.0]]
    model = _with({"a": ramp}, npu_maker_region="gwangju")
    for _ in range(4):
        model.step()
    total = sum(r["npu_revenue"] for r in model.region_records())
    assert total == 0.0  # the ramp ended; the month's purchases were earlier
    model = _with({"a": ramp}, npu_maker_region="gwangju")
    model.step()
    model.step()
    rows = {r["region"]: r["npu_revenue"] for r in model.region_records()}
    assert rows["gwangju"] > 0 and rows["capital"] == 0


def test_users_try_a_gpu_center_before_an_npu_center_of_the_same_site():
    """Worth per GPU counts the NPUs' discount: of two centers alike but for their NPUs,
    users apply first to the GPUs (without it, the tie goes to the first, the NPU one)."""
    npu, gpu = _center("daegu", 10.0, npu_share=1.0), _center("daegu", 10.0)
    model = _with({"a": npu, "b": gpu})
    need, region = np.full(4, 10.0), np.full(4, model.region_index["daegu"], dtype=np.int64)
    _step(model, need, region)
    first, second = model.market.centers
    assert second.demand == pytest.approx(need.sum())  # every user applied to the GPUs first
    assert first.demand == 0.0
