"""Compute centers: capacity build-up, who gets GPUs, at what price, and how much it helps.

Every month each compute user (firm or university) needs GPUs in proportion to
its staff and compute intensity (the need it would use at the public price; it
grows over time). It applies to the public center whose subsidised GPUs are worth
most to it (price gap to the market times the access it keeps at its distance);
if refused, it applies to the next one. When a center is oversubscribed, its
allocation rule decides: pro rata, SMEs and universities first, or a first-come
queue. What reaches the user is weighted by access (remote use works, but less
well), so where a center sits decides who benefits. Of what public GPUs leave
short, users buy only the part worth the market price (``market_take_up``),
within a budget: from a private center in their own region while it has room,
else from the cloud. So compute binds where public GPUs are scarce or far. GPU vouchers
(:class:`VoucherFund`), where a scenario funds them, pay part of SMEs' commercial bills.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from abm.agents.government import Budget
from abm.dates import months_between
from abm.geography import access
from abm.nodes import blocks
from abm.scenario import Scenario, parse_month
from abm.schema import Vouchers


def allocate(
    demand: np.ndarray,
    capacity: float,
    rule: str,
    priority: np.ndarray,
    wait: np.ndarray,
    who: np.ndarray | None = None,
) -> np.ndarray:
    """GPUs granted to each applicant of one center under its allocation rule.

    ``who``: the applicants' rows, when ``priority`` and ``wait`` are given for every
    user; only the entries the rule reads are then taken (most months a center is not
    oversubscribed, or its rule reads one of the two).
    """
    total = demand.sum()
    if total <= capacity:
        return demand.copy()
    if capacity <= 0:
        return np.zeros_like(demand)
    if rule == "proportional":
        return demand * (capacity / total)
    if rule == "priority":
        first = demand * (priority if who is None else priority[who])
        p_total = first.sum()
        if p_total >= capacity:
            return first * (capacity / p_total)
        rest = demand - first
        return first + rest * ((capacity - p_total) / rest.sum())
    # queue: longest-waiting first, ties by application order (row index)
    order = np.argsort(-(wait if who is None else wait[who]), kind="stable")
    cum = np.cumsum(demand[order])
    granted_sorted = np.clip(capacity - (cum - demand[order]), 0.0, demand[order])
    granted = np.empty_like(demand)
    granted[order] = granted_sorted
    return granted


@dataclass
class CenterState:
    """A compute center's state this month (GPUs in model units, i.e. scaled)."""

    #: the fields read from the scenario (the rest is state the months change)
    PLANNED: ClassVar[tuple[str, ...]] = (
        "name",
        "site",
        "public",
        "allocation",
        "list_price_krw",
        "free_until",
        "npu_share",
        "quality",
    )

    id: str
    name: str
    site: int
    public: bool
    price_krw: float  # this month's price
    allocation: str
    list_price_krw: float = 0.0  # the price once it is no longer free
    free_until: int = -(10**9)  # last month (model clock) its GPUs are free
    npu_share: float = 0.0  # share of its capacity (H100 equivalents) that is domestic NPUs
    quality: float = (
        1.0  # useful work per H100 equivalent granted: 1 - npu_share x the NPU discount
    )
    expected_fill: float = 1.0  # share of applications users expect its site to serve
    capacity: float = 0.0
    demand: float = 0.0  # GPUs applied for by users whose first choice this center was
    granted: float = 0.0
    # GPUs granted this month to the users of each region (model units; the app's flow map)
    served: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def utilisation(self) -> float:
        return self.granted / self.capacity if self.capacity > 0 else float("nan")

    @property
    def oversubscription(self) -> float:
        """Applications / allocations (GPU-months asked per GPU-month granted)."""
        return self.demand / self.granted if self.granted > 0 else float("nan")


