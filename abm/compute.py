"""Compute centers: capacity build-up, who gets GPUs, at what price, and how much it helps.

Every month each compute user (firm or university) needs GPUs in proportion to
its staff and compute intensity. It applies to the public center whose
subsidised GPUs are worth most to it (price gap to the market times the access
it keeps at its distance); if refused, it applies to the next one. When a center
is oversubscribed, its allocation rule decides: pro rata, SMEs and universities
first, or a first-come queue. What reaches the user is weighted by access (remote
use works, but less well), so where a center sits decides who benefits. What
public GPUs leave short is topped up commercially at the market price, within a
budget: from a private center in the user's own region while it has room, else
from the cloud.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abm.dates import months_between
from abm.geography import access
from abm.scenario import Scenario, parse_month


def allocate(
    demand: np.ndarray, capacity: float, rule: str, priority: np.ndarray, wait: np.ndarray
) -> np.ndarray:
    """GPUs granted to each applicant of one center under its allocation rule."""
    total = demand.sum()
    if total <= capacity:
        return demand.copy()
    if capacity <= 0:
        return np.zeros_like(demand)
    if rule == "proportional":
        return demand * (capacity / total)
    if rule == "priority":
        first = demand * priority
        p_total = first.sum()
        if p_total >= capacity:
            return first * (capacity / p_total)
        rest = demand - first
        return first + rest * ((capacity - p_total) / rest.sum())
    # queue: longest-waiting first, ties by application order (row index)
    order = np.argsort(-wait, kind="stable")
    cum = np.cumsum(demand[order])
    granted_sorted = np.clip(capacity - (cum - demand[order]), 0.0, demand[order])
    granted = np.empty_like(demand)
    granted[order] = granted_sorted
    return granted


@dataclass
class CenterState:
    """A compute center's state this month (GPUs in model units, i.e. scaled)."""

    id: str
    name: str
    site: int
    public: bool
    price_krw: float
    allocation: str
    capacity: float = 0.0
    demand: float = 0.0
    granted: float = 0.0

    @property
    def utilisation(self) -> float:
        return self.granted / self.capacity if self.capacity > 0 else float("nan")

    @property
    def oversubscription(self) -> float:
        """Applications / allocations (GPU-months asked per GPU-month granted)."""
        return self.demand / self.granted if self.granted > 0 else float("nan")


