"""The regional AI-economy model: firms, universities and governments around compute centers.

One step is one month. Each month, in order:

1. governments pay grants, build their centers and fund subsidies;
2. firms and universities obtain compute from the centers (``abm/compute.py``);
3. firms innovate (``abm/rules/innovation.py``) and book revenue, costs and tax
   (``abm/rules/finance.py``);
4. graduates join the talent pools and firms hire or shed staff (``abm/rules/labour.py``);
5. firms out of cash exit;
6. spin-offs, university start-ups and outside entrants appear (``abm/rules/entry.py``);
   outside entrants choose a region (``abm/location.py``);
7. some firms relocate or open branches (``abm/rules/relocation.py``);
8. collaboration ties form, renew and decay (``abm/network.py``);
9. the month's metrics are recorded (``abm/metrics.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from abm import location, metrics
from abm.agents import CentralGovernment, LocalGovernment, University
from abm.agents.firm import FirmAgents
from abm.compute import ComputeMarket
from abm.dates import add_months
from abm.geography import distance_matrix
from abm.network import CollaborationNetwork
from abm.nodes import FIRM, GOVERNMENT, INITIAL, NodeTable
from abm.rules import entry, finance, innovation, labour, relocation
from abm.scenario import Scenario, parse_month


@dataclass
class Tally:
    """Flows counted during one month, per region."""

    n: int
    entries: np.ndarray = field(init=False)
    exits: np.ndarray = field(init=False)
    innovations: np.ndarray = field(init=False)
    relocations: np.ndarray = field(init=False)  # origin x destination
    public: np.ndarray = field(init=False)  # KRW paid by governments, by receiving region
    tax_expenditure: np.ndarray = field(init=False)
    compute_used: np.ndarray = field(init=False)  # GPUs obtained (public + commercial)
    compute_effective: np.ndarray = field(init=False)  # GPUs weighted by access
    public_gpus: np.ndarray = field(init=False)  # GPUs from public centers
    private_investment: float = 0.0

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        n = self.n
        self.entries = np.zeros(n, dtype=np.int64)
        self.exits = np.zeros(n, dtype=np.int64)
        self.innovations = np.zeros(n, dtype=np.int64)
        self.relocations = np.zeros((n, n), dtype=np.int64)
        self.public = np.zeros(n)
        self.tax_expenditure = np.zeros(n)
        self.compute_used = np.zeros(n)
        self.compute_effective = np.zeros(n)
        self.public_gpus = np.zeros(n)
        self.private_investment = 0.0


class RegionalModel(mesa.Model):
    """Agent-based model of AI firms, universities and governments across Korean regions."""

    def __init__(self, scenario: Scenario, rng: int | None = None):
        super().__init__(rng=scenario.seed if rng is None else rng)
        self.config = scenario
        p = scenario.params
        self.region_ids: list[str] = list(scenario.regions)
        self.region_index = {rid: i for i, rid in enumerate(self.region_ids)}
        regions = [scenario.regions[rid] for rid in self.region_ids]
        n = len(regions)
        self.capital = next((i for i, r in enumerate(regions) if r.capital), -1)
        self.distance_km = distance_matrix(
            np.array([r.lat for r in regions]), np.array([r.lon for r in regions])
        )
        self.price_level = np.array([r.cost for r in regions])
        self.mean_firm_size = np.array([r.mean_firm_size for r in regions])
        self.talent = np.array([r.talent_pool for r in regions]) * scenario.scale
        self.hiring_demand = np.zeros(n)
        self.retention = np.full(n, np.nan)
        self.zone_active = np.zeros(n, dtype=bool)
        self.tally = Tally(n)
        self.nodes = NodeTable(n, capacity=int(scenario.population.firms * 1.5) + 64)
        self.network = CollaborationNetwork(self.nodes, p.network, self.distance_km)
        self.market = ComputeMarket(scenario, self.region_index, self.distance_km)
        self.firm_agents = FirmAgents(self)  # row -> Firm view of each live firm

        # outputs
        self.entry_log: list[int] = []  # region of every outside entrant, in order
        self._streak_region, self._streak_since = -1, 0
        self._innovation_history: list[np.ndarray] = []
        self._model_rows: list[dict] = []
        self._region_rows: list[dict] = []
        self._cum = {"public": 0.0, "tax": 0.0, "private": 0.0, "innovations": 0}
        self.relocations_total = np.zeros((n, n), dtype=np.int64)
        self._last_network: dict[str, float] = {}

        # agents: governments and universities, then the initial firms
        self.universities: list[University] = []
        if p.switches.universities:
            for i, r in enumerate(regions):
                self.universities.extend(University(self, u, i) for u in r.universities)
        self.central: CentralGovernment | None = None
        self.locals: dict[int, LocalGovernment] = {}
        if p.switches.governments:
            self.central = CentralGovernment(self, max(self.capital, 0))
            for i, r in enumerate(regions):
                if r.local_government:
                    self.locals[i] = LocalGovernment(self, i)
        self._spawn_initial_firms(regions)
        if p.network.enabled:
            self.network.seed_initial(self.rng)
        self._update_zones()
        self._initial_employment = float(self.nodes.size[self.firm_rows()].sum())
        self._record(compute_network=True)

    # ------------------------------------------------------------------ set-up
    def _spawn_initial_firms(self, regions: list) -> None:
        total = self.config.population.firms
        real = np.array([r.firms_real for r in regions], dtype=float)
        if total == 0 or real.sum() == 0:
            return
        counts = largest_remainder(real / real.sum() * total)
        region = np.repeat(np.arange(len(regions)), counts)
        count = len(region)
        rng = self.rng
        sigma = self.config.population.size_sigma
        size = np.maximum(
            1.0,
            np.round(
                self.mean_firm_size[region]
                * np.exp(sigma * rng.standard_normal(count) - sigma**2 / 2)
            ),
        )
        taste = location.draw_tastes(rng, count, len(regions), self.config.params.location)
        entry.spawn_firms(
            self,
            region,
            size,
            entry.draw_knowledge(self, count),
            rng.random(count),
            entry.draw_intensity(self, count),
            taste,
            INITIAL,
        )

    # ------------------------------------------------------------------ queries
    @property
    def month(self) -> int:
        """Months since the start month (0 = the first simulated month)."""
        return self.steps - 1

    @property
    def date(self) -> dt.date:
        """The month the last step simulated (the month before the start at step 0)."""
        return add_months(self.config.start, self.steps - 1)

    @property
    def graph(self):
        """The collaboration graph (networkx), nodes keyed by agent ``unique_id``."""
        return self.network.to_networkx(self.region_ids)

    @property
    def centers(self):
        return self.market.centers

    def firm_rows(self) -> np.ndarray:
        return self.nodes.rows(FIRM)

    def region_firm_counts(self) -> np.ndarray:
        firms = self.firm_rows()
        return np.bincount(self.nodes.region[firms], minlength=len(self.region_ids))

    def recent_innovations(self) -> np.ndarray:
        """Innovations per region over the last 12 months."""
        if not self._innovation_history:
            return np.zeros(len(self.region_ids))
        return np.sum(self._innovation_history[-12:], axis=0)

    def location_base(self) -> np.ndarray:
        """The regional terms of the location utility, shared by all firms this month."""
        p = self.config.params
        loc = p.location
        regions = [self.config.regions[rid] for rid in self.region_ids]
        firms = self.region_firm_counts()
        pref = np.array([r.preference for r in regions])
        adoption = np.log(np.array([r.ai_adoption for r in regions]))
        rates = np.array(
            [
                self.locals[i].offered_rate(sme=False) if i in self.locals else 0.0
                for i in range(len(regions))
            ]
        )
        zone_tax = (
            p.firm.corporate_tax
            * (p.special_zone.full_years + 0.5 * p.special_zone.half_years)
            / max(p.special_zone.full_years + p.special_zone.half_years, 1e-9)
        )
        incentives = rates + self.zone_active * zone_tax
        demand = self.hiring_demand
        tightness = np.divide(
            demand,
            demand + self.talent,
            out=np.zeros_like(demand),
            where=(demand + self.talent) > 0,
        )
        return (
            pref
            + loc.demand_weight * adoption
            + location.agglomeration(firms, p.agglomeration)
            + loc.incentive_weight * incentives
            - loc.cost_weight * self.price_level
            - loc.congestion_weight * tightness
        )

    # ------------------------------------------------------------------ bookkeeping
    def record_entries(self, rows: np.ndarray) -> None:
        self.tally.entries += np.bincount(self.nodes.region[rows], minlength=len(self.region_ids))

    def note_entry_choices(self, regions: np.ndarray) -> None:
        """Track the current streak of outside entrants all choosing one region (lock-in)."""
        for r in regions.tolist():
            if r != self._streak_region:
                self._streak_region, self._streak_since = r, self.steps

    def open_sites(self, rows: np.ndarray) -> None:
        """New sites: private investment, local subsidy, special-zone qualification."""
        if len(rows) == 0:
            return
        p = self.config.params
        nodes = self.nodes
        investment = nodes.size[rows] * p.firm.capex_per_job_krw
        self.tally.private_investment += float(investment.sum())
        region = nodes.region[rows]
        in_zone = self.zone_active[region]
        nodes.zone_from[rows[in_zone]] = self.steps
        for r, gov in self.locals.items():
            here = region == r
            if here.any():
                gov.subsidise(rows[here], investment[here])

    def remove_firms(self, rows: np.ndarray) -> None:
        if len(rows) == 0:
            return
        nodes = self.nodes
        n = len(self.region_ids)
        self.tally.exits += np.bincount(nodes.region[rows], minlength=n)
        self.talent += np.bincount(nodes.region[rows], weights=nodes.size[rows], minlength=n)
        self.network.remove_nodes(rows)
        nodes.alive[rows] = False

    def _update_zones(self) -> None:
        zone = self.config.params.special_zone
        deadline = parse_month(zone.deadline)
        today = add_months(self.config.start, max(self.month, 0))
        for i, rid in enumerate(self.region_ids):
            inc = self.config.regions[rid].incentives
            self.zone_active[i] = (
                inc.special_zone and parse_month(inc.zone_since) <= today <= deadline
            )

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        p = self.config.params
        nodes = self.nodes
        self.tally.reset()
        self._update_zones()

        # 1. governments
        if self.central is not None:
            self.central.step()
        for gov in self.locals.values():
            gov.step()

        # 2. compute
        firms = self.firm_rows()
        compute_spend = self._allocate_compute(firms)

        # 3. innovation and accounts
        innovation.innovate(self, firms)
        finance.account(self, firms, compute_spend)

        # 4. talent and hiring
        labour.graduates(self)
        labour.hire(self, firms)

        # 5. exits
        self.remove_firms(finance.exits(self, firms))

        # 6. entry
        firms = self.firm_rows()
        entry.spinoffs(self, firms)
        entry.university_startups(self)
        entry.outside_entrants(self, len(firms))

        # 7. relocation and branches
        firms = self.firm_rows()
        relocation.relocate(self, firms)
        relocation.branches(self, firms)

        # 8. collaboration
        if p.network.enabled:
            alive = nodes.view("alive") & (nodes.view("kind") != GOVERNMENT)
            candidates = np.flatnonzero(alive)
            searchers = candidates[self.rng.random(len(candidates)) < p.network.search_rate]
            self.network.form(self.steps, self.rng, searchers)
            self.network.renew_and_decay(self.steps, self.rng)
        self.network.flush(self.steps)  # ties from grants (ignored when the network is off)

        # 9. metrics
        every = p.network.metrics_every
        self._record(compute_network=self.steps % every == 0 or self.steps == self.config.steps)

    def _allocate_compute(self, firms: np.ndarray) -> np.ndarray:
        """Allocate GPUs to firms and universities; returns the firms' compute spending."""
        p = self.config.params
        nodes = self.nodes
        unis = np.array([u.row for u in self.universities], dtype=np.int64)
        users = np.concatenate([firms, unis])
        demand = np.concatenate(
            [
                nodes.intensity[firms] * nodes.size[firms] * p.compute.gpu_per_employee,
                np.array([u.research for u in self.universities])
                * p.compute.university_demand
                * self.config.scale,
            ]
        )
        priority = np.concatenate(
            [nodes.size[firms] < self.config.population.sme_threshold, np.ones(len(unis), bool)]
        ).astype(float)
        budget = np.concatenate(
            [
                nodes.revenue[firms] * p.compute.compute_budget_share,
                np.zeros(len(unis)),
            ]
        )
        wait = nodes.wait[users]
        effective, public, bought, spend = self.market.step(
            self.month, nodes.region[users].astype(np.int64), demand, priority, wait, budget
        )
        nodes.wait[users] = wait
        ratio = np.divide(effective, demand, out=np.ones_like(demand), where=demand > 0)
        nodes.compute_ratio[users] = np.minimum(ratio, 1.0)
        n = len(self.region_ids)
        where = nodes.region[users]
        self.tally.compute_used += np.bincount(where, weights=public + bought, minlength=n)
        self.tally.compute_effective += np.bincount(where, weights=effective, minlength=n)
        self.tally.public_gpus += np.bincount(where, weights=public, minlength=n)
        return spend[: len(firms)]

    # ------------------------------------------------------------------ outputs
    def _record(self, compute_network: bool) -> None:
        row, regions = metrics.collect(self, compute_network)
        self._model_rows.append(row)
        self._region_rows.extend(regions)
        self._innovation_history.append(self.tally.innovations.copy())
        self.relocations_total += self.tally.relocations

    def model_record(self) -> dict:
        """This month's model-wide metrics (the last row of ``model.parquet``)."""
        return dict(self._model_rows[-1])

    def region_records(self) -> list[dict]:
        """This month's per-region metrics (the last rows of ``regions.parquet``)."""
        n = len(self.region_ids)
        return [dict(r) for r in self._region_rows[-n:]]

    def relocations_matrix(self, cumulative: bool = True) -> dict[tuple[str, str], int]:
        """Relocations origin -> destination (since the start, or this month only)."""
        matrix = self.relocations_total if cumulative else self.tally.relocations
        ids = self.region_ids
        return {
            (ids[a], ids[b]): int(matrix[a, b]) for a, b in zip(*np.nonzero(matrix), strict=True)
        }

    def history(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(model metrics per step, region metrics per step and region) as DataFrames."""
        return pd.DataFrame(self._model_rows), pd.DataFrame(self._region_rows)


def largest_remainder(quotas: np.ndarray) -> np.ndarray:
    """Integer counts summing to round(sum(quotas)) that stay closest to the quotas."""
    floor = np.floor(quotas).astype(np.int64)
    short = round(quotas.sum()) - int(floor.sum())
    if short > 0:
        order = np.argsort(-(quotas - floor), kind="stable")
        floor[order[:short]] += 1
    return floor
