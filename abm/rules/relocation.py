"""Existing firms sometimes move their site or open a branch elsewhere.

A firm reviewing its site compares its utility in every region (the same terms
as an entrant's, with its own taste) and moves when the best region beats its
own by more than the moving cost; leaving the capital for a special zone adds
the capital-gains-deferral bonus. Its staff move with it. A large, profitable
firm may instead open a branch (a new firm agent, staffed from the parent) in
its best other region.
Moving or branching costs cash; the new site's investment is private investment
that the destination may subsidise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm import location
from abm.agents.firm import spawn_firms
from abm.nodes import BRANCH
from abm.streams import Draw, lineage

if TYPE_CHECKING:
    from abm.model import RegionalModel


def _utilities(model: RegionalModel, rows: np.ndarray) -> np.ndarray:
    p = model.config.params.location
    nodes = model.nodes
    return location.utilities(
        model.location_base(),
        nodes.taste[rows],
        nodes.intensity[rows],
        model.market.access_value(),
        p.compute_weight,
    )


def relocate(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    nodes, p = model.nodes, model.config.params
    review = model.streams.uniform(Draw.RELOCATION, model.month, nodes.lineage, rows=firms)
    rows = firms[review < p.firm.relocation_rate]
    if len(rows) == 0 or len(model.region_ids) < 2:
        return rows[:0]
    utility = _utilities(model, rows)
    here = nodes.region[rows].astype(np.int64)
    best = np.argmax(utility, axis=1)
    gain = utility[np.arange(len(rows)), best] - utility[np.arange(len(rows)), here]
    if model.capital >= 0:
        gain += p.special_zone.relocation_bonus * (
            (here == model.capital) & model.zone_active[best]
        )
    cost_cash = p.firm.moving_cost_months * nodes.revenue[rows]
    move = (best != here) & (gain > p.firm.moving_cost) & (nodes.cash[rows] > cost_cash)
    rows, dest = rows[move], best[move]
    if len(rows) == 0:
        return rows
    move_sites(model, rows, dest, cost_cash[move])
    return rows


def move_sites(
    model: RegionalModel, rows: np.ndarray, dest: np.ndarray, cost: np.ndarray, district: int = -1
) -> None:
    """Move firms ``rows`` to regions ``dest`` at a cash ``cost`` each; their staff move with
    them, so no talent pool changes. ``district``: where the new sites go while it has room
    (-1: they choose as every new site does)."""
    nodes = model.nodes
    origin = nodes.region[rows].astype(np.int64)
    nodes.cash[rows] -= cost
    model.census.move(rows, dest)
    np.add.at(model.tally.relocations, (origin, dest), 1)
    model.network.changed()
    model.place_in_districts(rows, moved=True, prefer=district)
    model.open_sites(rows)


def branch_staff(parent_size: np.ndarray, share: float) -> np.ndarray:
    """Staff moving to a new branch: a share of the parent's (at least one), never its last."""
    wanted = np.maximum(1.0, np.floor(share * parent_size))
    return np.minimum(wanted, np.maximum(parent_size - 1.0, 0.0))


def branches(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    nodes, p = model.nodes, model.config.params.firm
    if len(model.region_ids) < 2:
        return firms[:0]
    able = firms[(nodes.size[firms] >= p.branch_min_size) & (nodes.margin[firms] > 0)]
    # keyed draws: only the firms able to branch need theirs (each firm's is its own)
    consider = model.streams.uniform(Draw.BRANCH, model.month, nodes.lineage, rows=able)
    parents = able[consider < p.branch_rate]
    cost_cash = p.moving_cost_months * nodes.revenue[parents]
    parents = parents[nodes.cash[parents] > cost_cash]
    if len(parents) == 0:
        return parents
    utility = _utilities(model, parents)
    utility[np.arange(len(parents)), nodes.region[parents]] = -np.inf
    dest = np.argmax(utility, axis=1)
    staff = branch_staff(nodes.size[parents], p.branch_staff_share)
    ok = staff >= 1.0
    parents, staff, dest = parents[ok], staff[ok], dest[ok]
    if len(parents) == 0:
        return parents
    return open_branches(model, parents, dest, staff)


def open_branches(
    model: RegionalModel,
    parents: np.ndarray,
    dest: np.ndarray,
    staff: np.ndarray,
    tag: str = "branch",
    district: int = -1,
) -> np.ndarray:
    """Open a branch of each parent in region ``dest``, staffed by ``staff`` of the parent's
    workers (so no worker appears or vanishes), at the moving cost; returns the new rows.
    ``tag`` names the branches' lineage; ``district``: as in :func:`move_sites`."""
    nodes = model.nodes
    nodes.cash[parents] -= model.config.params.firm.moving_cost_months * nodes.revenue[parents]
    nodes.size[parents] -= staff
    rows = spawn_firms(
        model,
        dest,
        staff,
        nodes.knowledge[parents],
        nodes.tech[parents],
        nodes.intensity[parents],
        nodes.taste[parents],
        BRANCH,
        parent=parents,
        lineage=lineage(tag, nodes.lineage[parents], model.month),
    )
    model.network.add_edges(rows, parents, model.month)
    model.record_entries(rows)
    model.place_in_districts(rows, prefer=district)
    model.open_sites(rows)
    return rows
