"""Firms: AI/ICT companies that obtain compute, collaborate, innovate, hire, move and exit.

A firm's state lives in its row of the model's :class:`~abm.nodes.NodeTable`, so
that the monthly rules, which touch every firm, run over numpy arrays (see
``abm/rules/``). Firms have no behaviour of their own outside those rules, so they
are not registered as Mesa agents: a Mesa agent per firm cost ~285 bytes and a
registration and deregistration on every entry and exit (about 450 MB and 5 % of the
step time at a million firms). What a firm keeps is its identity: a ``unique_id``
drawn at birth from the model's own Mesa id counter (the very number Mesa would have
given it, unique among all agents, and the key of the firm's node in
``model.graph``), and a :class:`Firm` view of its row, made on demand through
``model.firm_agents`` (a mapping row -> :class:`Firm` over the live firms).
The agents that act on their own (universities, governments) stay Mesa agents.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from abm.nodes import FIRM, ORIGIN_NAMES

if TYPE_CHECKING:
    from abm.model import RegionalModel


class Firm:
    """One firm (a representative of ``1 / scale`` real firms): a read-only view of its row.

    The view is keyed by the firm's ``unique_id``: when the model compacts its node table
    (rows move), the view finds its row again, so it may be kept across months. A firm
    that has left reads ``alive = False``; its other attributes are gone once its row is
    dropped (``LookupError``).
    """

    __slots__ = ("_epoch", "_row", "model", "unique_id")

    def __init__(self, model: RegionalModel, row: int):
        self.model = model
        self._row = row
        self._epoch = model.nodes.epoch
        self.unique_id = int(model.nodes.uid[row])

    @property
    def row(self) -> int:
        """The firm's row now (-1 once it has left and its row was dropped)."""
        nodes = self.model.nodes
        if self._epoch != nodes.epoch:
            self._row = nodes.row_of(self.unique_id)
            self._epoch = nodes.epoch
        return self._row

    def _at(self) -> int:
        row = self.row
        if row < 0:
            raise LookupError(f"firm {self.unique_id} has left the model")
        return row

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Firm)
            and other.model is self.model
            and other.unique_id == self.unique_id
        )

    def __hash__(self) -> int:
        return hash((id(self.model), self.unique_id))

    @property
    def alive(self) -> bool:
        row = self.row
        return row >= 0 and bool(self.model.nodes.alive[row])

    @property
    def region(self) -> str:
        return self.model.region_ids[self.model.nodes.region[self._at()]]

    @property
    def size(self) -> float:
        return float(self.model.nodes.size[self._at()])

    @property
    def knowledge(self) -> float:
        return float(self.model.nodes.knowledge[self._at()])

    @property
    def cash(self) -> float:
        return float(self.model.nodes.cash[self._at()])

    @property
    def compute_intensity(self) -> float:
        return float(self.model.nodes.intensity[self._at()])

    @property
    def innovations(self) -> int:
        return int(self.model.nodes.innovations[self._at()])

    @property
    def lineage(self) -> int:
        """The firm's lineage key: its identity across the options of a decision."""
        return int(self.model.nodes.lineage[self._at()])

    @property
    def origin(self) -> str:
        return ORIGIN_NAMES[self.model.nodes.origin[self._at()]]

    def __repr__(self) -> str:
        return f"Firm({self.unique_id}, {self.region}, size={self.size:.1f})"


class FirmAgents(Mapping[int, Firm]):
    """The live firms as a mapping row -> :class:`Firm`, views made on demand.

    Iteration is in row order (the order of birth). Nothing is stored per firm, so
    entries and exits cost nothing here.
    """

    def __init__(self, model: RegionalModel):
        self._model = model

    def _live(self, row: int) -> bool:
        nodes = self._model.nodes
        return 0 <= row < nodes.n and bool(nodes.alive[row]) and nodes.kind[row] == FIRM

    def __getitem__(self, row: int) -> Firm:
        if not isinstance(row, (int, np.integer)) or not self._live(int(row)):
            raise KeyError(row)
        return Firm(self._model, int(row))

    def __contains__(self, row: object) -> bool:
        return isinstance(row, (int, np.integer)) and self._live(int(row))

    def __iter__(self) -> Iterator[int]:
        return iter(self._model.nodes.rows(FIRM).tolist())

    def __len__(self) -> int:
        return len(self._model.nodes.rows(FIRM))

    def by_uid(self, unique_id: int) -> Firm:
        """The live firm with this ``unique_id`` (a node key of ``model.graph``)."""
        if not isinstance(unique_id, (int, np.integer)):
            raise KeyError(unique_id)
        row = self._model.nodes.row_of(int(unique_id))
        if not self._live(row):
            raise KeyError(unique_id)
        return Firm(self._model, row)


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
    *,
    lineage: np.ndarray,
) -> np.ndarray:
    """Create firms with the given attributes; returns their rows.

    Their ``unique_id`` values are reserved from the model's Mesa id counter in one
    block, in row order: the ids a Mesa agent per firm would have had. ``lineage``: their
    lineage keys (:func:`abm.streams.lineage`), which key their draws.
    """
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
    nodes.born[rows] = model.month
    nodes.parent[rows] = -1 if parent is None else parent
    revenue = size * p.revenue_per_employee_krw * model.price_level[region]
    nodes.revenue[rows] = revenue
    nodes.cash[rows] = revenue * p.initial_cash_months
    first = model.agent_id_counter
    model.agent_id_counter = first + count
    nodes.uid[rows] = np.arange(first, first + count)
    nodes.lineage[rows] = lineage
    model.network.changed()
    return rows
