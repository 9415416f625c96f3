"""Regional talent pools: graduates (and who stays), hiring, layoffs.

Each region has a pool of AI/ICT workers available for hire. Universities add
graduates every month; the share who stay rises with local openings (hiring
demand relative to the month's graduates), the rest leave for the capital region
(Korea's brain drain). A tight market draws workers in from other sectors or abroad
(:func:`inflow`). Firms grow with their margin and with innovation, hiring
from their own region's pool: when demand exceeds the pool, every hiring firm
gets the same fill rate. Firms losing money shed staff back into the pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.nodes import blocks

if TYPE_CHECKING:
    from abm.model import RegionalModel


def graduates(model: RegionalModel) -> None:
    p = model.config.params.talent
    n = len(model.region_ids)
    flow = np.zeros(n)
    for u in model.universities:
        flow[u.region] += u.graduates_per_month
    openings = model.hiring_demand
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(flow > 0, 1.0 - np.exp(-openings / np.maximum(flow, 1e-12)), 0.0)
    retention = p.retention_min + (p.retention_max - p.retention_min) * fill
    if model.capital >= 0:
        retention[model.capital] = p.retention_max
    stay = flow * retention
    model.tally.attrition += float(model.talent.sum() * p.attrition)
    model.talent *= 1.0 - p.attrition
    model.talent += stay
    if model.capital >= 0:  # the brain drain: graduates who leave go to the capital region
        model.talent[model.capital] += (flow - stay).sum()
        model.tally.graduates_in += float(flow.sum())
    else:
        model.tally.graduates_in += float(stay.sum())
    model.retention = np.where(flow > 0, retention, np.nan)


def tightness(demand: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Per region: hiring demand / (demand + pool), 0 where both are 0 (also the location
    choice's congestion term)."""
    total = demand + pool
    return np.divide(demand, total, out=np.zeros_like(total, dtype=float), where=total > 0)


def inflow_rate(tight: np.ndarray, elasticity: float) -> np.ndarray:
    """Monthly inflow from other sectors or abroad as a share of a region's AI workforce:
    ``elasticity x tightness / 12``, tightness standing for the wage premium a short market
    pays (a sector labour-supply elasticity; 0 = a fixed supply)."""
    return elasticity * tight / 12.0


def inflow(
    employed: np.ndarray, pool: np.ndarray, demand: np.ndarray, elasticity: float
) -> np.ndarray:
    """Per region: workers who join the pool this month from outside the AI labour market
    (other sectors, abroad), more where last month's hiring ``demand`` was high against the
    ``pool`` (:func:`inflow_rate` of the AI workforce, ``employed + pool``)."""
    return inflow_rate(tightness(demand, pool), elasticity) * (employed + pool)


def hire(model: RegionalModel, firms: np.ndarray) -> None:
    """Workers flow in where the market is tight (:func:`inflow`, counted in
    ``tally.workers_in``); firms shed and want staff (in blocks of firms); regions fill what
    their pools allow."""
    nodes, p = model.nodes, model.config.params.firm
    n = len(model.region_ids)
    region = nodes.region[firms].astype(np.intp)  # counted four times: cast once
    size = nodes.size[firms]
    elasticity = model.config.params.talent.inflow_elasticity
    if elasticity > 0:  # before this month's openings: drawn by last month's tightness
        employed = np.bincount(region, weights=size, minlength=n)
        joined = inflow(employed, model.talent, model.hiring_demand, elasticity)
        model.talent += joined
        model.tally.workers_in += float(joined.sum())
    cut, want = np.empty(len(firms)), np.empty(len(firms))
    for block in blocks(len(firms)):
        cut[block], want[block] = _wants(p, size[block], nodes, firms[block])
    model.talent += np.bincount(region, weights=cut, minlength=n)
    demand = np.bincount(region, weights=want, minlength=n).astype(float)
    fill = np.minimum(1.0, np.divide(model.talent, demand, out=np.ones(n), where=demand > 0))
    hired = np.empty(len(firms))
    for block in blocks(len(firms)):
        hired[block] = want[block] * fill[region[block]]
        nodes.size[firms[block]] = size[block] - cut[block] + hired[block]
    taken = np.bincount(region, weights=hired, minlength=n)
    model.talent -= taken
    np.maximum(model.talent, 0.0, out=model.talent)
    model.tally.unfilled += np.maximum(demand - taken, 0.0)
    model.hiring_demand = demand.astype(float)


def _wants(p, size: np.ndarray, nodes, firms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(staff shed, staff wanted) of some firms, from their margin and innovation."""
    margin = nodes.margin[firms]
    cut = size * p.shrink_rate * np.clip(-margin / p.margin_scale, 0.0, 1.0)
    cut = np.minimum(cut, np.maximum(size - 1.0, 0.0))
    want = (
        size * p.growth_rate * (np.clip(margin / p.margin_scale, 0.0, 1.0) + nodes.innovated[firms])
    )
    return cut, want
