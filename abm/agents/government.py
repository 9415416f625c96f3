"""Governments: the central government (national fund, center plan, grants) and the
local governments (investment subsidies, special zones), each with a conserved budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.dates import months_between
from abm.nodes import FIRM, GOVERNMENT
from abm.scenario import parse_month

if TYPE_CHECKING:
    from abm.model import RegionalModel


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

    def appropriate(self, amount: float) -> None:
        self.appropriated += max(0, round(amount))

    def pay(self, amount: float) -> int:
        """Pay up to ``amount``; returns what was actually paid."""
        paid = min(max(0, round(amount)), self.remaining)
        self.spent += paid
        return paid


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
        nodes.tech[self.row] = model.rng.random()

    @property
    def region(self) -> int:
        return int(self.model.nodes.region[self.row])

    def _pay_firm(self, row: int, amount: float) -> int:
        """Pay a firm (cash) and tie it to this government in the graph."""
        paid = self.budget.pay(amount)
        if paid:
            model = self.model
            model.nodes.cash[row] += paid
            model.nodes.public_received[row] += paid
            model.tally.public[model.nodes.region[row]] += paid
            model.network.queue_edge(self.row, row)
        return paid


class CentralGovernment(_Government):
    """Holds the national fund and the center plan; allocates grants by the scenario's rule.

    Rules for money not earmarked to a region: ``concentrate`` gives it all to
    the region of the largest public compute center; ``balanced`` splits it
    evenly over the non-capital regions; ``competitive`` splits it by the
    innovations each non-capital region produced in the last 12 months.
    """

    def __init__(self, model: RegionalModel, region: int):
        super().__init__(model, region)
        config = model.config
        self.rule = config.government.central.allocation
        start = config.start
        self._programs = []
        for p in config.government.central.programs:
            first = months_between(start, parse_month(p.start))
            last = months_between(start, parse_month(p.end))
            monthly = p.amount_krw * config.scale / (last - first + 1)
            target = model.region_index[p.region] if p.region else -1
            self._programs.append((first, last, monthly, target))
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
        non_capital = [
            i for i, rid in enumerate(model.region_ids) if not config.regions[rid].capital
        ]
        self.eligible = np.array(non_capital or list(range(len(model.region_ids))))
        self.paid_to_centers = 0

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
        t = model.steps
        n_regions = len(model.region_ids)
        pots = np.zeros(n_regions)
        free = 0.0
        for first, last, monthly, target in self._programs:
            if first <= t <= last:
                self.budget.appropriate(monthly)
                if target >= 0:
                    pots[target] += monthly
                else:
                    free += monthly
        if free > 0:
            pots += free * self.shares()
        for r in range(n_regions):
            if pots[r] > 0:
                self.grant_region(r, pots[r])
        for i, first, last, public, private in self._builds:
            if first <= t <= last:
                site = model.market.centers[i].site
                if public > 0:
                    self.budget.appropriate(public)
                    paid = self.budget.pay(public)
                    self.paid_to_centers += paid
                    model.tally.public[site] += paid
                model.tally.private_investment += private

    def shares(self) -> np.ndarray:
        """How unearmarked money is split over regions under the allocation rule."""
        model = self.model
        n = len(model.region_ids)
        out = np.zeros(n)
        if self.rule == "concentrate":
            out[self.focus_region()] = 1.0
        elif self.rule == "competitive":
            recent = model.recent_innovations()[self.eligible]
            if recent.sum() > 0:
                out[self.eligible] = recent / recent.sum()
            else:
                out[self.eligible] = 1.0 / len(self.eligible)
        else:
            out[self.eligible] = 1.0 / len(self.eligible)
        return out

    def grant_region(self, region: int, amount: float) -> None:
        """Split a region's grant money between its universities and a few firms."""
        model = self.model
        central = model.config.government.central
        universities = [u for u in model.universities if u.region == region]
        uni_amount = amount * central.university_share if universities else 0.0
        if uni_amount > 0:
            research = np.array([u.research for u in universities]) + 1e-9
            for u, share in zip(universities, research / research.sum(), strict=True):
                paid = self.budget.pay(uni_amount * share)
                if paid:
                    u.receive_grant(paid)
                    model.tally.public[region] += paid
                    model.network.queue_edge(self.row, u.row)
        firms = np.flatnonzero(
            model.nodes.view("alive")
            & (model.nodes.view("kind") == FIRM)
            & (model.nodes.view("region") == region)
        )
        if len(firms) == 0:
            return
        k = max(1, round(central.recipients_per_step * model.config.population.firms / 1000))
        k = min(k, len(firms))
        weight = model.nodes.knowledge[firms]
        chosen = model.rng.choice(firms, size=k, replace=False, p=weight / weight.sum())
        each = (amount - uni_amount) / k
        grant_knowledge = model.config.params.firm.grant_knowledge
        for row in np.sort(chosen).tolist():
            paid = self._pay_firm(row, each)
            revenue = max(model.nodes.revenue[row], 1.0)
            model.nodes.knowledge[row] *= 1.0 + grant_knowledge * min(paid / revenue, 10.0) / 10


class LocalGovernment(_Government):
    """Funds investment subsidies for new sites in its region from a yearly budget.

    With ``raise_on_loss`` it reviews the region once a year and raises its
    subsidy rate by ``raise_step`` (up to the ceiling) after a year of net firm loss.
    """

    def __init__(self, model: RegionalModel, region: int):
        super().__init__(model, region)
        rid = model.region_ids[region]
        self.incentives = model.config.regions[rid].incentives
        self.rate = self.incentives.subsidy_rate
        self._monthly = self.incentives.budget_krw_per_year * model.config.scale / 12.0
        self._firms_a_year_ago: int | None = None

    def step(self) -> None:
        self.budget.appropriate(self._monthly)
        model = self.model
        if self.incentives.raise_on_loss and model.steps % 12 == 0:
            firms = int(model.region_firm_counts()[self.region])
            if self._firms_a_year_ago is not None and firms < self._firms_a_year_ago:
                self.rate = min(
                    self.incentives.subsidy_rate_max, self.rate + self.incentives.raise_step
                )
            self._firms_a_year_ago = firms

    def offered_rate(self, sme: bool) -> float:
        """Subsidy rate a new site gets, with the special-zone add-on for SMEs."""
        bonus = self.model.config.params.special_zone.subsidy_bonus
        zone = self.model.zone_active[self.region]
        return min(0.5, self.rate + (bonus if zone and sme else 0.0))

    def subsidise(self, rows: np.ndarray, investment: np.ndarray) -> None:
        """Pay the subsidy on each new site's investment, while the budget lasts."""
        sme = self.model.nodes.size[rows] < self.model.config.population.sme_threshold
        cap = self.incentives.subsidy_cap_krw
        for row, inv, small in zip(rows.tolist(), investment.tolist(), sme.tolist(), strict=True):
            amount = min(cap, inv * self.offered_rate(small))
            if amount <= 0 or self.budget.remaining <= 0:
                continue
            self._pay_firm(row, amount)
