"""One browser session's simulation: the model, what it has recorded, and snapshots to draw.

Why snapshots: the play loop steps the model in a worker thread while the page renders
in another. Views never touch the live model; they draw an immutable :class:`Frame`
taken under the run's lock, so a render never sees a half-done step. Stepping and
snapshotting are separate (:meth:`LiveRun.advance` and :meth:`LiveRun.snapshot`): while
playing, the loop steps as fast as asked and takes a snapshot only when the page can
draw one, so a slow browser never slows the model or delays a Pause.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from abm.model import RegionalModel
from abm.nodes import FIRM
from abm.scenario import Scenario
from viz.figures.network import NetworkSummary, summarize, summarize_rows

NETWORK_BUDGET_S = 0.05  # recompute the network summary at most every ~this much work
HIST_BINS = 16
# firm attributes the region inspector shows: node-table column -> (label, label_ko, unit)
FIRM_ATTRIBUTES = {
    "size": ("Employees per firm", "기업당 고용", "persons"),
    "knowledge": ("Knowledge", "지식 수준", ""),
    "cash": ("Cash", "현금", "KRW"),
    "compute_ratio": ("Compute need met", "컴퓨팅 충족률", "share"),
}


@dataclass(frozen=True)
class CenterInfo:
    """A compute center as the views show it (GPUs in real units)."""

    id: str
    name: str
    site: str
    capacity: float
    demand: float
    granted: float
    price_krw: float
    name_ko: str = ""
    build_start: str = ""  # "YYYY-MM": before it the center is only planned (not drawn)

    @property
    def utilisation(self) -> float:
        return self.granted / self.capacity if self.capacity > 0 else float("nan")

    def state(self, month: str) -> str:
        """planned (before construction), building (no GPUs yet) or open, in ``month``."""
        if self.build_start and month < self.build_start:
            return "planned"
        return "open" if self.capacity > 0 else "building"


@dataclass(frozen=True)
class FirmState:
    """One firm followed by the single-firm inspector, in one month (real units: a firm
    agent's employees and cash are those of one firm)."""

    step: int
    date: str
    alive: bool
    region: str = ""
    district: str = ""
    age_months: int = 0
    employees: float = 0.0
    cash: float = 0.0
    revenue: float = 0.0
    knowledge: float = 0.0
    compute_met: float = 0.0
    innovations: int = 0
    partners: int = 0


@dataclass(frozen=True)
class Histogram:
    """Counts of one firm attribute per region over shared bin edges."""

    edges: tuple[float, ...]
    counts: dict[str, tuple[int, ...]]
    medians: dict[str, float]


@dataclass(frozen=True)
class Frame:
    """Everything the live views draw for one step; never mutated after creation."""

    step: int
    steps: int  # scenario length
    date: str  # "YYYY-MM" of the month the step simulated
    model_rows: tuple[dict, ...]  # one per step so far, the last is the current step
    region_rows: tuple[tuple[dict, ...], ...]  # per step, one dict per region
    flows: dict[tuple[str, str], int]  # relocations since the start
    centers: tuple[CenterInfo, ...]
    network: NetworkSummary | None
    timing_ms: dict[str, float] = field(default_factory=dict)
    dates: tuple[str, ...] = ()  # "YYYY-MM" per step, as model_rows
    center_history: tuple[dict[str, float], ...] = ()  # per step: center id -> utilisation
    firm_hist: dict[str, Histogram] = field(default_factory=dict)
    districts_now: tuple[dict, ...] = ()  # this month's district rows (districts.parquet)
    served: dict[tuple[str, str], float] = field(default_factory=dict)  # (center, region) GPUs
    agents_per_firm: float = 1.0  # the scenario's scale: firm agents per real firm
    followed: tuple[FirmState, ...] = ()  # the followed firm, month by month since picked
    followed_uid: int | None = None

    @property
    def current(self) -> dict:
        return self.model_rows[-1]

    @property
    def regions_now(self) -> tuple[dict, ...]:
        return self.region_rows[-1]

    @property
    def done(self) -> bool:
        return self.step >= self.steps


def network_summary(model: RegionalModel, sample_size: int | None = None) -> NetworkSummary:
    """The network view's summary: vectorised on the model's node table when it has one."""
    kwargs = {"sample_size": sample_size} if sample_size else {}
    net, nodes = getattr(model, "network", None), getattr(model, "nodes", None)
    if net is not None and nodes is not None and hasattr(net, "u") and hasattr(nodes, "view"):
        summary = summarize_rows(
            net.u,
            net.v,
            nodes.view("region"),
            nodes.view("kind"),
            nodes.view("uid"),
            nodes.view("alive"),
            model.region_ids,
            model.steps,
            **kwargs,
        )
        return _with_details(summary, model)
    return summarize(model.graph, model.region_ids, model.steps, **kwargs)


def _with_details(summary: NetworkSummary, model: RegionalModel) -> NetworkSummary:
    """Key state of each sampled agent, for the hover text of its dot."""
    nodes = model.nodes
    uid = nodes.view("uid")
    wanted = np.array([u for u, _, _ in summary.sample], dtype=np.int64)
    rows = np.flatnonzero(np.isin(uid, wanted))
    degree = np.bincount(np.concatenate([model.network.u, model.network.v]), minlength=nodes.n)
    details = {}
    for r in rows:
        state = {"ties": int(degree[r])}
        if nodes.kind[r] == FIRM:
            state.update(
                employees=float(nodes.size[r]),
                knowledge=float(nodes.knowledge[r]),
                compute_met=float(nodes.compute_ratio[r]),
            )
        details[int(uid[r])] = state
    return NetworkSummary(
        summary.step,
        summary.nodes,
        summary.edges,
        summary.kinds,
        summary.pairs,
        summary.sample,
        summary.sample_edges,
        details,
    )


DISTRICT_KEY = "d:"  # a district's key among the inspector's choices: "d:<district id>"


def district_key(did: str) -> str:
    return f"{DISTRICT_KEY}{did}"


def district_rows(model: RegionalModel) -> tuple[dict, ...]:
    """This month's district rows, as ``districts.parquet`` records them (none in a model
    without districts)."""
    ids = getattr(model, "district_ids", None) or []
    rows = getattr(getattr(model, "recorder", None), "district_rows", None) or []
    return tuple(dict(r) for r in rows[-len(ids) :]) if ids else ()


def firm_histograms(model: RegionalModel) -> dict[str, Histogram]:
    """Per firm attribute: counts per region, and per district (key ``d:<id>``), over bins
    shared by all of them.

    The bins span the 1st-99th percentile of all firms (extremes go to the end bins),
    so one outlier does not squash every bar into one.
    """
    nodes = model.nodes
    rows = nodes.rows(FIRM)
    regions = nodes.region[rows]
    groups = [(rid, regions == i) for i, rid in enumerate(model.region_ids)]
    if getattr(model, "district_ids", None) and hasattr(nodes, "district"):
        where = nodes.district[rows]
        groups += [(district_key(d), where == i) for i, d in enumerate(model.district_ids)]
    out = {}
    for column in FIRM_ATTRIBUTES:
        values = getattr(nodes, column)[rows].astype(float)
        if len(values) == 0:
            out[column] = Histogram((0.0, 1.0), {}, {})
            continue
        lo, hi = np.percentile(values, [1, 99])
        if column == "compute_ratio":
            lo, hi = 0.0, 1.0
        if hi <= lo:
            hi = lo + (abs(lo) or 1.0)
        edges = np.linspace(lo, hi, HIST_BINS + 1)
        clipped = np.clip(values, lo, hi)
        counts, medians = {}, {}
        for key, here in groups:
            mine = clipped[here]
            counts[key] = tuple(int(c) for c in np.histogram(mine, bins=edges)[0])
            medians[key] = float(np.median(values[here])) if len(mine) else float("nan")
        out[column] = Histogram(tuple(float(e) for e in edges), counts, medians)
    return out


class LiveRun:
    """A model built from a validated scenario and seed (``rng=seed``), stepped on demand."""

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario = scenario
        self.seed = seed
        self.lock = threading.Lock()
        started = time.perf_counter()
        self.model = RegionalModel(scenario, rng=seed)
        self.model.market.record_served = True  # for the flow map (GPUs served per region)
        self._model_rows: list[dict] = [self.model.model_record()]
        self._region_rows: list[tuple[dict, ...]] = [tuple(self.model.region_records())]
        self._dates: list[str] = [self._month()]
        self._centers: list[dict[str, float]] = [self._utilisation()]
        self._network: NetworkSummary | None = None
        self._network_cost = 0.0
        self._since_network = 0
        self._step_ms = 0.0
        self._follow: int | None = None
        self._followed: list[FirmState] = []
        self._frame = self.snapshot({"build": 1000 * (time.perf_counter() - started)})

    def follow(self, uid: int | None) -> None:
        """Follow the firm ``uid`` from now on (None: nobody); its month-by-month states
        are recorded at every step, drawn or not."""
        with self.lock:
            self._follow = uid
            self._followed = [] if uid is None else [self._firm_state(uid)]

    def _firm_state(self, uid: int) -> FirmState:
        model, nodes = self.model, self.model.nodes
        row = nodes.row_of(uid)
        date = self._month()
        if row < 0 or not nodes.alive[row] or nodes.kind[row] != FIRM:
            return FirmState(model.steps, date, False)
        degree = 0
        net = getattr(model, "network", None)
        if net is not None and hasattr(net, "u"):
            degree = int(np.count_nonzero(net.u == row) + np.count_nonzero(net.v == row))
        district = int(nodes.district[row])
        ids = getattr(model, "district_ids", None) or []
        return FirmState(
            model.steps,
            date,
            True,
            model.region_ids[int(nodes.region[row])],
            ids[district] if 0 <= district < len(ids) else "",
            int(model.month - nodes.born[row]),
            float(nodes.size[row]),
            float(nodes.cash[row]),
            float(nodes.revenue[row]),
            float(nodes.knowledge[row]),
            float(nodes.compute_ratio[row]),
            int(nodes.innovations[row]),
            degree,
        )

    def largest_firms(self, where: str, count: int = 12) -> list[tuple[int, float]]:
        """(uid, employees) of the largest firms of a region, or of a district (``d:<id>``)."""
        with self.lock:
            model, nodes = self.model, self.model.nodes
            rows = nodes.rows(FIRM)
            if where.startswith(DISTRICT_KEY):
                ids = list(getattr(model, "district_ids", None) or [])
                did = where[len(DISTRICT_KEY) :]
                if did not in ids:
                    return []
                rows = rows[nodes.district[rows] == ids.index(did)]
            elif where in model.region_ids:
                rows = rows[nodes.region[rows] == model.region_ids.index(where)]
            else:
                return []
            top = rows[np.argsort(-nodes.size[rows], kind="stable")[:count]]
            return [(int(nodes.uid[r]), float(nodes.size[r])) for r in top]

    @property
    def frame(self) -> Frame:
        """The last snapshot (may lag the model while playing)."""
        return self._frame

    @property
    def step_ms(self) -> float:
        """How long the last model step took (ms)."""
        return self._step_ms

    @property
    def steps_done(self) -> int:
        return self.model.steps

    @property
    def done(self) -> bool:
        return self.model.steps >= self.scenario.steps

    def _month(self) -> str:
        date = self.model.date
        return f"{date.year:04d}-{date.month:02d}"

    def _utilisation(self) -> dict[str, float]:
        return {c.id: float(c.utilisation) for c in self.model.centers}

    def advance(self) -> bool:
        """Step one month without a snapshot; False at the scenario's end."""
        with self.lock:
            if self.done:
                return False
            started = time.perf_counter()
            self.model.step()
            self._model_rows.append(self.model.model_record())
            self._region_rows.append(tuple(self.model.region_records()))
            self._dates.append(self._month())
            self._centers.append(self._utilisation())
            self._since_network += 1
            self._step_ms = 1000 * (time.perf_counter() - started)
            if self._follow is not None:
                self._followed.append(self._firm_state(self._follow))
            return True

    def step(self, force_network: bool = True) -> Frame:
        """Advance one month (no-op at the scenario's end) and return the new snapshot."""
        self.advance()
        return self.snapshot({"step": self._step_ms}, force_network=force_network)

    def snapshot(self, timing: dict[str, float] | None = None, force_network: bool = True) -> Frame:
        """A Frame of the model as it is now.

        ``force_network=False`` (used while playing) lets the network summary skip
        snapshots when it is expensive, so a 10,000-firm run keeps the page responsive.
        """
        timing = dict(timing or {"step": self._step_ms})
        with self.lock:
            model = self.model
            due = (
                self._network is None
                or force_network
                or (self._since_network * NETWORK_BUDGET_S >= self._network_cost)
            )
            if due:
                started = time.perf_counter()
                self._network = network_summary(model)
                self._network_cost = time.perf_counter() - started
                self._since_network = 0
                timing["network"] = 1000 * self._network_cost
            scale = self.scenario.scale or 1.0
            centers = tuple(
                CenterInfo(
                    c.id,
                    c.name,
                    model.region_ids[c.site],
                    float(c.capacity) / scale,
                    float(c.demand) / scale,
                    float(c.granted) / scale,
                    float(c.price_krw),
                    getattr(self.scenario.centers.get(c.id), "name_ko", ""),
                    getattr(self.scenario.centers.get(c.id), "build_start", ""),
                )
                for c in model.centers
            )
            served = {
                (c.id, model.region_ids[r]): float(g) / scale
                for c in model.centers
                for r, g in enumerate(getattr(c, "served", ()))
                if g > 0
            }
            self._frame = Frame(
                step=model.steps,
                steps=self.scenario.steps,
                date=self._dates[-1],
                model_rows=tuple(self._model_rows),
                region_rows=tuple(self._region_rows),
                flows=model.relocations_matrix(cumulative=True),
                centers=centers,
                network=self._network,
                timing_ms=timing,
                dates=tuple(self._dates),
                center_history=tuple(self._centers),
                firm_hist=firm_histograms(model),
                districts_now=district_rows(model),
                served=served,
                agents_per_firm=scale,
                followed=tuple(self._followed),
                followed_uid=self._follow,
            )
            return self._frame

    def history(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(model metrics, region metrics) per step so far, as the model records them."""
        with self.lock:
            return self.model.history()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table the model records (model, regions, and districts when it has them)."""
        with self.lock:
            model, regions = self.model.history()
            out = {"model": model, "regions": regions}
            districts = getattr(self.model, "district_history", None)
            if callable(districts):
                out["districts"] = districts()
        return out


class SpareRuns:
    """One ready-built run per (scenario, seed) a new page is likely to open with.

    Why: building the model is most of a page's first render (1-2 s at 2,000 firms on a
    loaded 2-core machine). The server builds the default run ahead, hands it to the
    next page that opens with exactly that scenario and seed, and builds the next spare
    in the background. A spare is an untouched model, identical to a fresh build.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._spares: dict[tuple[str, int], LiveRun] = {}
        self._building: set[tuple[str, int]] = set()

    @staticmethod
    def _key(scenario: Scenario, seed: int) -> tuple[str, int]:
        import json

        return json.dumps(scenario.to_dict(), sort_keys=True, default=str), int(seed)

    def prepare(self, scenario: Scenario, seed: int) -> None:
        """Build a spare for (scenario, seed) in a background thread, if none is there."""
        key = self._key(scenario, seed)
        with self._lock:
            if key in self._spares or key in self._building:
                return
            self._building.add(key)

        def build() -> None:
            try:
                run = LiveRun(scenario, seed)
                with self._lock:
                    self._spares[key] = run
            except Exception:  # a spare is an optimisation: a failure just means no spare
                pass
            finally:
                with self._lock:
                    self._building.discard(key)

        threading.Thread(target=build, name="abm-spare", daemon=True).start()

    def take(self, scenario: Scenario, seed: int) -> LiveRun:
        """The spare run for (scenario, seed) if ready, else a fresh build; then refill."""
        key = self._key(scenario, seed)
        with self._lock:
            run = self._spares.pop(key, None)
        if run is None:
            run = LiveRun(scenario, seed)
        self.prepare(scenario, seed)
        return run


SPARES = SpareRuns()
