"""The regional AI-economy model: firms, universities and governments around compute centers.

One step is one month. Each month, in order:

1. governments pay grants, build their centers and fund subsidies; venture funds invest
   (``abm/rules/funds.py``);
2. firms and universities obtain compute from the centers (``abm/compute.py``);
3. firms innovate (``abm/rules/innovation.py``) and book revenue, costs and tax
   (``abm/rules/finance.py``);
4. graduates join the talent pools and firms hire or shed staff (``abm/rules/labour.py``);
5. firms out of cash exit;
6. spin-offs, university start-ups and outside entrants appear (``abm/rules/entry.py``);
   outside entrants choose a region (``abm/location.py``);
7. some firms relocate or open branches (``abm/rules/relocation.py``), and regional
   programmes' recruits set up (``abm/rules/recruitment.py``);
8. collaboration ties form, renew and decay (``abm/network.py``);
9. the month's metrics are recorded (``abm/metrics.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from abm import allocator, location, metrics
from abm.agents import CentralGovernment, LocalGovernment, University, government
from abm.agents.firm import FirmAgents
from abm.compute import CenterState, ComputeMarket
from abm.dates import add_months, months_between
from abm.geography import distance_matrix
from abm.network import CollaborationNetwork
from abm.nodes import GOVERNMENT, INITIAL, FirmCensus, NodeTable
from abm.rules import (
    entry,
    finance,
    funds,
    innovation,
    labour,
    programmes,
    recruitment,
    relocation,
)
from abm.scenario import Scenario, parse_month
from abm.streams import Draw, Streams, lineage


@dataclass
class Tally:
    """Flows counted during one month, per region (and per district)."""

    n: int
    n_districts: int = 0
    entries: np.ndarray = field(init=False)
    choices: np.ndarray = field(init=False)  # outside entrants by the region they chose
    unfilled: np.ndarray = field(init=False)  # staff firms wanted but their pool lacked
    exits: np.ndarray = field(init=False)
    innovations: np.ndarray = field(init=False)
    relocations: np.ndarray = field(init=False)  # origin x destination
    pledges: np.ndarray = field(init=False)  # pledges recruitment programmes signed, by region
    setups: np.ndarray = field(init=False)  # recruited set-ups (moves and branches), by region
    public: np.ndarray = field(init=False)  # KRW paid by governments, by receiving region
    tax_expenditure: np.ndarray = field(init=False)
    compute_need: np.ndarray = field(init=False)  # GPUs users would use at the public price
    compute_effective: np.ndarray = field(init=False)  # GPUs weighted by access
    public_gpus: np.ndarray = field(init=False)  # GPUs from public centers
    private_gpus: np.ndarray = field(init=False)  # GPUs bought from private centers
    cloud_gpus: np.ndarray = field(init=False)  # GPUs bought from the cloud
    compute_saving: np.ndarray = field(init=False)  # KRW saved on public GPUs
    vouchers: np.ndarray = field(init=False)  # KRW of commercial bills GPU vouchers paid
    npu_revenue: np.ndarray = field(init=False)  # KRW centers paid NPU makers, by their region
    compute_spend: np.ndarray = field(init=False)  # KRW users paid for GPUs (vouchers deducted)
    private_investment: float = 0.0
    promised: float = 0.0  # KRW of public money committed this month
    subsidised_investment: float = 0.0  # investment of sites that received a subsidy
    subsidies: float = 0.0  # KRW of local subsidies paid
    founders_in: float = 0.0  # founders of outside entrants, from outside the AI labour market
    graduates_in: float = 0.0  # graduates who joined a pool
    workers_in: float = 0.0  # workers drawn from other sectors or abroad
    attrition: float = 0.0  # workers who left the AI labour market
    district_entries: np.ndarray = field(init=False)
    district_moves_in: np.ndarray = field(init=False)
    fund_invested: np.ndarray = field(init=False)  # KRW of fund tickets, by the firm's region
    fund_public: np.ndarray = field(init=False)  # their public part
    fund_firms: np.ndarray = field(
        init=False
    )  # firms invested in (agents; a part: some of its firms)
    fund_movers: np.ndarray = field(init=False)  # of which moved to the fund's region for it

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        n = self.n
        self.entries = np.zeros(n, dtype=np.int64)
        self.choices = np.zeros(n, dtype=np.int64)
        self.unfilled = np.zeros(n)
        self.exits = np.zeros(n, dtype=np.int64)
        self.innovations = np.zeros(n, dtype=np.int64)
        self.relocations = np.zeros((n, n), dtype=np.int64)
        self.pledges = np.zeros(n, dtype=np.int64)
        self.setups = np.zeros(n, dtype=np.int64)
        self.public = np.zeros(n)
        self.tax_expenditure = np.zeros(n)
        self.compute_need = np.zeros(n)
        self.compute_effective = np.zeros(n)
        self.public_gpus = np.zeros(n)
        self.private_gpus = np.zeros(n)
        self.cloud_gpus = np.zeros(n)
        self.compute_saving = np.zeros(n)
        self.vouchers = np.zeros(n)
        self.npu_revenue = np.zeros(n)
        self.compute_spend = np.zeros(n)
        self.private_investment = 0.0
        self.promised = 0.0
        self.subsidised_investment = 0.0
        self.subsidies = 0.0
        self.founders_in = 0.0
        self.graduates_in = 0.0
        self.workers_in = 0.0
        self.attrition = 0.0
        self.district_entries = np.zeros(self.n_districts, dtype=np.int64)
        self.district_moves_in = np.zeros(self.n_districts, dtype=np.int64)
        self.fund_invested = np.zeros(n)
        self.fund_public = np.zeros(n)
        self.fund_firms = np.zeros(n)
        self.fund_movers = np.zeros(n, dtype=np.int64)


class RegionalModel(mesa.Model):
    """Agent-based model of AI firms, universities and governments across Korean regions."""

    #: compact the node table after a month when more than this share of its rows
    #: belongs to agents that left (None: never), once it has at least
    #: ``compact_min_rows`` rows (a smaller table stays in the caches: compacting it
    #: would cost and gain nothing). Outputs do not depend on either.
    compact_dead_share: float | None = 0.125
    compact_min_rows: int = 65536

    def __init__(
        self, scenario: Scenario, rng: int | None = None, outputs: Iterable[str] | None = None
    ):
        """``outputs``: the names of the outputs to record (at whatever scope; see
        :func:`abm.outputs.kept`), None for all of them: a batch run that reads a few
        outputs computes only those (and what they read)."""
        seed = scenario.seed if rng is None else rng
        super().__init__(rng=seed)
        allocator.tune()  # once per process: months reuse freed memory (abm/allocator.py)
        # every draw of the model comes from here (Mesa's own generator is left unused)
        self.streams = Streams(seed)
        self.config: Scenario = scenario
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
        self.log_adoption = np.log([r.ai_adoption for r in regions])  # demand, fixed
        self.mean_firm_size = np.array([r.mean_firm_size for r in regions])
        self.talent = np.array([r.talent_pool for r in regions]) * scenario.scale
        self.hiring_demand = np.zeros(n)
        self.retention = np.full(n, np.nan)
        self.zone_active = np.zeros(n, dtype=bool)
        self._init_districts(scenario)
        self.tally = Tally(n, len(self.district_ids))
        self.nodes = NodeTable(n, capacity=int(scenario.population.firms * 1.5) + 64)
        self.census = FirmCensus(self.nodes, len(self.district_ids))
        self.network = CollaborationNetwork(self.nodes, p.network, self.distance_km)
        self.market = ComputeMarket(scenario, self.region_index, self.distance_km)
        self.funds = funds.FundBook(scenario.funds, scenario.start, self.region_index, self.scale)
        self.recruitment = recruitment.Recruitment(scenario, self.region_index)
        self.programmes = programmes.ProgrammeBook(
            scenario.programmes, scenario.districts, scenario.start, self.scale
        )
        self.firm_agents = FirmAgents(self)  # row -> Firm view of each live firm

        self.entry_log: list[int] = []  # region of every outside entrant, in order

        # agents: governments and universities, then the initial firms
        self.universities: list[University] = []
        if p.switches.universities:
            for i, r in enumerate(regions):
                self.universities.extend(
                    University(self, u, i, j) for j, u in enumerate(r.universities)
                )
        self.central: CentralGovernment | None = None
        self.locals: dict[int, LocalGovernment] = {}
        if p.switches.governments:
            self.central = CentralGovernment(self, max(self.capital, 0))
            for i, r in enumerate(regions):
                if r.local_government:
                    self.locals[i] = LocalGovernment(self, i)
        self._spawn_initial_firms(regions)
        self._place_initial_district_firms()
        if p.network.enabled:
            self.network.seed_initial(self.streams, self.month)
        self._update_zones()
        self.amenity = self._amenities()  # q_r, fixed for the run
        # the regions' inclusive value at the start, against which entry grows or shrinks
        self.entry_reference = self._entry_reference()
        self.recorder = metrics.Recorder(self, outputs)
        self.recorder.record(self, compute_network=True)

    # ------------------------------------------------------------------ set-up
    def _spawn_initial_firms(self, regions: list) -> None:
        total = self.config.population.firms
        real = np.array([r.firms_real for r in regions], dtype=float)
        if total == 0 or real.sum() == 0:
            return
        counts = largest_remainder(real / real.sum() * total)
        region = np.repeat(np.arange(len(regions)), counts)
        count = len(region)
        cohort = "initial"  # the k-th initial firm draws the same in every option
        gen = self.streams.generator
        size = entry.draw_sizes(self, region, gen(Draw.SIZE, cohort))
        taste = location.draw_tastes(
            gen(Draw.TASTE, cohort), count, len(regions), self.config.params.location
        )
        rows = entry.spawn_firms(
            self,
            region,
            size,
            entry.draw_knowledge(self, count, gen(Draw.KNOWLEDGE, cohort)),
            gen(Draw.TECH, cohort).random(count),
            entry.draw_intensity(self, count, gen(Draw.INTENSITY, cohort)),
            taste,
            INITIAL,
            lineage=lineage(cohort, np.arange(count)),
        )
        self.nodes.born[rows] = -initial_ages(
            gen(Draw.AGE, cohort), count, self.config.params.demography
        )

    def _init_districts(self, scenario: Scenario) -> None:
        """District data as arrays: region, opening month, space, pull, extra subsidy, center."""
        self.district_ids: list[str] = list(scenario.districts)
        self.district_index = {d: i for i, d in enumerate(self.district_ids)}
        ds = [scenario.districts[d] for d in self.district_ids]
        self.district_region = np.array([self.region_index[d.region] for d in ds], dtype=np.int64)
        self.district_opens = np.array(
            [months_between(scenario.start, parse_month(d.designated)) for d in ds], dtype=int
        )
        self.district_space = np.array([d.space_firms for d in ds], dtype=float)
        self.district_pull = np.array([d.pull for d in ds], dtype=float)
        self.district_bonus = np.array([d.subsidy_bonus for d in ds], dtype=float)
        # a district hosts a center from the month the center's construction starts
        start = {d: np.inf for d in self.district_ids}
        for c in scenario.centers.values():
            if c.district:
                month = months_between(scenario.start, parse_month(c.build_start))
                start[c.district] = min(start[c.district], month)
        self.district_center_from = np.array([start[d] for d in self.district_ids])

    def _place_initial_district_firms(self) -> None:
        """Put each district's initial real firms (scaled) among its region's initial firms."""
        nodes = self.nodes
        firms = self.firm_rows()
        for i, did in enumerate(self.district_ids):  # keyed by the district's id
            real = self.config.districts[did].firms_real
            here = firms[
                (nodes.region[firms] == self.district_region[i]) & (nodes.district[firms] < 0)
            ]
            k = min(len(here), round(real * self.scale))
            if k > 0:
                pick = self.streams.generator(Draw.DISTRICT_START, did).choice(
                    here, k, replace=False
                )
                self.census.set_district(pick, i)

    # ------------------------------------------------------------------ queries
    @property
    def month(self) -> int:
        """The model's one clock: the month being simulated, counted from the start month.

        0 is the scenario's first month; during step t (Mesa's ``steps`` = t) it is t - 1,
        and before the first step it is -1 (the initial state). Programs, builds, ages,
        zones and capacity schedules all read it.
        """
        return self.steps - 1

    @property
    def date(self) -> dt.date:
        """The calendar month of :attr:`month` (the month before the start at step 0)."""
        return add_months(self.config.start, self.month)

    @property
    def scale(self) -> float:
        """Firm agents per real firm (multiply real quantities by it to get model units).

        Kept for the scenario it was worked out from (a sum over the regions, asked
        thousands of times a run); :meth:`continue_as` changes the scenario."""
        kept = self.__dict__.get("_scale")
        if kept is None or kept[0] is not self.config:
            kept = self.__dict__["_scale"] = (self.config, self.config.scale)
        return kept[1]

    @property
    def graph(self):
        """The collaboration graph (networkx), nodes keyed by agent ``unique_id``."""
        return self.network.to_networkx(self.region_ids)

    @property
    def centers(self):
        return self.market.centers

    def firm_rows(self) -> np.ndarray:
        """Rows of the live firms, ascending (read-only)."""
        return self.census.rows()

    def region_firm_counts(self) -> np.ndarray:
        return self.census.region_counts()

    def recent_innovations(self) -> np.ndarray:
        """Innovations per region over the last 12 months (model units)."""
        return self.recorder.recent_innovations()

    def location_base(self) -> np.ndarray:
        """The regional terms of the location utility, shared by all firms this month."""
        return self.amenity + self.location_terms()

    def location_terms(
        self, policy: bool = True, firms_real: np.ndarray | None = None
    ) -> np.ndarray:
        """The regional terms but the amenity q_r: demand, agglomeration, cost, congestion
        and the districts' inclusive value, plus (``policy``) the incentives on offer and the
        districts' center and subsidy terms. Without ``policy`` they are the terms no lever
        changes, from which the amenities are backed out. ``firms_real`` (real firms per
        region) replaces the current counts in the agglomeration term, for analyses of the
        entry map such as ``scripts/stability.py``."""
        p = self.config.params
        loc = p.location
        if firms_real is None:
            firms_real = self.region_firm_counts() / self.scale
        value, available = self.district_options(policy)
        terms = location.regional_terms(
            self.log_adoption,
            firms_real,
            self.price_level,
            self.tightness(),
            location.inclusive_values(
                value, available, self.district_region, len(self.region_ids), loc.nest_scale
            ),
            loc,
            p.agglomeration,
        )
        if not policy:
            return terms
        return location.with_incentives(terms, self.incentive_rate(firms_real), loc)

    def tightness(self) -> np.ndarray:
        """Per region: the labour market's tightness, the congestion term of the location
        utility (:func:`abm.rules.labour.tightness` of last month's hiring and the pool)."""
        return labour.tightness(self.hiring_demand, self.talent)

    def incentive_rate(self, firms_real: np.ndarray | None = None) -> np.ndarray:
        """I_r of the location utility, per region: the incentives on offer plus the funds'
        expected equity, as a share of a typical new site's investment."""
        if firms_real is None:
            firms_real = self.region_firm_counts() / self.scale
        equity = location.expected_equity(
            self.funds.expected(self.month, firms_real),
            self._typical_site(),
            self.config.params.equity.value,
        )
        return self.incentives_on_offer() + equity

    def _typical_site(self) -> np.ndarray:
        """A typical new site's investment per region (won): its mean size x capex per job."""
        return self.mean_firm_size * self.config.params.firm.capex_per_job_krw

    def incentives_on_offer(self) -> np.ndarray:
        """Per region: the subsidy rate a typical new site expects plus the special zone's
        average corporate-tax relief where a zone is active (``government.incentives_on_offer``)."""
        p = self.config.params
        relief = government.zone_tax_relief(p.firm.corporate_tax, p.special_zone)
        return government.incentives_on_offer(
            self.locals, self._typical_site(), self.zone_active, relief
        )

    def _regions(self) -> list:
        return [self.config.regions[rid] for rid in self.region_ids]

    def _amenities(self) -> np.ndarray:
        """q_r: given (``preference``), or backed out so that at the start an outside entrant
        picks each region with its observed share of firms, plus ``preference`` as a shift.

        The inversion uses the terms no lever changes and the subsidies already in force
        when the firms were counted (``status_quo_rate``): the observed shares are the
        outcome of those, so they are absorbed, and only a change of policy moves
        entrants. The levers themselves (``subsidy_rate``, zones, centers, districts'
        programmes) never enter it, so q_r is the same for a scenario and every
        counterfactual of it. It uses the data's shares (real firms), so it does not depend
        on the number of agents."""
        loc = self.config.params.location
        given = np.array([r.preference for r in self._regions()])
        if loc.preferences == "given":
            return given
        shares = np.array([r.firms_real for r in self._regions()])
        return location.amenities(self._status_quo_terms(), shares, loc) + given

    def _status_quo_terms(self) -> np.ndarray:
        """The regional terms no lever changes plus the subsidies already in force."""
        status_quo = self.config.params.location.incentive_weight * self.status_quo_incentives()
        return self.location_terms(policy=False) + status_quo

    def _entry_reference(self) -> float:
        """The inclusive value of the regions at the start, before any lever (the state the
        amenities are backed out from): outside entry is ``outside_rate x firms`` there, and
        grows or shrinks with the regions' inclusive value (``location.entry_factor``). The
        same for a scenario and every counterfactual of it."""
        loc = self.config.params.location
        if loc.outside_share == 0 or loc.temperature == 0:
            return 0.0
        return location.inclusive_value(self.amenity + self._status_quo_terms(), loc.temperature)

    def status_quo_incentives(self) -> np.ndarray:
        """Per region: the subsidy share a typical new site could expect before any lever
        (``government.status_quo_incentives``)."""
        return government.status_quo_incentives(self.locals, self._typical_site())

    def district_firm_counts(self) -> np.ndarray:
        """Firm agents in each district (model units)."""
        return self.census.district_counts()

    def district_options(self, policy: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Each district's utility against the rest of its region, and its availability:
        the share of its space still free (real firms), 0 before it is designated. Without
        ``policy`` the utility leaves out the hosted center and the extra subsidy. In the
        initial state (month -1, from which the amenities are backed out) a district holds
        the firms the data count, not their rounding to agents: 23 firms are 0 agents at 500
        and 2 at 2,000, and a full district's room moved its region's amenity with them."""
        if not self.district_ids:
            return np.zeros(0), np.zeros(0, dtype=bool)
        real = self.district_firm_counts() / self.scale
        if self.month < 0:
            real = np.array([self.config.districts[d].firms_real for d in self.district_ids])
        region_real = self.region_firm_counts()[self.district_region] / self.scale
        funded = government.funded_shares(self.locals, self.district_region)
        hosts = (self.district_center_from <= self.month).astype(float)
        value = location.district_utilities(
            self.district_pull,
            real,
            region_real,
            hosts if policy else np.zeros_like(hosts),
            self._district_money(funded, real) if policy else np.zeros_like(funded),
            self.config.params.location,
        )
        available = location.availability(
            self.district_space, real, self.district_opens <= self.month
        )
        return value, available

    def _district_money(self, funded: np.ndarray, real: np.ndarray) -> np.ndarray:
        """Per district, the incentive a new site expects as a share of its investment: the
        extra subsidy rate where funded, plus its programmes' expected grants (ODD 8.12)."""
        site = self._typical_site()[self.district_region]
        grants = self.programmes.expected(self.month, real)
        return government.district_incentives(self.district_bonus, funded, grants, site)

    def district_room(self) -> np.ndarray:
        """Agents that still fit in each district (its free space in model units, whole)."""
        return np.floor(
            (self.district_space - self.district_firm_counts() / self.scale) * self.scale + 1e-9
        ).astype(np.int64)

    def within_space(self, pick: np.ndarray) -> np.ndarray:
        """Keep each district's newcomers within its space left (in agents); the last ones
        in order over the limit settle in the rest of their region instead."""
        return location.within_space(pick, self.district_room())

    def place_in_districts(self, rows: np.ndarray, moved: bool = False, prefer: int = -1) -> None:
        """New sites (entrants, start-ups, moves, branches) pick a district or the rest.
        ``prefer``: a district the sites of its region go to while it is open and has room
        (a programme's space, e.g. recruited set-ups); -1: they all choose."""
        if len(rows) == 0:
            return
        nodes = self.nodes
        if not self.district_ids:
            self.census.set_district(rows, -1)
            return
        value, available = self.district_options()
        draw = Draw.DISTRICT_MOVE if moved else Draw.DISTRICT
        pick = location.choose_district(
            nodes.region[rows].astype(np.int64),
            value,
            available,
            self.district_region,
            self.config.params.location.nest_scale,
            self.streams.uniform(draw, self.month, nodes.lineage, rows=rows),
        )
        if prefer >= 0 and self.district_opens[prefer] <= self.month:
            pick[nodes.region[rows] == self.district_region[prefer]] = prefer
        pick = self.within_space(pick)
        self.census.set_district(rows, pick)
        counts = np.bincount(pick[pick >= 0], minlength=len(self.district_ids))
        if moved:
            self.tally.district_moves_in += counts
        else:
            self.tally.district_entries += counts

    # ------------------------------------------------------------------ bookkeeping
    def record_entries(self, rows: np.ndarray) -> None:
        self.tally.entries += np.bincount(self.nodes.region[rows], minlength=len(self.region_ids))

    def note_entry_choices(self, regions: np.ndarray) -> None:
        """Log outside entrants' regions (for lock-in) in the order they chose."""
        self.entry_log.extend(regions.tolist())
        self.tally.choices += np.bincount(regions, minlength=len(self.region_ids))
        self.recorder.note_entries(regions, self.month)

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
        nodes.zone_from[rows[in_zone]] = self.month
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
        self.census.remove(rows)  # marks them dead

    def _update_zones(self) -> None:
        today = add_months(self.config.start, max(self.month, 0))  # the initial state: month 0
        self.zone_active[:] = government.zones_active(
            [r.incentives for r in self._regions()], today, self.config.params.special_zone
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
        funds.invest(self, self.firm_rows())
        programmes.run(self)  # districts' dated programmes: room and grants

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
        recruitment.recruit(self, self.firm_rows())  # programmes' recruited set-ups

        # 8. collaboration
        if p.network.enabled:
            alive = nodes.view("alive") & (nodes.view("kind") != GOVERNMENT)
            candidates = np.flatnonzero(alive)
            chance = self.streams.uniform(Draw.SEARCH, self.month, nodes.lineage, rows=candidates)
            searchers = candidates[chance < p.network.search_rate]
            self.network.form(self.month, self.streams, searchers)
            self.network.renew_and_decay(self.month, self.streams)
        self.network.flush(self.month)  # ties from grants (ignored when the network is off)

        # 9. metrics
        last = self.steps >= self.config.steps
        every = p.network.metrics_every
        self.recorder.record(self, compute_network=self.steps % every == 0 or last)
        share, n = self.compact_dead_share, self.nodes.n
        if share is not None and n >= self.compact_min_rows and self.nodes.dead_rows() > share * n:
            self.compact()
        if last:
            self.running = False

    def continue_as(self, scenario: Scenario) -> None:
        """Carry on from the end of this month under ``scenario``, which differs from the
        running one only in what no rule has read yet (:mod:`abm.branching` finds the
        month): the parts built from the scenario (centers and their schedules, vouchers,
        programmes and builds, districts' dates, incentives) are built again from it; the
        state (firms, ties, pools, budgets, what users learnt of each center) is kept."""
        if list(scenario.districts) != self.district_ids or list(scenario.regions) != list(
            self.region_ids
        ):
            raise ValueError("continue_as: the regions and districts must be the same")
        self.config = scenario
        old, market = self.market, ComputeMarket(scenario, self.region_index, self.distance_km)
        was = {c.id: c for c in old.centers}
        for c in market.centers:  # a center not yet started has its initial state still
            if c.id in was:
                market.centers[market.centers.index(c)] = dataclasses.replace(
                    was[c.id], **{k: getattr(c, k) for k in CenterState.PLANNED}
                )
        market.vouchers.budget, market.vouchers.open = old.vouchers.budget, old.vouchers.open
        market.record_served, market.price = old.record_served, old.price
        self.market = market
        self._init_districts(scenario)
        self.programmes = programmes.ProgrammeBook(
            scenario.programmes, scenario.districts, scenario.start, self.scale
        ).keeping(self.programmes)
        if self.central is not None:
            self.central.plan()
        for i, gov in self.locals.items():
            gov.incentives = scenario.regions[self.region_ids[i]].incentives

    def compact(self) -> None:
        """Drop the rows of agents that left and renumber every holder of rows.

        Between months nothing else holds a row: ties queued by grants are flushed,
        and rules take their rows from the census each month. A :class:`Firm` view
        finds its row again by its ``unique_id`` (``nodes.epoch`` counts compactions).
        """
        self.census.rows()  # count every row before they move
        mapping = self.nodes.compact()
        self.census.renumber(mapping)
        self.network.renumber(mapping)
        for agent in [*self.universities, *self.locals.values(), self.central]:
            if agent is not None:
                agent.row = int(mapping[agent.row])

    def _allocate_compute(self, firms: np.ndarray) -> np.ndarray:
        """Allocate GPUs to firms and universities; returns the firms' compute spending.

        Users are the firms, then the universities. Each column is read once into
        arrays over the users (their values are those of the rows, in this order).
        """
        p = self.config.params
        nodes = self.nodes
        f = len(firms)
        unis = np.array([u.row for u in self.universities], dtype=np.int64)
        users = np.concatenate([firms, unis])
        count = len(users)
        size = nodes.size[firms]
        need = np.empty(count)
        np.multiply(nodes.intensity[firms], size, out=need[:f])
        need[:f] *= p.compute.gpu_per_employee
        need[f:] = (
            np.array([u.research for u in self.universities])
            * p.compute.university_demand
            * self.scale
        )
        need *= self.market.need_factor(self.month)
        priority = np.ones(count)
        priority[:f] = size < self.config.population.sme_threshold
        budget = np.zeros(count)
        np.multiply(nodes.revenue[firms], p.compute.compute_budget_share, out=budget[:f])
        wait = nodes.wait[users]
        where = nodes.region[users].astype(np.intp)
        got = self.market.step(self.month, where, need, priority, wait, budget)
        nodes.wait[users] = wait
        ratio = np.divide(got.effective, need, out=np.ones_like(need), where=need > 0)
        nodes.compute_ratio[users] = np.minimum(ratio, 1.0, out=ratio)
        n = len(self.region_ids)
        t = self.tally
        t.compute_need += np.bincount(where, weights=need, minlength=n)
        t.compute_effective += np.bincount(where, weights=got.effective, minlength=n)
        t.public_gpus += np.bincount(where, weights=got.public, minlength=n)
        t.private_gpus += np.bincount(where, weights=got.private, minlength=n)
        t.cloud_gpus += np.bincount(where, weights=got.cloud, minlength=n)
        t.compute_saving += np.bincount(where, weights=got.saving, minlength=n)
        t.compute_spend += np.bincount(where, weights=got.spend, minlength=n)
        if self.market.vouchers.open:  # public money paid, whole won: booked as paid
            paid = np.bincount(where, weights=got.voucher, minlength=n)
            t.vouchers += paid
            t.public += paid
            t.promised += float(paid.sum())
        if got.npu_krw > 0:  # centers' NPU purchases, paid to the makers' region
            t.npu_revenue[self._npu_maker] += got.npu_krw
        return got.spend[:f]

    @property
    def _npu_maker(self) -> int:
        """The region of the domestic NPU makers (``npu_maker_region``; empty: the capital
        region, else the region of the first center)."""
        named = self.config.params.compute.npu_maker_region
        capital = [r for r, reg in self.config.regions.items() if reg.capital]
        if named or capital:
            return self.region_index[named or capital[0]]
        return self.market.centers[0].site

    # ------------------------------------------------------------------ outputs
    def model_record(self) -> dict:
        """This month's model-wide outputs (the last row of ``model.parquet``), real units."""
        return dict(self.recorder.model_rows[-1])

    def region_records(self) -> list[dict]:
        """This month's per-region outputs (the last rows of ``regions.parquet``), real units."""
        n = len(self.region_ids)
        return [dict(r) for r in self.recorder.region_rows[-n:]]

    def relocations_matrix(self, cumulative: bool = True) -> dict[tuple[str, str], float]:
        """Relocations origin -> destination in real firms (since the start, or this month)."""
        matrix = self.recorder.relocations_total if cumulative else self.tally.relocations
        ids = self.region_ids
        return {
            (ids[a], ids[b]): float(matrix[a, b]) / self.scale
            for a, b in zip(*np.nonzero(matrix), strict=True)
        }

    def history(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(model outputs per step, region outputs per step and region) as DataFrames."""
        return self.recorder.frames()

    def district_history(self) -> pd.DataFrame:
        """District outputs per step and district (``districts.parquet``)."""
        return self.recorder.district_frame()


def initial_ages(rng: np.random.Generator, count: int, demo) -> np.ndarray:
    """Ages (months) of the initial firms: a stationary population under the closure hazard.

    With a steady flow of births, the share of firms of age a is proportional to the
    survival to a, so ages are drawn from the survival curve up to ``max_initial_age``.
    """
    months = np.arange(round(12 * demo.max_initial_age) + 1)
    if len(months) == 1 or count == 0:
        return np.zeros(count, dtype=np.int32)
    from abm.rules.finance import closure_hazard

    survival = np.concatenate([[1.0], np.cumprod(1.0 - closure_hazard(months[:-1], demo))])
    weights = survival / survival.sum()
    return rng.choice(months, size=count, p=weights).astype(np.int32)


def largest_remainder(quotas: np.ndarray) -> np.ndarray:
    """Integer counts summing to round(sum(quotas)) that stay closest to the quotas."""
    floor = np.floor(quotas).astype(np.int64)
    short = round(quotas.sum()) - int(floor.sum())
    if short > 0:
        order = np.argsort(-(quotas - floor), kind="stable")
        floor[order[:short]] += 1
    return floor
