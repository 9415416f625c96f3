"""Firms: AI/ICT companies that obtain compute, collaborate, innovate, hire, move and exit.

A firm's state lives in its row of the model's :class:`~abm.nodes.NodeTable`, so
that the monthly rules, which touch every firm, run over numpy arrays (see
``abm/rules/``). The Mesa agent is the firm's identity in the model and the
graph, and a readable view of that row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.nodes import FIRM, ORIGIN_NAMES

if TYPE_CHECKING:
    from abm.model import RegionalModel


class Firm(mesa.Agent):
    """One firm (a representative of ``1 / scale`` real firms)."""

    def __init__(self, model: RegionalModel, row: int):
        super().__init__(model)
        self.row = row

    @property
    def region(self) -> str:
        return self.model.region_ids[self.model.nodes.region[self.row]]

    @property
    def size(self) -> float:
        return float(self.model.nodes.size[self.row])

    @property
    def knowledge(self) -> float:
        return float(self.model.nodes.knowledge[self.row])

    @property
    def cash(self) -> float:
        return float(self.model.nodes.cash[self.row])

    @property
    def compute_intensity(self) -> float:
        return float(self.model.nodes.intensity[self.row])

    @property
    def innovations(self) -> int:
        return int(self.model.nodes.innovations[self.row])

    @property
    def origin(self) -> str:
        return ORIGIN_NAMES[self.model.nodes.origin[self.row]]

    def __repr__(self) -> str:
        return f"Firm({self.unique_id}, {self.region}, size={self.size:.1f})"


def spawn_firms(
    model: RegionalModel,
    region: np.ndarray,
    size: np.ndarray,
    knowledge: np.ndarray,
    tech: np.ndarray,
    intensity: np.ndarray,
    taste: np.ndarray,
    origin: int,
    parent: np.ndarray | None = None,
) -> np.ndarray:
    """Create firm agents with the given attributes; returns their rows."""
    nodes = model.nodes
    count = len(region)
    rows = nodes.add(count)
    if count == 0:
        return rows
    p = model.config.params.firm
    nodes.kind[rows] = FIRM
    nodes.region[rows] = region
    nodes.alive[rows] = True
    nodes.size[rows] = size
    nodes.knowledge[rows] = knowledge
    nodes.tech[rows] = tech
    nodes.intensity[rows] = intensity
    nodes.taste[rows] = taste
    nodes.origin[rows] = origin
    nodes.born[rows] = model.steps
    nodes.parent[rows] = -1 if parent is None else parent
    revenue = size * p.revenue_per_employee_krw * model.price_level[region]
    nodes.revenue[rows] = revenue
    nodes.cash[rows] = revenue * p.initial_cash_months
    for row in rows.tolist():
        agent = Firm(model, row)
        nodes.uid[row] = agent.unique_id
        model.firm_agents[row] = agent
    model.network.changed()
    return rows