@dataclass
class Allocation:
    """What every user obtained this month (GPUs in model units, money in won)."""

    effective: np.ndarray  # GPUs weighted by the access each keeps at its user's distance
    public: np.ndarray  # GPUs from public centers
    private: np.ndarray  # GPUs bought from a private center in the user's region
    cloud: np.ndarray  # GPUs bought from the commercial cloud
    spend: np.ndarray  # won the user paid for all of them (vouchers deducted)
    saving: np.ndarray  # market value of the public GPUs minus what was paid for them
    # won of its commercial bill a GPU voucher paid (default: none, for callers without vouchers)
    voucher: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # the commercial price per GPU-month this month (:meth:`ComputeMarket.market_price`)
    price_krw: float = 0.0
    # won the centers paid domestic NPU makers this month for the NPU capacity they added
    npu_krw: float = 0.0


class VoucherFund:
    """GPU vouchers (``government.vouchers``): a public budget that pays ``share`` of a
    holder's commercial compute bill (private centers and cloud), at most ``cap`` a month.

    Money: ``budget_krw_per_year x scale / 12`` is appropriated in each month of the
    programme into a :class:`~abm.agents.government.Budget` (whole won; what is not spent
    carries over), and vouchers are paid from it, so appropriated = paid + remaining every
    month. A voucher is issued at the start of a month only where the fund can honour its
    face value (the most its holder could claim) whole: eligible users with a shortfall in
    row order, the oldest first, until one cannot be; so nothing is promised that the fund
    cannot pay, and nothing is paid once its money is spent.

    Price: a holder pays ``1 - share`` of the market price, so its budget stretches, and
    it buys more of its shortfall: if the values of the GPU-months it lacks are spread
    evenly from 0 up and ``market_take_up`` of them are worth the market price, then
    ``1 - (1 - market_take_up) x (1 - share)`` of them are worth the voucher price (an
    ASSUMPTION, as is that the cap bounds what the voucher pays but not the take-up).
    """

    def __init__(self, params: Vouchers, start: dt.date, scale: float):
        self.share = params.share
        self.cap = params.cap_krw_per_month  # per firm agent: each is one firm
        self.sme_only = params.sme_only
        self.monthly = params.budget_krw_per_year * scale / 12.0
        self.first = months_between(start, parse_month(params.start))
        self.last = months_between(start, parse_month(params.end))
        self.budget = Budget()
        self.open = False  # vouchers are issued this month

    def start_month(self, month: int) -> None:
        """Appropriate this month's money, if the programme runs."""
        self.open = self.monthly > 0 and self.first <= month <= self.last
        if self.open:
            self.budget.appropriate(self.monthly)

    def issue(self, most: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """Face values (whole won; 0 = no voucher) for users who could claim ``most``: the
        eligible ones in order while the money left honours every face value issued."""
        face = np.where(eligible, np.floor(np.minimum(most, self.cap)), 0.0)
        issued = np.cumsum(face) <= self.budget.remaining  # stops at the first it cannot
        return np.where(issued, face, 0.0)

    def pay(self, face: np.ndarray, bill: np.ndarray) -> np.ndarray:
        """What the vouchers pay of the holders' commercial ``bill``: ``share`` of it, in
        whole won, within the face value; committed from the budget."""
        paid = np.minimum(face, np.floor(self.share * bill))
        committed = self.budget.commit(int(paid.sum()))
        assert committed  # within the face values issued, which the budget honours
        return paid


class ComputeMarket:
    """All compute centers of a scenario and the monthly allocation of their GPUs."""

    # record each center's GPUs per region (CenterState.served): the app's flow map asks
    # for it; off by default, so runs and sweeps pay nothing for it
    record_served: bool = False

    def __init__(self, scenario: Scenario, region_index: dict[str, int], distance_km: np.ndarray):
        self.params = scenario.params.compute
        self.scale = scenario.scale
        self.start = scenario.start
        self.vouchers = VoucherFund(scenario.government.vouchers, self.start, self.scale)
        self.centers: list[CenterState] = []
        self._schedules: list[tuple[np.ndarray, np.ndarray]] = []
        for cid, c in scenario.centers.items():
            free = months_between(self.start, parse_month(c.free_until)) if c.free_until else None
            self.centers.append(
                CenterState(
                    cid,
                    c.name or cid,
                    region_index[c.site],
                    c.public,
                    c.price_krw,
                    c.allocation,
                    list_price_krw=c.price_krw,
                    free_until=-(10**9) if free is None else free,
                    npu_share=c.npu_share,
                    quality=1.0 - c.npu_share * (1.0 - scenario.params.compute.npu_efficiency),
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
        self._growth_months = months_between(self.start, parse_month(p.need_growth_until))
        self._reference_month = months_between(self.start, parse_month(p.need_reference))
        self.price: float = p.market_price_krw  # this month's commercial price (set by ``step``)

    def capacity_at(self, month: int) -> np.ndarray:
        """Capacity of each center (model GPUs) in a month, linear between schedule points."""
        out = np.zeros(len(self.centers))
        for i, (months, gpus) in enumerate(self._schedules):
            if len(months):
                out[i] = np.interp(month, months, gpus, left=0.0)
        return out * self.scale

    def planned_capacity(self) -> np.ndarray:
        """Each center's capacity at the last point of its schedule (real GPUs)."""
        return np.array([gpus[-1] if len(gpus) else 0.0 for _, gpus in self._schedules])

    def need_factor(self, month: int) -> float:
        """GPU need per employee in a month relative to ``need_reference`` (when
        ``gpu_per_employee`` holds): it grows by ``need_growth`` a year until a date, and
        was correspondingly smaller before the reference."""
        years = (min(month, self._growth_months) - self._reference_month) / 12.0
        return (1.0 + self.params.need_growth) ** years

    def market_price(self, need: float, public_capacity: float) -> float:
        """The commercial price per GPU-month when users need ``need`` GPUs and public
        centers offer ``public_capacity`` (H100 equivalents of useful work).

        The market serves what public GPUs leave short, so its price rises and falls
        with that shortfall's share of need: ``market_price_krw`` at the share of 2025
        (``reference_shortfall``), times the ratio of the shares to the power
        ``price_flexibility`` (0: a fixed price), and never below the cost of supplying
        a GPU (``market_price_floor_krw``). Shares, not GPUs, so it holds at any scale.
        """
        p = self.params
        if p.price_flexibility == 0 or need <= 0:
            return p.market_price_krw
        short = max(0.0, 1.0 - public_capacity / need)
        scarcity = (short / p.reference_shortfall) ** p.price_flexibility
        return max(min(p.market_price_floor_krw, p.market_price_krw), p.market_price_krw * scarcity)

    def npu_purchases(self, month: int) -> float:
        """Won the centers pay domestic NPU makers in ``month`` (model units): the NPU
        share of the capacity each added since last month, at the price of an H100
        equivalent. Capacity that shrinks buys nothing; what stood at the start was bought
        before the run."""
        if month <= 0:
            return 0.0
        added = np.maximum(self.capacity_at(month) - self.capacity_at(month - 1), 0.0)
        shares = np.array([c.npu_share for c in self.centers])
        return float((added * shares).sum() * self.params.accelerator_price_krw)

    def saving(self, price_krw: float) -> float:
        """Share of this month's market price a user saves on a GPU bought at ``price_krw``."""
        market = self.price
        return max(0.0, 1.0 - price_krw / market) if market > 0 else 0.0

    def price_advantage(self) -> float:
        """How much cheaper than in 2025 this month's market price is, as a share of the
        2025 price (``market_price_krw``): negative when scarcity has made it dearer.

        It is what every firm saves on the GPU-months it buys commercially, wherever it
        is, so it is the same for every region: it cancels in the choice between regions
        but not against staying out of the sector (:func:`abm.rules.entry.entrant_mean`).
        Without it, public capacity that lowers the price would only shrink the centers'
        savings (:meth:`access_value`) and a center would lower entry."""
        p = self.params
        return 1.0 - self.price / p.market_price_krw if p.market_price_krw > 0 else 0.0

    def access_value(self) -> np.ndarray:
        """Per region: the value (0-1) of the best compute option reachable from there.

        A public site is worth what it saves on a GPU-month in won, as a share of the
        2025 market price (``market_price_krw``; this month's price moves with scarcity,
        :meth:`market_price`), times the useful work of its capacity (its NPUs' discount),
        the share of applications it served last month (all centers at one site pooled,
        so two half-size centers are worth one full one) and the access kept at the
        distance; a private center on site is worth its access edge over the cloud
        while it has room. The best option counts, never a sum over centers.
        """
        p = self.params
        # the saving in won, as a share of the 2025 market price: a public GPU is worth
        # less when ample public capacity has brought the market price down
        dearer = self.price / p.market_price_krw if p.market_price_krw > 0 else 0.0
        value = np.zeros(self.n_regions)
        sites: dict[int, list[int]] = {}
        for i, c in enumerate(self.centers):
            if c.capacity > 0:
                sites.setdefault(c.site, []).append(i)
        for site, members in sites.items():
            public = [i for i in members if self.centers[i].public]
            if public:
                cap = sum(self.centers[i].capacity for i in public)
                fill = self.centers[public[0]].expected_fill  # pooled over the site
                saving = (
                    sum(
                        self.centers[i].capacity
                        * self.saving(self.centers[i].price_krw)
                        * self.centers[i].quality
                        for i in public
                    )
                    / cap
                )
                option = self.access[:, public[0]] * fill * saving * dearer
                value = np.maximum(value, option)
            private = [i for i in members if not self.centers[i].public]
            if private:
                cap = sum(self.centers[i].capacity for i in private)
                want = sum(self.centers[i].demand for i in private)
                fill = min(1.0, cap / want) if want > 0 else 1.0
                value[site] = max(value[site], (1.0 - p.commercial_access) * fill)
        return value

    def step(
        self,
        month: int,
        region: np.ndarray,
        need: np.ndarray,
        priority: np.ndarray,
        wait: np.ndarray,
        budget_krw: np.ndarray,
    ) -> Allocation:
        """Allocate this month's GPUs to users at this month's market price (both in the
        returned :class:`Allocation`); updates centers and the users' queue waits."""
        capacity = self.capacity_at(month)
        for c, cap in zip(self.centers, capacity, strict=True):
            c.capacity, c.demand, c.granted = float(cap), 0.0, 0.0
            c.served = np.zeros(self.n_regions if self.record_served else 0)
            c.price_krw = 0.0 if month <= c.free_until else c.list_price_krw
        offered = sum(c.capacity * c.quality for c in self.centers if c.public)
        self.price = self.market_price(float(need.sum()), offered)
        z = [np.zeros_like(need) for _ in range(7)]
        out = Allocation(z[0], z[1], z[2], z[3], z[4], z[5], voucher=z[6])
        out.price_krw, out.npu_krw = self.price, self.npu_purchases(month)
        self._allocate_public(region, need, priority, wait, out)
        self._learn_fill()
        self.vouchers.start_month(month)
        self._buy_commercial(region, need, budget_krw, priority > 0, out)
        return out

    def _learn_fill(self) -> None:
        """Users expect each public site to serve what it served lately (all its centers
        pooled): an average of the past expectation and this month's share served."""
        memory = self.params.fill_memory
        sites: dict[int, list[CenterState]] = {}
        for c in self.centers:
            if c.public and c.capacity > 0:
                sites.setdefault(c.site, []).append(c)
        for members in sites.values():
            asked = sum(c.demand for c in members)
            granted = sum(c.granted for c in members)
            fill = min(1.0, granted / asked) if asked > 0 else 1.0
            for c in members:
                c.expected_fill = memory * c.expected_fill + (1.0 - memory) * fill

    def _allocate_public(self, region, need, priority, wait, out: Allocation) -> None:
        """Each user applies to the public center it expects most from (saving x access x the
        share its site served lately); the refused try the next.

        A user that stops applying (served, or no center left worth its while) never
        applies again, since its region's order of centers only gets worse. Each round
        every user adds what it got to its own totals: its grant when it applied,
        exact zeros when it did not (a total of zeros and non-negative grants stays as
        it is), so the totals are the same sums, in the same order, as adding each
        center's grants to the population's arrays. Each center sees all its
        applicants of a round at once, in row order, as its rule and its sums require.
        The rounds run over blocks of users (:func:`abm.nodes.blocks`), so that their
        temporaries stay in the CPU's caches at a million users; users who stopped
        applying leave the rounds once they are half of those left, their totals
        written out then.
        """
        public = [i for i, c in enumerate(self.centers) if c.public and c.capacity > 0]
        if not public or self.price <= 0:
            return
        centers = [self.centers[i] for i in public]
        quality = np.array([c.quality for c in centers])
        saving = np.array([self.saving(c.price_krw) * c.expected_fill for c in centers]) * quality
        access = self.access[:, public]
        choice, worthwhile = self._preferences(access * saving)
        price = np.array([c.price_krw for c in centers])
        gain = np.array([self.price - c.price_krw for c in centers])
        every = np.arange(access.shape[0])
        left = np.array([c.capacity for c in centers])
        # the users still in the rounds, their region and need, and what they obtained
        users, here, wanted = np.arange(len(need)), region, need
        totals = [np.zeros(len(need)) for _ in range(4)]  # public, effective, spend, saving
        into = (out.public, out.effective, out.spend, out.saving)
        for round_ in range(len(public)):
            if not (left > 0).any():  # no center has GPUs left: no round can grant more
                break
            pick, open_ = choice[round_], worthwhile[round_]
            # by region: the access kept (times the useful work per H100 equivalent), paid, saved
            kept_access = access[every, pick] * quality[pick]
            paid, saved = price[pick], gain[pick]
            spans = blocks(len(users))
            applying = np.empty(len(users), dtype=bool)
            found: list[list[tuple[int, np.ndarray]]] = [[] for _ in spans]
            asked: list[list[np.ndarray]] = [[] for _ in centers]  # unmet, block by block
            rows: list[list[np.ndarray]] = [[] for _ in centers]
            # the centers some region tries now and that have GPUs left: an applicant of
            # one with none left gets nothing (``allocate``), and adds nothing
            chosen = [j for j in np.unique(pick[open_]).tolist() if left[j] > 0]
            for b, span in enumerate(spans):
                unmet = wanted[span] - totals[0][span]
                where = here[span]
                ok = applying[span] = (unmet > 1e-12) & open_[where]
                picked = pick[where]
                for j in chosen:
                    at = np.flatnonzero(ok & (picked == j))
                    if len(at):
                        found[b].append((j, at))
                        asked[j].append(unmet[at])
                        rows[j].append(users[span][at])
            if not applying.any():
                break
            grants = [np.zeros(0)] * len(centers)
            for j, c in enumerate(centers):
                if not asked[j]:
                    continue
                d, who = np.concatenate(asked[j]), np.concatenate(rows[j])
                grants[j] = g = allocate(d, left[j], c.allocation, priority, wait, who=who)
                if self.record_served:
                    c.served += np.bincount(region[who], weights=g, minlength=self.n_regions)
                total = g.sum()
                left[j] -= total
                if round_ == 0:  # an applicant is counted once, where it applied first
                    c.demand += float(d.sum())
                c.granted += float(total)
            start = [0] * len(centers)
            for b, span in enumerate(spans if any(asked) else ()):  # none asked: all add 0
                got = np.zeros(span.stop - span.start)
                for j, at in found[b]:
                    got[at] = grants[j][start[j] : start[j] + len(at)]
                    start[j] += len(at)
                where = here[span]
                totals[0][span] += got
                totals[1][span] += got * kept_access[where]
                totals[2][span] += got * paid[where]
                totals[3][span] += got * saved[where]
            if np.count_nonzero(applying) * 2 < len(users):
                done = ~applying
                for kept, total in zip(totals, into, strict=True):
                    total[users[done]] = kept[done]
                keep = np.flatnonzero(applying)
                users, here, wanted = users[keep], here[keep], wanted[keep]
                totals = [kept[keep] for kept in totals]
        for kept, total in zip(totals, into, strict=True):
            total[users] = kept
        served = out.public >= need - 1e-12
        wait[:] = np.where(served, 0.0, wait + 1.0)

    @staticmethod
    def _preferences(worth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The order in which users of each region try the public centers.

        ``worth`` is regions x centers: every user of a region values the centers
        alike, so a user refused in rounds 0..k-1 tries, in round k, the k-th entry of
        its region's order, the center of highest worth not yet tried (the first such
        on ties), and only while that worth is positive. Returns (center index, worth > 0),
        both rounds x regions; worked out once per region, not per user.
        """
        n_regions, n_centers = worth.shape
        worth = worth.copy()
        every = np.arange(n_regions)
        choice = np.zeros((n_centers, n_regions), dtype=np.int64)
        worthwhile = np.zeros((n_centers, n_regions), dtype=bool)
        for k in range(n_centers):
            best = np.argmax(worth, axis=1)
            choice[k], worthwhile[k] = best, worth[every, best] > 0
            worth[every, best] = -1.0  # tried
        return choice, worthwhile

    def _buy_commercial(self, region, need, budget_krw, sme, out: Allocation) -> None:
        """Buy part of what public GPUs left short at the market price, within budget.

        Users buy ``market_take_up`` of their effective shortfall (the rest is not
        worth the market price to them): first from a private center in their region
        while it has room (full access), then from the cloud (``commercial_access``).
        Holders of a GPU voucher (:class:`VoucherFund`) buy more, and the voucher pays
        part of their bill.
        """
        p = self.params
        short = np.maximum(need - out.effective, 0.0)
        target = short * p.market_take_up
        price = self.price
        budget = np.maximum(budget_krw, 0.0)
        face = self._voucher_faces(short, budget, sme) if self.vouchers.open else None
        if face is not None:
            holder = face > 0
            take_up = 1.0 - (1.0 - p.market_take_up) * (1.0 - self.vouchers.share)
            target[holder] = short[holder] * take_up
            budget = budget + face  # the most the voucher pays: what the holder can spend more
            billed = out.spend.copy()
        affordable = budget / price if price > 0 else target.copy()
        for c in self.centers:
            if c.public or c.capacity <= 0:
                continue
            here = np.flatnonzero((region == c.site) & (target > 0))
            want = np.minimum(target[here], affordable[here])
            share = min(1.0, c.capacity / want.sum()) if want.sum() > 0 else 0.0
            got = want * share
            c.demand, c.granted = float(want.sum()), float(got.sum())
            if self.record_served:
                c.served[c.site] += c.granted
            out.effective[here] += got
            out.private[here] += got
            out.spend[here] += got * c.price_krw
            target[here] -= got
            affordable[here] -= got
        if p.commercial_access > 0:
            cloud = np.minimum(target / p.commercial_access, affordable)
            out.effective += cloud * p.commercial_access
            out.cloud += cloud
            out.spend += cloud * price
        if face is not None:
            out.voucher = self.vouchers.pay(face, out.spend - billed)
            out.spend -= out.voucher

    def _voucher_faces(self, short: np.ndarray, budget: np.ndarray, sme: np.ndarray) -> np.ndarray:
        """This month's vouchers (face values in won, 0 = none) of users with a shortfall
        and a budget: the most each could claim, ``share`` of the largest bill its take-up
        and budget allow (all of it bought at the dearest commercial price per effective
        GPU; a budget B stretches to B / (1 - share))."""
        p, fund = self.params, self.vouchers
        take_up = 1.0 - (1.0 - p.market_take_up) * (1.0 - fund.share)
        dearest = max(
            [self.price / p.commercial_access if p.commercial_access > 0 else 0.0]
            + [c.price_krw for c in self.centers if not c.public and c.capacity > 0]
        )
        most = np.minimum(
            fund.share * short * take_up * dearest, fund.share / (1.0 - fund.share) * budget
        )
        eligible = (short > 0) & (budget > 0) & (sme if fund.sme_only else True)
        return fund.issue(most, eligible)
