"""Regional venture funds (``[funds.<id>]``): equity investments of whole tickets in firms.

A fund of Daegu's ABB series is formed by the city, the national fund of funds (모태펀드)
and private partners, and must invest a multiple of the city's share (200 %) in firms of
the region: firms with their head office there, or firms elsewhere that commit to move
there within the investment period. The rest may go to firms anywhere. So a fund acts
through two channels:

* **location**: a firm elsewhere offered a ticket on the condition that it moves weighs
  the move with the ticket in hand (:meth:`FundBook.step`'s ``accepts``), and every firm
  choosing a site sees the investment it can expect in each region
  (:meth:`FundBook.expected`, the term beside the expected subsidy in
  ``abm/location.py``);
* **growth**: the ticket is cash (the firm survives longer) and pays for staff, hired
  from the region's pool (:func:`invest`).

Money: each fund's local obligation and the rest are two :class:`Budget` s (whole won),
appropriated evenly (``x scale``) over the investment months and paid in whole tickets, so
appropriated = invested + remaining every month and a real firm's ticket is paid in full or
not at all. An agent stands for ``1 / scale`` real firms: it is paid all their tickets if
they fit, else as many of them as fit (:func:`tickets_payable`), so a fund invests the same
real won at any agent count. A fund invests once in a firm. A fund of size 0 pays nothing and
offers nothing.

An equity investment is a financial transaction, not an expense (IMF GFSM 2014: the
government acquires an asset), so it is not part of ``public_spending``; its public part
(``public_share`` of each ticket, whole won) is reported on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from abm import location
from abm.agents.government import Budget, payable
from abm.dates import months_between
from abm.inputs import parse_month
from abm.schema import Fund
from abm.streams import Draw, first_to_ring, text_key

if TYPE_CHECKING:
    from abm.model import RegionalModel


@dataclass
class Investments:
    """What a month's investments change: one entry per ticket, in the order paid."""

    rows: np.ndarray  # firm rows invested in
    won: np.ndarray  # the ticket (whole won)
    public: np.ndarray  # its public part (whole won)
    dest: np.ndarray  # the firm's region after the investment (a mover's new region)
    moved: np.ndarray  # the firm committed to move to the fund's region
    firms: np.ndarray  # real firms paid a ticket, in agents (1: all the agent's; scale: one)

    @classmethod
    def empty(cls) -> Investments:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, none, np.zeros(0, dtype=bool), np.zeros(0))


@dataclass
class FundState:
    """One fund's schedule, budgets and the firms it holds (by lineage key)."""

    key: int  # its id hashed: the counter of its draws, whatever other funds there are
    region: int
    first: int
    last: int
    ticket: int
    public_share: float
    movers_share: float
    local_monthly: float  # model won a month
    open_monthly: float
    local: Budget
    open: Budget
    held: np.ndarray  # lineage keys of the firms it invested in
    local_tickets: float = 0.0  # in agents' tickets (a real firm's: scale)
    movers: int = 0

    def investing(self, month: int) -> bool:
        return self.first <= month <= self.last


Clock = Callable[[int], np.ndarray]  # a fund's key -> one uniform per candidate firm
Accepts = Callable[[np.ndarray, int, int], np.ndarray]  # (candidates, region, won) -> bool


