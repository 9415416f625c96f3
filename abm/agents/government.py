"""Governments: the central government (national fund, center plan, grants) and the
local governments (investment subsidies, special zones), each with a conserved budget.

Money acts only through payments. A grant or subsidy is either promised in full
and paid in the same month, or not promised at all: no real site is paid in part
(an agent standing for several real sites may have some of them paid, :func:`payable`),
and nothing is offered that the budget cannot pay. Firms choosing a region see a
subsidy at what they can expect to receive (:meth:`LocalGovernment.expected_rate`),
so an exhausted budget attracts no one. What the governments offer, as the location choice
(``abm/location.py``) sees it, is read here too: :func:`incentives_on_offer`,
:func:`status_quo_incentives` and :func:`district_incentives`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.dates import months_between
from abm.nodes import FIRM, GOVERNMENT
from abm.scenario import parse_month
from abm.streams import Draw, first_to_ring, lineage

if TYPE_CHECKING:
    from abm.model import RegionalModel
    from abm.schema import Incentives, SpecialZone


class Budget:
    """Public money in whole won: appropriated = spent + remaining, every month.

    Payments never exceed what remains, so no government spends money it was
    not given; integer won keeps the identity exact.
    """

    def __init__(self) -> None:
        self.appropriated = 0
        self.spent = 0

    @property
    def remaining(self) -> int:
        return self.appropriated - self.spent

    def appropriate(self, amount: float) -> int:
        """Add money to the budget (rounded to whole won); returns what was added."""
        added = max(0, round(amount))
        self.appropriated += added
        return added

    def commit(self, amount: int) -> bool:
        """Spend exactly ``amount`` won if it remains; otherwise spend nothing."""
        if amount < 0 or amount > self.remaining:
            return False
        self.spent += amount
        return True

    def commit_many(self, amount: int, count: int) -> int:
        """``count`` payments of ``amount`` won in turn: how many the budget pays (the
        first ones; once one fails, so do the rest)."""
        if amount < 0 or count <= 0:
            return 0
        paid = count if amount == 0 else min(count, self.remaining // amount)
        self.spent += paid * amount
        return paid


def _add_whole(total: float, won: np.ndarray) -> float:
    """``total`` plus payments ``won`` (whole won, >= 0), equal to adding them one at a time.

    Sums of whole won are exact in a float below 2**53, so there one addition gives
    the same float; beyond, the payments are added in turn, as the loop would round.
    """
    whole = int(won.sum())
    if float(total).is_integer() and abs(total) + whole < 2**53:
        return float(int(total) + whole)
    for w in won.tolist():
        total += w
    return total


def payable(claim: int, remaining: int, scale: float) -> int:
    """What a budget with ``remaining`` won pays of one agent's ``claim`` (both model units):
    the agent stands for ``1 / scale`` real sites, each claiming ``claim`` real won and
    each paid in full or not at all, so the budget pays the whole claim if it can, else
    as many of its real sites as fit (whole sites; none at one agent per real firm).

    Paying the agent all or nothing instead would leave up to a whole agent's claim unpaid,
    ``1 / scale`` real sites' worth: at 1,000 agents an agent's claim was half of
    Gwangju's yearly subsidy budget, so money sat unspent, the expected rate stayed high
    and Gwangju drew more entrants than at 4,000 agents."""
    if claim <= remaining:
        return claim
    if claim <= 0 or remaining <= 0:
        return 0
    sites = math.floor(remaining / (claim * scale))  # real sites whose claim fits
    return min(math.floor(sites * claim * scale), remaining)


class _Government(mesa.Agent):
    """A government agent with a budget and a node in the collaboration graph."""

    def __init__(self, model: RegionalModel, region: int):
        super().__init__(model)
        self.budget = Budget()
        nodes = model.nodes
        self.row = int(nodes.add(1)[0])
        nodes.kind[self.row] = GOVERNMENT
        nodes.region[self.row] = region
        nodes.alive[self.row] = True
        nodes.uid[self.row] = self.unique_id
        nodes.lineage[self.row] = lineage(type(self).__name__, model.region_ids[region])
        nodes.tech[self.row] = model.streams.uniform(
            Draw.TECH, model.month, nodes.lineage[self.row : self.row + 1]
        )[0]

    @property
    def region(self) -> int:
        return int(self.model.nodes.region[self.row])

    def award(self, row: int, amount: float) -> int:
        """Promise ``amount`` (whole won) to an agent and pay it now; 0 if the budget cannot.

        The recipient's cash (firms) and ``public_received`` rise by exactly what
        was promised, and the tie to this government is queued.
        """
        won = round(amount)
        if won <= 0 or not self.budget.commit(won):
            return 0
        model = self.model
        nodes = model.nodes
        if nodes.kind[row] == FIRM:
            nodes.cash[row] += won
        nodes.public_received[row] += won
        model.tally.promised += won
        model.tally.public[nodes.region[row]] += won
        model.network.queue_edge(self.row, row)
        return won

    def award_firms(self, rows: np.ndarray, amount: float) -> np.ndarray:
        """:meth:`award` of ``amount`` to each of ``rows`` (firms) in turn: what each got.

        The same payments, in the same order, as one call per firm: the budget pays
        the first ones it can, and then none (they all ask the same).
        """
        won = round(amount)
        got = np.zeros(len(rows), dtype=np.int64)
        if won <= 0:
            return got
        paid = self.budget.commit_many(won, len(rows))
        got[:paid] = won
        self._paid(rows[:paid], got[:paid])
        return got

    def _paid(self, rows: np.ndarray, won: np.ndarray) -> None:
        """Book payments of ``won`` (whole won, > 0) already committed, as :meth:`award` does."""
        if len(rows) == 0:
            return
        model = self.model
        nodes = model.nodes
        firm = nodes.kind[rows] == FIRM
        nodes.cash[rows[firm]] += won[firm]
        nodes.public_received[rows] += won
        tally = model.tally
        tally.promised = _add_whole(tally.promised, won)
        region = nodes.region[rows]
        for r in np.unique(region).tolist():
            tally.public[r] = _add_whole(tally.public[r], won[region == r])
        model.network.queue_edges(self.row, rows)


class CentralGovernment(_Government):
    """Holds the national fund and the center plan; allocates grants by the scenario's rule.

    Each program appropriates ``amount x scale / months`` a month. Money earmarked
    for a region joins that region's pot; the rest is split by the allocation rule
    over the non-capital regions that have a recipient: ``concentrate`` gives it all
    to the region of the largest public center, ``balanced`` splits it by the
    regions' number of provinces, ``competitive`` by the innovations each region
    produced in the last 12 months. A pot pays ``university_share`` of its new money
    to the region's universities and the rest in whole grants of ``grant_size_krw``
    to firms; what does not make a whole grant waits for next month.
    """

    def __init__(self, model: RegionalModel, region: int):
        super().__init__(model, region)
        self.plan()
        config = model.config
        non_capital = [
            i for i, rid in enumerate(model.region_ids) if not config.regions[rid].capital
        ]
        self.eligible = np.array(non_capital or list(range(len(model.region_ids))))
        self.provinces = np.array(
            [config.regions[rid].provinces for rid in model.region_ids], dtype=float
        )
        n = len(model.region_ids)
        self.unallocated = 0  # unearmarked won waiting for a region with recipients
        self.firm_pot = np.zeros(n, dtype=np.int64)  # won waiting to make whole grants
        self.paid_to_centers = 0

    def plan(self) -> None:
        """The rule, programmes and builds, from the scenario (again when a run continues
        under another: :meth:`RegionalModel.continue_as`)."""
        model = self.model
        config = model.config
        self.rule = config.government.central.allocation
        start = config.start
        self._programs = []
        for p in config.government.central.programs:
            first = months_between(start, parse_month(p.start))
            last = months_between(start, parse_month(p.end))
            monthly = p.amount_krw * config.scale / (last - first + 1)
            target = model.region_index[p.region] if p.region else -1
            self._programs.append((first, last, monthly, target, p.eligible == "all"))
        self._builds = []
        for i, c in enumerate(config.centers.values()):
            first = months_between(start, parse_month(c.build_start))
            last = months_between(start, parse_month(c.build_end))
            months = last - first + 1
            self._builds.append(
                (
                    i,
                    first,
                    last,
                    c.public_krw * config.scale / months,
                    c.private_krw * config.scale / months,
                )
            )

    def focus_region(self) -> int:
        """The region of the largest public center (by final planned capacity)."""
        market = self.model.market
        planned = np.where([c.public for c in market.centers], market.planned_capacity(), -1.0)
        best = (
            market.centers[int(np.argmax(planned))].site
            if len(planned) and planned.max() > 0
            else -1
        )
        if best < 0:
            firms = self.model.region_firm_counts()
            best = int(self.eligible[np.argmax(firms[self.eligible])])
        return best

    def step(self) -> None:
        model = self.model
        month = model.month
        n_regions = len(model.region_ids)
        new = np.zeros(n_regions, dtype=np.int64)
        open_call = 0  # unearmarked money open to firms of every region
        for first, last, monthly, target, everyone in self._programs:
            if first <= month <= last:
                added = self.budget.appropriate(monthly)
                if target >= 0:
                    new[target] += added
                elif everyone:
                    open_call += added
                else:
                    self.unallocated += added
        if open_call > 0:
            new += self._split(open_call, self.firm_shares())
        if self.unallocated > 0:
            shares = self.shares()
            if shares.sum() > 0:
                new += self._split(self.unallocated, shares)
                self.unallocated = 0
        firms = model.firm_rows()
        region = model.nodes.region[firms]
        order = np.argsort(region, kind="stable")  # each region's rows stay ascending
        counts = np.bincount(region, minlength=n_regions)
        starts = np.cumsum(counts) - counts
        # every firm's grant draw in one call (each is keyed by the firm: the same draws)
        draws = model.streams.uniform(Draw.GRANT, month, model.nodes.lineage, rows=firms)
        for r in range(n_regions):
            at = order[starts[r] : starts[r] + counts[r]]
            self.grant_region(r, int(new[r]), firms[at], draws[at])
        self._pay_builds(month)

    @staticmethod
    def _split(amount: int, shares: np.ndarray) -> np.ndarray:
        """Whole won per region in proportion to ``shares``; the remainder to the largest."""
        split = np.floor(amount * shares).astype(np.int64)
        split[int(np.argmax(shares))] += amount - int(split.sum())
        return split

    def firm_shares(self) -> np.ndarray:
        """Each region's share of all firms: how a call open to every firm is taken up."""
        firms = self.model.region_firm_counts().astype(float)
        if firms.sum() > 0:
            return firms / firms.sum()
        return np.full(len(firms), 1.0 / len(firms))

    def _pay_builds(self, month: int) -> None:
        model = self.model
        for i, first, last, public, private in self._builds:
            if first <= month <= last:
                site = model.market.centers[i].site
                won = self.budget.appropriate(public)
                if won > 0 and self.budget.commit(won):
                    self.paid_to_centers += won
                    model.tally.promised += won
                    model.tally.public[site] += won
                model.tally.private_investment += private

    def has_recipients(self) -> np.ndarray:
        """Per region: is there a firm or university that a grant could go to?"""
        model = self.model
        n = len(model.region_ids)
        has = model.region_firm_counts() > 0
        for u in model.universities:
            has[u.region] = True
        return has[:n]

    def shares(self) -> np.ndarray:
        """How unearmarked money is split over regions under the allocation rule."""
        model = self.model
        n = len(model.region_ids)
        out = np.zeros(n)
        eligible = self.eligible[self.has_recipients()[self.eligible]]
        if len(eligible) == 0:
            return out
        if self.rule == "concentrate":
            focus = self.focus_region()
            out[focus if focus in eligible else eligible[0]] = 1.0
        elif self.rule == "competitive":
            recent = model.recent_innovations()[eligible]
            if recent.sum() > 0:
                out[eligible] = recent / recent.sum()
            else:
                out[eligible] = self.provinces[eligible] / self.provinces[eligible].sum()
        else:
            out[eligible] = self.provinces[eligible] / self.provinces[eligible].sum()
        return out

    def grant_region(
        self,
        region: int,
        amount: int,
        firms: np.ndarray | None = None,
        draws: np.ndarray | None = None,
    ) -> None:
        """A region's new money: its universities' share now, the rest in whole grants.

        ``firms``: the region's live firm rows, ascending, when the caller has them, and
        ``draws`` their grant draws (``Draw.GRANT``).
        """
        model = self.model
        central = model.config.government.central
        universities = [u for u in model.universities if u.region == region]
        uni_amount = round(amount * central.university_share) if universities else 0
        if uni_amount > 0:
            research = np.array([u.research for u in universities]) + 1e-9
            parts = np.floor(uni_amount * research / research.sum()).astype(np.int64)
            parts[int(np.argmax(research))] += uni_amount - int(parts.sum())
            for u, part in zip(universities, parts.tolist(), strict=True):
                if self.award(u.row, part):
                    u.receive_grant(part)
        self.firm_pot[region] += amount - uni_amount
        self._grant_firms(region, firms, draws)

    def _grant_firms(
        self, region: int, firms: np.ndarray | None = None, draws: np.ndarray | None = None
    ) -> None:
        """Whole grants to firms of the region, drawn in proportion to knowledge."""
        model = self.model
        size = model.config.government.central.grant_size_krw
        if firms is None:
            firms = model.firm_rows()
            firms = firms[model.nodes.region[firms] == region]
            draws = None
        k = min(int(self.firm_pot[region] // size), len(firms))
        if k <= 0:
            return
        weight = model.nodes.knowledge[firms] + 1e-12
        # weighted sampling without replacement (Efraimidis and Spirakis 2006): each firm's
        # exponential clock runs at its weight, and the k that ring first win; a firm's clock
        # is keyed by its lineage, so it is the same in every option
        if draws is None:
            draws = model.streams.uniform(Draw.GRANT, model.month, model.nodes.lineage, rows=firms)
        chosen = firms[first_to_ring(draws, weight, k)]
        p = model.config.params.firm
        rows = np.sort(chosen)
        won = self.award_firms(rows, size)
        self.firm_pot[region] -= int(won.sum())
        revenue = np.maximum(model.nodes.revenue[rows], 1.0)
        gain = np.minimum(won / revenue, p.grant_knowledge_months) / p.grant_knowledge_months
        model.nodes.knowledge[rows] *= 1.0 + p.grant_knowledge * gain


class LocalGovernment(_Government):
    """Funds investment subsidies for new sites in its region from a yearly budget.

    A new site is promised ``min(cap, rate x investment)`` if the budget can pay it
    in full, else nothing. With ``raise_on_loss`` the government reviews the region
    every 12 months and raises its rate by ``raise_step`` (up to the ceiling) after
    a year of net firm loss.
    """

    def __init__(self, model: RegionalModel, region: int):
        super().__init__(model, region)
        rid = model.region_ids[region]
        self.incentives = model.config.regions[rid].incentives
        self.rate = self.incentives.subsidy_rate
        self._monthly = self.incentives.budget_krw_per_year * model.config.scale / 12.0
        self._firms_a_year_ago: int | None = None
        self._claims = np.zeros(12)  # won asked for in each of the last 12 months

    def step(self) -> None:
        self.budget.appropriate(self._monthly)
        self._claims = np.roll(self._claims, 1)
        self._claims[0] = 0.0
        model = self.model
        if self.incentives.raise_on_loss and model.month > 0 and model.month % 12 == 0:
            firms = int(model.region_firm_counts()[self.region])
            if self._firms_a_year_ago is not None and firms < self._firms_a_year_ago:
                self.rate = min(
                    self.incentives.subsidy_rate_max, self.rate + self.incentives.raise_step
                )
            self._firms_a_year_ago = firms
        elif self.incentives.raise_on_loss and model.month == 0:
            self._firms_a_year_ago = int(model.region_firm_counts()[self.region])

    def offered_rate(self, sme: bool) -> float:
        """Subsidy rate a new site is offered, with the special-zone add-on for SMEs."""
        bonus = self.model.config.params.special_zone.subsidy_bonus
        zone = self.model.zone_active[self.region]
        return min(self.incentives.subsidy_rate_max, self.rate + (bonus if zone and sme else 0.0))

    def funded_share(self) -> float:
        """Share of claims the budget can be expected to pay over the next 12 months.

        What remains plus a year of appropriations, against what was asked in the
        last 12 months; with no recent claims, 1 if there is any money, else 0.
        """
        available = self.budget.remaining + 12 * self._monthly
        asked = float(self._claims.sum())
        if available <= 0:
            return 0.0
        return 1.0 if asked <= 0 else min(1.0, available / asked)

    def expected_rate(self, investment: float, sme: bool = True) -> float:
        """What a typical new site can expect to receive, as a share of its investment:
        the offered rate, limited by the per-project cap and the chance of being funded."""
        return self.capped_rate(self.offered_rate(sme), investment) * self.funded_share()

    def capped_rate(self, rate: float, investment: float) -> float:
        """``rate`` as a share of ``investment`` after the per-project cap (0 without an
        investment): the one rule for what a site can get, used for levers and the status quo."""
        if investment <= 0:
            return 0.0
        return min(rate, self.incentives.subsidy_cap_krw / investment)

    def subsidise(self, rows: np.ndarray, investment: np.ndarray) -> None:
        """Promise and pay each new site's subsidy in full while the budget can (whole real
        sites of an agent, :func:`payable`)."""
        model = self.model
        sme = model.nodes.size[rows] < model.config.population.sme_threshold
        district = model.nodes.district[rows]
        bonus = np.append(model.district_bonus, 0.0)  # index -1: the rest of the region
        extra = bonus[district]
        cap = self.incentives.subsidy_cap_krw
        ceiling = self.incentives.subsidy_rate_max
        offered = np.where(sme, self.offered_rate(True), self.offered_rate(False))
        rate = np.minimum(ceiling, offered + extra)  # a district's programmes add
        amount = np.rint(np.minimum(cap, investment * rate)).astype(np.int64)
        asks = amount > 0
        rows, investment, amount = rows[asks], investment[asks], amount[asks]
        if len(rows) == 0:
            return
        tally = model.tally
        if int(amount.sum()) <= self.budget.remaining:  # every claim is paid
            self._claims[0] = _add_whole(self._claims[0], amount)
            self.budget.commit(int(amount.sum()))
            self._paid(rows, amount)
            # left to right from the running total, as one addition per site would
            tally.subsidised_investment = float(
                np.cumsum(np.concatenate([[tally.subsidised_investment], investment]))[-1]
            )
            tally.subsidies = _add_whole(tally.subsidies, amount)
            return
        for row, inv, won in zip(rows.tolist(), investment.tolist(), amount.tolist(), strict=True):
            self._claims[0] += won  # the budget may pay some claims and not others
            paid = self.award(row, payable(won, self.budget.remaining, model.scale))
            if paid:
                tally.subsidised_investment += inv * paid / won
                tally.subsidies += paid


# ---------------------------------------------------------------- incentives on offer
# What a new site can expect from the governments, per region or district, as a share of its
# investment: the I_r and the districts' money of the location choice (``abm/location.py``).
# They read the local governments' offers and change nothing.


def zones_active(incentives: Sequence[Incentives], today: dt.date, zone: SpecialZone) -> np.ndarray:
    """Per region: whether its special zone is in force ``today``, from its designation
    (``zone_since``) to the scheme's ``deadline``."""
    deadline = parse_month(zone.deadline)
    return np.array(
        [
            inc.special_zone and parse_month(inc.zone_since) <= today <= deadline
            for inc in incentives
        ],
        dtype=bool,
    )


def zone_tax_relief(corporate_tax: float, zone: SpecialZone) -> float:
    """A special zone's average corporate-tax relief over its years of relief (full years
    at the whole rate, half years at half), as a share of profit."""
    return (
        corporate_tax
        * (zone.full_years + 0.5 * zone.half_years)
        / max(zone.full_years + zone.half_years, 1e-9)
    )


def incentives_on_offer(
    locals: Mapping[int, LocalGovernment],
    investment: np.ndarray,
    zone_active: np.ndarray,
    zone_relief: float,
) -> np.ndarray:
    """Per region: the subsidy rate a typical new site (``investment``, won per region)
    expects (:meth:`LocalGovernment.expected_rate`, 0 without a local government) plus
    ``zone_relief`` where a special zone is active."""
    rates = np.array(
        [
            locals[i].expected_rate(investment[i]) if i in locals else 0.0
            for i in range(len(investment))
        ]
    )
    return rates + zone_active * zone_relief


def status_quo_incentives(
    locals: Mapping[int, LocalGovernment], investment: np.ndarray
) -> np.ndarray:
    """Per region: the subsidy share a typical new site could expect before any lever, from
    ``status_quo_rate`` (limited by the per-project cap), where a local government pays
    subsidies. The amenities absorb it (8.6)."""
    out = np.zeros(len(investment))
    for i, local in locals.items():
        out[i] = local.capped_rate(local.incentives.status_quo_rate, investment[i])
    return out


def funded_shares(locals: Mapping[int, LocalGovernment], regions: np.ndarray) -> np.ndarray:
    """:meth:`LocalGovernment.funded_share` of each region in ``regions`` (0 without one)."""
    return np.array([locals[r].funded_share() if r in locals else 0.0 for r in regions.tolist()])


def district_incentives(
    bonus: np.ndarray, funded: np.ndarray, grants: np.ndarray, site: np.ndarray
) -> np.ndarray:
    """Per district, the incentive a new site expects as a share of its investment ``site``:
    the extra subsidy rate ``bonus`` times the chance it is ``funded``, plus its programmes'
    expected ``grants`` (won, ODD 8.12)."""
    share = np.divide(grants, site, out=np.zeros_like(grants), where=site > 0)
    return bonus * funded + share
