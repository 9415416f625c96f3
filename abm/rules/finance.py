"""Revenue, costs, tax (with special-zone relief) and exit when cash runs out.

Revenue per employee scales with the regional price level (so do wages, hence
margins do not depend on the region by themselves), with knowledge relative to
the population (Schumpeterian selection: laggards lose money as others learn),
with the innovation premium and with a monthly shock. Profit is taxed; firms
whose new site sits in a special zone keep 100 % and then 50 % of that tax
(조세특례제한법 §121-33), which the state forgoes as tax expenditure.

Firms leave when their cash runs out, or close for other reasons (owners retire,
firms are sold, founders quit) with a yearly hazard that falls with age as in
Korea's survival statistics for firms with employees (``params.demography``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.nodes import blocks
from abm.schema import Demography
from abm.streams import Draw

if TYPE_CHECKING:
    from abm.model import RegionalModel


def relief_share(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    """Share of corporate tax a firm is relieved of this month (1, 0.5 or 0)."""
    zone = model.config.params.special_zone
    since = model.nodes.zone_from[firms]
    age = model.month - since
    full = (since >= 0) & (age < 12 * zone.full_years)
    half = (since >= 0) & ~full & (age < 12 * (zone.full_years + zone.half_years))
    return np.where(full, 1.0, np.where(half, 0.5, 0.0))


def account(model: RegionalModel, firms: np.ndarray, compute_spend: np.ndarray) -> None:
    """Book each firm's month: revenue, costs, tax and its relief (in blocks of firms)."""
    nodes, p = model.nodes, model.config.params.firm
    if len(firms) == 0:
        return
    region = nodes.region[firms]
    log_k = np.log(np.maximum(nodes.knowledge[firms], 1e-9))
    mean_log_k = log_k.mean()  # over all firms: the population the laggards are behind
    normal = model.streams.normal(Draw.REVENUE, model.month, nodes.lineage, rows=firms)
    relieved = np.empty(len(firms))
    for block in blocks(len(firms)):
        relieved[block] = _account_block(
            model, p, firms[block], region[block], log_k[block] - mean_log_k,
            normal[block], compute_spend[block],
        )  # fmt: skip
    model.tally.tax_expenditure += np.bincount(
        region, weights=relieved, minlength=len(model.region_ids)
    )


def _account_block(model, p, firms, region, log_k_gap, normal, compute_spend) -> np.ndarray:
    nodes = model.nodes
    productivity = np.maximum(p.productivity_floor, 1.0 + p.productivity_spread * log_k_gap)
    shock = np.exp(p.revenue_sigma * normal - p.revenue_sigma**2 / 2)
    base = nodes.size[firms] * p.revenue_per_employee_krw * model.price_level[region]
    revenue = base * productivity * (1.0 + nodes.quality[firms]) * shock
    profit = revenue - base * p.cost_share - compute_spend
    tax = p.corporate_tax * np.maximum(profit, 0.0)
    relieved = tax * relief_share(model, firms)
    nodes.cash[firms] += profit - tax + relieved
    nodes.revenue[firms] = revenue
    nodes.margin[firms] = profit / np.maximum(revenue, 1.0)
    return relieved


def closure_hazard(age_months: np.ndarray, demo: Demography) -> np.ndarray:
    """Monthly chance of closing for reasons other than cash, by age (employer-firm survival).

    Worked out once per age class (first to fourth year, mature) and looked up by age.
    """
    yearly = np.array(
        [
            demo.closure_age1,
            demo.closure_age2,
            demo.closure_age3,
            demo.closure_age4,
            demo.closure_mature,
        ],
        dtype=float,
    )
    monthly = -np.expm1(np.log1p(-np.minimum(yearly, 1.0 - 1e-12)) / 12.0)
    years = np.clip(np.floor_divide(age_months, 12), 0, 4).astype(np.intp)
    return monthly[years]


def exits(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    """Rows of firms that leave this month: out of cash, or closed (by the age hazard)."""
    if not model.config.params.firm.exit:
        return firms[:0]
    nodes = model.nodes
    age = model.month - nodes.born[firms]
    draw = model.streams.uniform(Draw.CLOSURE, model.month, nodes.lineage, rows=firms)
    closed = draw < closure_hazard(age, model.config.params.demography)
    return firms[(nodes.cash[firms] < 0.0) | closed]