class FundBook:
    """Every fund of a scenario: the money each can pay, and whom it pays, month by month."""

    def __init__(
        self, funds: dict[str, Fund], start: dt.date, region_index: dict[str, int], scale: float
    ):
        self.scale = scale
        self.funds: list[FundState] = []
        for fid, f in funds.items():
            first = months_between(start, parse_month(f.first))
            last = months_between(start, parse_month(f.last))
            months = last - first + 1
            local = min(f.size_krw, f.local_multiple * f.city_krw)
            self.funds.append(
                FundState(
                    text_key(fid),
                    region_index[f.region],
                    first,
                    last,
                    round(f.ticket_krw),
                    f.public_share,
                    f.movers_share,
                    local * scale / months,
                    (f.size_krw - local) * scale / months,
                    Budget(),
                    Budget(),
                    np.zeros(0, dtype=np.uint64),
                )
            )

    def expected(self, month: int, firms_real: np.ndarray) -> np.ndarray:
        """Per region: the investment (real won) a firm settling there can expect over the
        next 12 months: a ticket times the chance of one, the local tickets the funds can
        still pay in that time against the region's firms (at most 1). A fund not yet
        investing, or past its last month, offers nothing."""
        out = np.zeros(len(firms_real))
        for f in self.funds:
            if not f.investing(month) or f.ticket <= 0:
                continue
            ahead = min(12, f.last - month + 1) * f.local_monthly + f.local.remaining
            tickets = ahead / self.scale / f.ticket
            out[f.region] += f.ticket * min(1.0, tickets / max(firms_real[f.region], 1.0))
        return out

    def appropriate(self, month: int) -> bool:
        """Add this month's money to every investing fund; whether any can pay a ticket."""
        due = False
        for f in self.funds:
            if f.investing(month):
                f.local.appropriate(f.local_monthly)
                f.open.appropriate(f.open_monthly)
                due = due or max(f.local.remaining, f.open.remaining) >= f.ticket * self.scale
        return due

    def step(
        self,
        month: int,
        keys: np.ndarray,
        region: np.ndarray,
        eligible: np.ndarray,
        weight: np.ndarray,
        clock: Clock,
        accepts: Accepts,
    ) -> Investments:
        """This month's investments, after :meth:`appropriate`, among candidate firms
        (``keys``: their lineage keys; ``region``; ``eligible``: may receive equity, e.g.
        SMEs; ``weight``: how promising, the chance of being picked is in proportion to it).
        Each fund offers its local tickets first to firms elsewhere that commit to move
        (``movers_share`` of all its local tickets so far, as far as firms ``accepts``),
        then to firms of its region, and its other tickets to firms anywhere; each pick is a
        weighted draw without replacement (the ``clock`` of each candidate, keyed by the
        fund's id and the firm)."""
        parts: list[Investments] = []
        region = region.copy()  # a firm that moves for one fund is in its new region for the next
        for f in self.funds:
            if not f.investing(month):
                continue
            local_won = tickets_payable(f.ticket, f.local.remaining, self.scale)
            open_won = tickets_payable(f.ticket, f.open.remaining, self.scale)
            k_local, k_open = len(local_won), len(open_won)
            if k_local + k_open == 0:
                continue
            u = clock(f.key)
            free = np.flatnonzero(eligible & (weight > 0) & ~np.isin(keys, f.held))
            home = region[free] == f.region
            whole = int(np.count_nonzero(local_won == f.ticket))  # a mover moves all its firms
            done = f.local_tickets + local_won.sum() / f.ticket
            want = int(np.floor(f.movers_share * done + 0.5)) - f.movers
            k_movers = min(max(want, 0), whole)
            movers = _first_accepting(u, weight, free[~home], k_movers, f, accepts)
            stay = _ranked(u, weight, free[home], k_local - len(movers))
            local = np.concatenate([movers, stay])
            anywhere = _ranked(u, weight, free[~np.isin(free, local)], k_open)
            won = np.concatenate([local_won[: len(local)], open_won[: len(anywhere)]])
            paid = self._pay(f, local, anywhere, won)
            f.local_tickets += float(won[: len(local)].sum() / f.ticket)
            f.movers += len(movers)
            f.held = np.concatenate([f.held, keys[paid]])
            region[movers] = f.region
            dest = region[paid]
            moved = np.arange(len(paid)) < len(movers)
            public = np.array([round(w * f.public_share) for w in won.tolist()], dtype=np.int64)
            firms = np.array([_firms(w, f.ticket, self.scale) for w in won.tolist()])
            parts.append(Investments(paid, won, public, dest, moved, firms))
        if not parts:
            return Investments.empty()
        names = [x.name for x in dataclasses.fields(Investments)]
        return Investments(**{n: np.concatenate([getattr(x, n) for x in parts]) for n in names})

    @staticmethod
    def _pay(f: FundState, local: np.ndarray, anywhere: np.ndarray, won: np.ndarray) -> np.ndarray:
        """Commit each pick's ``won`` from its budget (they fit: at most what remains)."""
        budgets = [f.local] * len(local) + [f.open] * len(anywhere)
        if not all(b.commit(w) for b, w in zip(budgets, won.tolist(), strict=True)):
            raise ArithmeticError("a fund picked more firms than its budget pays")
        return np.concatenate([local, anywhere]).astype(np.int64)

    def invested(self) -> int:
        """Won invested by every fund since the start (model units)."""
        return sum(f.local.spent + f.open.spent for f in self.funds)


def tickets_payable(ticket: int, remaining: int, scale: float) -> np.ndarray:
    """The tickets (model won, one per agent, in order) a budget with ``remaining`` won pays
    when each agent stands for ``1 / scale`` real firms asking ``ticket`` real won each: whole
    agents' tickets while they fit, then one agent paid the real firms' tickets that fit
    (:func:`abm.agents.government.payable`; none at one agent per real firm).

    Paying whole agents only left a fund idle below one agent per real firm: at 1,000
    agents of baseline an agent's ticket (24 real firms' worth, 262억) is more than ABB
    fund 1's 234억, so it invested nothing, while at 24,000 agents it invests its money."""
    if ticket <= 0 or remaining <= 0:
        return np.zeros(0, dtype=np.int64)
    whole = remaining // ticket
    part = payable(ticket, remaining - whole * ticket, scale)
    return np.array([ticket] * whole + ([part] if part > 0 else []), dtype=np.int64)


def _firms(won: int, ticket: int, scale: float) -> float:
    """The real firms paid by an agent's ``won`` in agents: 1 for a whole ticket, else
    ``scale`` per real firm's ticket in it."""
    return 1.0 if won == ticket else round(won / (ticket * scale)) * scale


