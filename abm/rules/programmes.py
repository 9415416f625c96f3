"""Dated programmes of a district (``[programmes.<id>]``): what made a cluster, by the channel
each programme used, instead of one constant pull.

Suseong Alpha City grew from 44 firms (2019) to 114 (2021) and 132 (2023-02) as its
buildings opened and its support programmes paid; a constant ``pull`` cannot give that
path. A programme acts through one channel:

* **space**: a building or parcels opened to firms; the district's ``space_firms`` grows by
  the programme's ``space_firms`` from its ``first`` month to its ``last``
  (:meth:`ProgrammeBook.space`). Space is the size variable of the district's nest
  (``location.availability``), so the district draws newcomers as it has free room.
* **money**: a support budget paid evenly over its months (whole won, ``x scale``) as
  grants to the district's firms, split equally among them, through the region's
  government (so it is public money like every grant: appropriated = paid, to the won). It
  acts twice: the grants are cash (growth and survival), and a firm choosing a site
  expects its share of the next 12 months' money (:meth:`ProgrammeBook.expected`), a term
  of the district's utility beside its extra subsidy (``abm/location.py``).

A programme not yet running offers and adds nothing (``first`` is declared ``starts``:
:mod:`abm.branching` may share the months before it). :class:`ProgrammeBook` takes arrays
and returns what changes (the shape of ``ComputeMarket.step``); :func:`run` applies it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from abm.agents.government import Budget
from abm.dates import months_between
from abm.inputs import parse_month
from abm.schema import District, Programme

if TYPE_CHECKING:
    from abm.model import RegionalModel


@dataclass
class ProgrammeState:
    """One programme as the model reads it: district, months (from the start), money."""

    district: int
    first: int
    last: int
    money: bool
    total: int  # its budget in model won (whole)
    space: float  # real firms of room
    budget: Budget  # appropriated on its schedule, spent on grants

    def running(self, month: int) -> bool:
        return self.first <= month <= self.last

    def due_by(self, month: int) -> int:
        """Money appropriated by the end of ``month`` (model won): the budget in equal
        monthly parts, rounded on the cumulative sum so the months add up to it exactly."""
        if month < self.first:
            return 0
        months = self.last - self.first + 1
        done = min(month, self.last) - self.first + 1
        return int(np.floor(self.total * done / months + 0.5))


@dataclass
class Payments:
    """One month's grants: per paying programme, its district and the won it pays."""

    district: np.ndarray
    won: np.ndarray


class ProgrammeBook:
    """The scenario's programmes: the room each adds and the money each has to pay."""

    def __init__(
        self,
        programmes: dict[str, Programme],
        districts: dict[str, District],
        start: dt.date,
        scale: float,
    ):
        ids = list(districts)
        self.ids = list(programmes)
        self.base_space = np.array([districts[d].space_firms for d in ids], dtype=float)
        self.scale = scale
        self.items = [
            ProgrammeState(
                ids.index(p.district),
                months_between(start, parse_month(p.first)),
                months_between(start, parse_month(p.last)),
                p.channel == "money",
                round(p.budget_krw * scale),
                p.space_firms,
                Budget(),
            )
            for p in programmes.values()
        ]

    def keeping(self, old: ProgrammeBook) -> ProgrammeBook:
        """This book with the money each programme of ``old`` (by id) has appropriated and
        paid so far: a run continued under another scenario (``RegionalModel.continue_as``)
        keeps what was paid before it."""
        was = dict(zip(old.ids, old.items, strict=True))
        for pid, p in zip(self.ids, self.items, strict=True):
            if pid in was:
                p.budget = was[pid].budget
        return self

    def space(self, month: int) -> np.ndarray:
        """Each district's room (real firms) in ``month``: its own plus its running space
        programmes'."""
        out = self.base_space.copy()
        for p in self.items:
            if not p.money and p.running(month):
                out[p.district] += p.space
        return out

    def step(self, month: int, firms: np.ndarray, paying: np.ndarray) -> Payments:
        """Appropriate every money programme's month and pay all it holds to its district,
        where the district has firms (``firms``: agents per district) and a government pays
        (``paying``); money that cannot be paid waits. Commits what it returns."""
        districts, won = [], []
        for p in self.items:
            if not p.money:
                continue
            p.budget.appropriate(p.due_by(month) - p.budget.appropriated)
            amount = p.budget.remaining
            if amount > 0 and firms[p.district] > 0 and paying[p.district]:
                p.budget.commit(amount)
                districts.append(p.district)
                won.append(amount)
        return Payments(np.array(districts, dtype=np.int64), np.array(won, dtype=np.int64))

    def expected(self, month: int, firms_real: np.ndarray) -> np.ndarray:
        """Per district: the grants (real won) a firm settling there can expect over the next
        12 months: the money its running programmes will pay by then (and any waiting),
        shared with the district's firms (+1, the newcomer). Nothing before a programme's
        first month."""
        out = np.zeros(len(self.base_space))
        for p in self.items:
            if not p.money or month < p.first:
                continue
            ahead = p.due_by(month + 11) - p.due_by(month - 1) + p.budget.remaining
            out[p.district] += ahead / self.scale / (firms_real[p.district] + 1.0)
        return out

    def paid(self) -> int:
        """Won paid by every programme since the start (model units)."""
        return sum(p.budget.spent for p in self.items)


# --------------------------------------------------------------------------- the model's side


def run(model: RegionalModel) -> Payments:
    """The month's programmes applied to the model: the districts' room, then the grants,
    each paid through its region's government in equal whole-won shares (the first firms by
    lineage get the odd won)."""
    book: ProgrammeBook = model.programmes
    if not book.items:
        return Payments(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    model.district_space = book.space(model.month)
    nodes = model.nodes
    firms = model.firm_rows()
    district = nodes.district[firms]
    counts = np.bincount(district[district >= 0], minlength=len(book.base_space))
    region = model.district_region
    payers = [model.locals.get(int(r)) or model.central for r in region.tolist()]
    got = book.step(model.month, counts, np.array([p is not None for p in payers], dtype=bool))
    for d, won in zip(got.district.tolist(), got.won.tolist(), strict=True):
        rows = firms[district == d]
        rows = rows[np.argsort(nodes.lineage[rows], kind="stable")]
        share, odd = divmod(won, len(rows))
        payer = payers[d]
        assert payer is not None  # step pays only where a government pays
        payer.budget.appropriate(won)
        payer.award_firms(rows[:odd], share + 1)
        payer.award_firms(rows[odd:], share)
    return got
