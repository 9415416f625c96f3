"""Recruitment: a regional programme brings firms of other regions in.

A programme (``[recruitment.<id>]``, e.g. Gwangju's AI business MOUs of 2019 on) signs
pledges with outside firms on its dated schedule of cumulative pledges, and each pledge
becomes a set-up in the region with the programme's share, ``lag_months`` after it was
signed: a head-office move (the firm and its staff move) or a new branch staffed from the
parent, through the relocation and branch machinery of :mod:`abm.rules.relocation`, so no
worker and no won appears or vanishes. The firms that set up are drawn among the outside
firms able to, in proportion to how much they gain by the region in the location choice
(``exp(gain / temperature)``): a programme recruits the firms the region suits best. A
set-up receives the programme's space (its district, while there is room) and money (a
grant paid by the region's government from the programme's budget), then, as a firm of
the region, its grants, subsidies and compute.

:class:`Recruitment` decides who sets up where (arrays in, a :class:`Plan` out, touching
no model attribute); :func:`recruit` applies the plan to the model.

Each pledge is one draw, keyed by the programme and the pledge's number: whether it
becomes a set-up and whether that is a move are the same in every option of a decision
that signs the pledge, whoever else exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from abm import location
from abm.agents.government import payable
from abm.dates import months_between
from abm.inputs import parse_month
from abm.rules.relocation import branch_staff, move_sites, open_branches
from abm.streams import Draw, Streams, first_to_ring, lineage

if TYPE_CHECKING:
    from abm.model import RegionalModel
    from abm.scenario import Scenario


@dataclass(frozen=True)
class Due:
    """One programme's pledges this month: signed now, and set-ups due now (model units)."""

    programme: int
    region: int
    pledges: int  # signed this month
    moves: int  # set-ups due that move their head office
    branches: int  # set-ups due that open a branch


@dataclass(frozen=True)
class Plan:
    """Who sets up this month, as indices into the candidate firms: the movers and the
    branches' parents, with the programme recruiting each; and the pledges signed this
    month by region (model units)."""

    movers: np.ndarray
    mover_programme: np.ndarray
    parents: np.ndarray
    parent_programme: np.ndarray
    pledges: np.ndarray