def _ranked(u: np.ndarray, weight: np.ndarray, idx: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` of the candidates ``idx`` in the order their exponential clocks ring
    (``-log(1 - u) / weight``): a weighted draw of k without replacement (Efraimidis and
    Spirakis 2006), ranked; only the k are sorted."""
    if k <= 0 or len(idx) == 0:
        return idx[:0]
    pick = idx[first_to_ring(u[idx], weight[idx], min(k, len(idx)))]
    clock = -np.log1p(-u[pick]) / weight[pick]
    return pick[np.argsort(clock, kind="stable")]


def _first_accepting(
    u: np.ndarray, weight: np.ndarray, idx: np.ndarray, k: int, f: FundState, accepts: Accepts
) -> np.ndarray:
    """The first ``k`` candidates of ``idx``, in clock order, who accept the ticket on moving
    to the fund's region; asked in batches that double."""
    taken: list[np.ndarray] = []
    got, asked, batch = 0, 0, max(16, 8 * k)
    while got < k and asked < len(idx):
        ranked = _ranked(u, weight, idx, asked + batch)
        ask = ranked[asked:]
        yes = ask[accepts(ask, f.region, f.ticket)][: k - got]
        taken.append(yes)
        got, asked, batch = got + len(yes), len(ranked), 2 * batch
    return np.concatenate(taken) if taken else idx[:0]


# --------------------------------------------------------------------------- the model's side


def invest(model: RegionalModel, firms: np.ndarray) -> Investments:
    """The month's investments in the model's firms: candidates and draws in, then cash,
    moves, staff and the tally out."""
    book = model.funds
    if not book.appropriate(model.month):
        return Investments.empty()
    nodes = model.nodes
    keys = nodes.lineage[firms]
    sme = nodes.size[firms] < model.config.population.sme_threshold

    def clock(fund: int) -> np.ndarray:
        return model.streams.uniform(Draw.FUND, model.month, keys, counter=fund)

    def accepts(idx: np.ndarray, dest: int, won: int) -> np.ndarray:
        return _accepts(model, firms[idx], dest, won)

    got = book.step(
        model.month, keys, nodes.region[firms], sme, nodes.knowledge[firms], clock, accepts
    )
    got.rows = firms[got.rows]
    _apply(model, got)
    return got


def _accepts(model: RegionalModel, rows: np.ndarray, dest: int, won: int) -> np.ndarray:
    """Whether each firm would move to ``dest`` with a ticket of ``won``: its utility there,
    with the ticket valued as equity against its new site's investment, beats its own
    region's by the moving cost, and its cash with the ticket pays the move."""
    p = model.config.params
    nodes = model.nodes
    utility = location.utilities(
        model.location_base(),
        nodes.taste[rows],
        nodes.intensity[rows],
        model.market.access_value(),
        p.location.compute_weight,
    )
    here = nodes.region[rows].astype(np.int64)
    site = nodes.size[rows] * p.firm.capex_per_job_krw
    term = p.location.incentive_weight * p.equity.value * won / np.maximum(site, 1.0)
    gain = utility[:, dest] + term - utility[np.arange(len(rows)), here]
    cost = p.firm.moving_cost_months * nodes.revenue[rows]
    return (gain > p.firm.moving_cost) & (nodes.cash[rows] + won > cost)


def _apply(model: RegionalModel, got: Investments) -> None:
    """Pay the tickets into cash, move the movers, hire the staff the tickets pay for."""
    if len(got.rows) == 0:
        return
    p = model.config.params
    nodes, n = model.nodes, len(model.region_ids)
    rows = got.rows
    movers = rows[got.moved]
    if len(movers):
        origin = nodes.region[movers].astype(np.int64)
        nodes.cash[movers] -= p.firm.moving_cost_months * nodes.revenue[movers]
        model.census.move(movers, got.dest[got.moved])
        np.add.at(model.tally.relocations, (origin, got.dest[got.moved]), 1)
        model.network.changed()
        model.place_in_districts(movers, moved=True)
        model.open_sites(movers)
    np.add.at(nodes.cash, rows, got.won)
    region = got.dest
    monthly_cost = p.firm.revenue_per_employee_krw * p.firm.cost_share * model.price_level[region]
    want = got.won / (p.equity.runway_months * monthly_cost)
    demand = np.bincount(region, weights=want, minlength=n)
    fill = np.minimum(1.0, np.divide(model.talent, demand, out=np.ones(n), where=demand > 0))
    hired = want * fill[region]
    np.add.at(nodes.size, rows, hired)
    model.talent -= np.bincount(region, weights=hired, minlength=n)
    np.maximum(model.talent, 0.0, out=model.talent)
    t = model.tally
    t.fund_invested += np.bincount(region, weights=got.won, minlength=n)
    t.fund_public += np.bincount(region, weights=got.public, minlength=n)
    t.fund_firms += np.bincount(region, weights=got.firms, minlength=n)
    t.fund_movers += np.bincount(region[got.moved], minlength=n)