class ComputeMarket:
    """All compute centers of a scenario and the monthly allocation of their GPUs."""

    def __init__(self, scenario: Scenario, region_index: dict[str, int], distance_km: np.ndarray):
        self.params = scenario.params.compute
        self.scale = scenario.scale
        self.start = scenario.start
        self.centers: list[CenterState] = []
        self._schedules: list[tuple[np.ndarray, np.ndarray]] = []
        for cid, c in scenario.centers.items():
            self.centers.append(
                CenterState(
                    cid, c.name or cid, region_index[c.site], c.public, c.price_krw, c.allocation
                )
            )
            months = np.array(
                [months_between(self.start, parse_month(m)) for m, _ in c.capacity], dtype=float
            )
            gpus = np.array([g for _, g in c.capacity], dtype=float)
            self._schedules.append((months, gpus))
        n_regions = len(region_index)
        p = self.params
        sites = np.array([c.site for c in self.centers], dtype=np.int64)
        # access[r, c]: benefit share a user in region r keeps from center c
        self.access = (
            access(distance_km[:, sites], p.access_decay_km, p.remote_floor)
            if len(sites)
            else np.zeros((n_regions, 0))
        )
        self.n_regions = n_regions

    def capacity_at(self, step: int) -> np.ndarray:
        """Capacity of each center (model GPUs) at a step, linear between schedule points."""
        out = np.zeros(len(self.centers))
        for i, (months, gpus) in enumerate(self._schedules):
            if len(months):
                out[i] = np.interp(step, months, gpus, left=0.0)
        return out * self.scale

    def planned_capacity(self) -> np.ndarray:
        """Each center's capacity at the last point of its schedule (real GPUs)."""
        return np.array([gpus[-1] if len(gpus) else 0.0 for _, gpus in self._schedules])

    def access_value(self) -> np.ndarray:
        """Per region: expected value (0-1) of the compute reachable from there.

        Public centers count by the share of market price they save, times the
        chance of being served (last month's capacity / demand) and the access
        kept at the distance; a private center on site adds its access edge over
        the cloud. Entrants and relocating firms weigh this in their choice.
        """
        p = self.params
        value = np.zeros(self.n_regions)
        for i, c in enumerate(self.centers):
            if c.capacity <= 0:
                continue
            if c.public:
                served = min(1.0, c.capacity / c.demand) if c.demand > 0 else 1.0
                saving = (
                    max(0.0, 1.0 - c.price_krw / p.market_price_krw) if p.market_price_krw else 0
                )
                value += self.access[:, i] * served * saving
            else:
                value[c.site] += 1.0 - p.commercial_access
        return value

    def step(
        self,
        step: int,
        region: np.ndarray,
        demand: np.ndarray,
        priority: np.ndarray,
        wait: np.ndarray,
        budget_krw: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Allocate this month's GPUs to users.

        Returns, per user: effective compute (GPUs weighted by access), GPUs from
        public centers, GPUs bought commercially, and spending in KRW. Updates each
        center's demand and grants and the users' queue waits.
        """
        p = self.params
        capacity = self.capacity_at(step)
        for c, cap in zip(self.centers, capacity, strict=True):
            c.capacity, c.demand, c.granted = float(cap), 0.0, 0.0
        granted_public = np.zeros_like(demand)
        effective = np.zeros_like(demand)
        spend = np.zeros_like(demand)
        public = [i for i, c in enumerate(self.centers) if c.public and c.capacity > 0]
        if public and p.market_price_krw > 0:
            saving = np.array(
                [max(0.0, 1 - self.centers[i].price_krw / p.market_price_krw) for i in public]
            )
            worth = self.access[region][:, public] * saving  # users x public centers
            left = np.array([self.centers[i].capacity for i in public])
            # Round r: every user still short applies to its best center not yet tried
            # (refused users try the next one, as applicants to several programmes do).
            for _ in public:
                unmet = demand - granted_public
                choice = np.argmax(worth, axis=1)
                wants = (unmet > 1e-12) & (worth[np.arange(len(demand)), choice] > 0)
                if not wants.any():
                    break
                for j, i in enumerate(public):
                    applicants = np.flatnonzero(wants & (choice == j))
                    if len(applicants) == 0:
                        continue
                    c = self.centers[i]
                    d = unmet[applicants]
                    g = allocate(d, left[j], c.allocation, priority[applicants], wait[applicants])
                    left[j] -= g.sum()
                    c.demand += float(d.sum())
                    c.granted += float(g.sum())
                    granted_public[applicants] += g
                    effective[applicants] += g * self.access[region[applicants], i]
                    spend[applicants] += g * c.price_krw
                worth[wants, choice[wants]] = -1.0  # tried
            served = granted_public >= demand - 1e-12
            wait[:] = np.where(served, 0.0, wait + 1.0)
        # Top up commercially, within budget: what public GPUs (at their access) left
        # short, first from a private center on site (full access), then from the cloud.
        short = np.maximum(demand - effective, 0.0)
        affordable = (
            np.maximum(budget_krw, 0.0) / p.market_price_krw
            if (p.market_price_krw > 0)
            else short.copy()
        )
        bought = np.zeros_like(demand)
        for c in self.centers:
            if c.public or c.capacity <= 0:
                continue
            here = np.flatnonzero((region == c.site) & (short > 0))
            want = np.minimum(short[here], affordable[here])
            share = min(1.0, c.capacity / want.sum()) if want.sum() > 0 else 0.0
            got = want * share
            c.demand, c.granted = float(want.sum()), float(got.sum())
            effective[here] += got
            short[here] -= got
            affordable[here] -= got
            bought[here] += got
            spend[here] += got * c.price_krw
        if p.commercial_access > 0:
            cloud = np.minimum(short / p.commercial_access, affordable)
            effective += cloud * p.commercial_access
            bought += cloud
            spend += cloud * p.market_price_krw
        return effective, granted_public, bought, spend
