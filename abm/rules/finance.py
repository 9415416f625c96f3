"""Revenue, costs, tax (with special-zone relief) and exit when cash runs out.

Revenue per employee scales with the regional price level (so do wages, hence
margins do not depend on the region by themselves), with knowledge relative to
the population (Schumpeterian selection: laggards lose money as others learn),
with the innovation premium and with a monthly shock. Profit is taxed; firms
whose new site sits in a special zone keep 100 % and then 50 % of that tax
(조세특례제한법 §121-33), which the state forgoes as tax expenditure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from abm.model import RegionalModel


def relief_share(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    """Share of corporate tax a firm is relieved of this month (1, 0.5 or 0)."""
    zone = model.config.params.special_zone
    since = model.nodes.zone_from[firms]
    age = model.steps - since
    full = (since >= 0) & (age < 12 * zone.full_years)
    half = (since >= 0) & ~full & (age < 12 * (zone.full_years + zone.half_years))
    return np.where(full, 1.0, np.where(half, 0.5, 0.0))


def account(model: RegionalModel, firms: np.ndarray, compute_spend: np.ndarray) -> None:
    nodes, p = model.nodes, model.config.params.firm
    if len(firms) == 0:
        return
    region = nodes.region[firms]
    log_k = np.log(np.maximum(nodes.knowledge[firms], 1e-9))
    productivity = np.maximum(0.1, 1.0 + p.productivity_spread * (log_k - log_k.mean()))
    shock = np.exp(p.revenue_sigma * model.rng.standard_normal(len(firms)) - p.revenue_sigma**2 / 2)
    base = nodes.size[firms] * p.revenue_per_employee_krw * model.price_level[region]
    revenue = base * productivity * (1.0 + nodes.quality[firms]) * shock
    profit = revenue - base * p.cost_share - compute_spend
    tax = p.corporate_tax * np.maximum(profit, 0.0)
    relieved = tax * relief_share(model, firms)
    nodes.cash[firms] += profit - tax + relieved
    nodes.revenue[firms] = revenue
    nodes.margin[firms] = profit / np.maximum(revenue, 1.0)
    model.tally.tax_expenditure += np.bincount(
        region, weights=relieved, minlength=len(model.region_ids)
    )


def exits(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    """Rows of firms whose cash ran out (they leave this month)."""
    if not model.config.params.firm.exit:
        return firms[:0]
    return firms[model.nodes.cash[firms] < 0.0]