class Recruitment:
    """The scenario's recruitment programmes as arrays (months counted from the start), and
    what each has left of its grant budget (model units, whole won)."""

    def __init__(self, scenario: Scenario, region_index: dict[str, int]):
        self.ids = list(scenario.recruitment)
        self.specs = [scenario.recruitment[p] for p in self.ids]
        self.scale = scenario.scale
        self.n_regions = len(region_index)
        self.region = np.array([region_index[s.region] for s in self.specs], dtype=np.int64)
        self.budget_left = [round(s.budget_krw * self.scale) for s in self.specs]
        self._points = [
            (
                np.array(
                    [months_between(scenario.start, parse_month(m)) for m, _ in s.pledges],
                    dtype=float,
                ),
                np.array([n for _, n in s.pledges], dtype=float),
            )
            for s in self.specs
        ]

    def signed_through(self, programme: int, month: int) -> int:
        """Pledges the programme has signed by the end of ``month`` (model units, whole)."""
        months, counts = self._points[programme]
        if len(months) == 0:
            return 0
        real = float(np.interp(month, months, counts, left=0.0))
        return int(np.floor(real * self.scale + 0.5))

    def due(self, month: int, streams: Streams) -> list[Due]:
        """Every programme's pledges signed this month and the set-ups due this month (those
        of the pledges signed ``lag_months`` ago that become one)."""
        out = []
        for i, spec in enumerate(self.specs):
            signed = self.signed_through(i, month) - self.signed_through(i, month - 1)
            then = month - spec.lag_months
            first, stop = self.signed_through(i, then - 1), self.signed_through(i, then)
            moves = branches = 0
            if stop > first:
                keys = lineage("pledge", self.ids[i], np.arange(first, stop, dtype=np.uint64))
                sets_up = streams.uniform(Draw.PLEDGE, 0, keys) < spec.setup_share
                moving = streams.uniform(Draw.PLEDGE, 0, keys, counter=1) < spec.move_share
                moves = int((sets_up & moving).sum())
                branches = int((sets_up & ~moving).sum())
            if signed or moves or branches:
                out.append(Due(i, int(self.region[i]), signed, moves, branches))
        return out

    def plan(
        self,
        due: list[Due],
        region: np.ndarray,
        gain: np.ndarray,
        able_to_move: np.ndarray,
        able_to_branch: np.ndarray,
        u: np.ndarray,
        temperature: float,
    ) -> Plan:
        """Draw the firms that set up. Arrays over the candidate firms: their ``region``,
        ``gain`` (firms x regions: the utility of each region less that of their own),
        whether each can move or branch, and a keyed uniform ``u`` each. A firm sets up at
        most once a month; a programme short of able firms recruits the ones there are."""
        taken = np.zeros(len(region), dtype=bool)
        chosen: dict[bool, list[np.ndarray]] = {True: [], False: []}
        recruiter: dict[bool, list[np.ndarray]] = {True: [], False: []}
        pledges = np.zeros(self.n_regions, dtype=np.int64)
        for d in due:
            pledges[d.region] += d.pledges
            for move, count, able in (
                (True, d.moves, able_to_move),
                (False, d.branches, able_to_branch),
            ):
                pool = np.flatnonzero(able & ~taken & (region != d.region))
                if count == 0 or len(pool) == 0:
                    continue
                pick = pool[_draw(gain[pool, d.region], u[pool], count, temperature)]
                taken[pick] = True
                chosen[move].append(pick)
                recruiter[move].append(np.full(len(pick), d.programme, dtype=np.int64))
        return Plan(
            _cat(chosen[True]),
            _cat(recruiter[True]),
            _cat(chosen[False]),
            _cat(recruiter[False]),
            pledges,
        )

    def grants(self, programme: int, count: int) -> np.ndarray:
        """The grants (model won) the programme's budget pays the first of ``count`` set-ups,
        taken from what is left: each agent's whole grant while it fits, then one agent paid
        the grants of as many of its ``1 / scale`` real firms as fit (each real firm's grant
        whole or none, :func:`abm.agents.government.payable`; none at one agent per real
        firm). Paying whole agents only left up to ``1 / scale`` real grants unpaid."""
        won = round(self.specs[programme].grant_krw)
        if won <= 0 or count <= 0:
            return np.zeros(0, dtype=np.int64)
        left = self.budget_left[programme]
        whole = min(count, left // won)
        part = payable(won, left - whole * won, self.scale) if whole < count else 0
        paid = np.array([won] * whole + ([part] if part > 0 else []), dtype=np.int64)
        self.budget_left[programme] -= int(paid.sum())
        return paid


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _draw(gain: np.ndarray, u: np.ndarray, k: int, temperature: float) -> np.ndarray:
    """``k`` firms drawn without replacement in proportion to ``exp(gain / temperature)``
    (the logit of the location choice); temperature 0: the ``k`` that gain most."""
    if temperature <= 0:
        return np.lexsort((u, -gain))[:k]
    z = (gain - gain.max()) / temperature
    return first_to_ring(u, np.maximum(np.exp(z), 1e-300), k)


def recruit(model: RegionalModel, firms: np.ndarray) -> Plan | None:
    """This month's pledges and set-ups of every programme, applied to the model: counted in
    the tally (``pledges``, ``setups``), set-ups moved or branched into the programme's
    region, and each paid the programme's grant while its budget lasts. None when nothing
    is due."""
    programmes: Recruitment = model.recruitment
    due = programmes.due(model.month, model.streams)
    if not due:
        return None
    nodes, p = model.nodes, model.config.params
    size = nodes.size[firms]
    cost = p.firm.moving_cost_months * nodes.revenue[firms]
    able_to_move = nodes.cash[firms] > cost
    able_to_branch = able_to_move & (branch_staff(size, p.firm.branch_staff_share) >= 1.0)
    gain = np.zeros((len(firms), len(model.region_ids)))
    if any(d.moves or d.branches for d in due):
        utility = location.utilities(
            model.location_base(),
            nodes.taste[firms],
            nodes.intensity[firms],
            model.market.access_value(),
            p.location.compute_weight,
        )
        gain = utility - utility[np.arange(len(firms)), nodes.region[firms]][:, None]
    plan = programmes.plan(
        due,
        nodes.region[firms].astype(np.int64),
        gain,
        able_to_move,
        able_to_branch,
        model.streams.uniform(Draw.RECRUIT, model.month, nodes.lineage, rows=firms),
        p.location.temperature,
    )
    model.tally.pledges += plan.pledges
    for i in np.unique(np.concatenate([plan.mover_programme, plan.parent_programme])).tolist():
        region, spec = int(programmes.region[i]), programmes.specs[i]
        district = model.district_index.get(spec.district, -1)
        mine = plan.movers[plan.mover_programme == i]
        rows = firms[mine]
        move_sites(model, rows, np.full(len(rows), region), cost[mine], district)
        parents = firms[plan.parents[plan.parent_programme == i]]
        staff = branch_staff(nodes.size[parents], p.firm.branch_staff_share)
        branches = open_branches(
            model, parents, np.full(len(parents), region), staff, "recruited", district
        )
        _settle(model, programmes, i, np.concatenate([rows, branches]))
    return plan


def _settle(model: RegionalModel, programmes: Recruitment, i: int, rows: np.ndarray) -> None:
    """Count the set-ups and pay each the programme's grant while its budget lasts, through
    the region's government (appropriated and paid in the same month: promised = paid)."""
    region = int(programmes.region[i])
    model.tally.setups[region] += len(rows)
    payer = model.locals.get(region) or model.central
    if payer is None:  # no government agents: nothing pays
        return
    paid = programmes.grants(i, len(rows))
    if len(paid):
        payer.budget.appropriate(int(paid.sum()))
        whole = int(np.count_nonzero(paid == paid[0]))
        payer.award_firms(rows[:whole], int(paid[0]))
        if whole < len(paid):  # the last agent: some of its real firms' grants
            payer.award(int(rows[whole]), int(paid[whole]))
