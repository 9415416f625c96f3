"""One browser session's simulation: the model, what it has recorded, and snapshots to draw.

Why snapshots: the play loop steps the model in a worker thread while the page renders
in another. Views never touch the live model; they draw an immutable :class:`Frame`
taken under the run's lock right after a step, so a render never sees a half-done step.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pandas as pd

from abm.model import RegionalModel
from abm.scenario import Scenario
from viz.figures.network import NetworkSummary, summarize, summarize_rows

NETWORK_BUDGET_S = 0.05  # recompute the network summary at most every ~this much work


@dataclass(frozen=True)
class CenterInfo:
    """A compute center as the views show it (GPU numbers in model units)."""

    id: str
    name: str
    site: str
    capacity: float
    demand: float
    granted: float
    price_krw: float

    @property
    def utilisation(self) -> float:
        return self.granted / self.capacity if self.capacity > 0 else float("nan")


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
        return summarize_rows(
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
    return summarize(model.graph, model.region_ids, model.steps, **kwargs)


class LiveRun:
    """A model built from a validated scenario and seed (``rng=seed``), stepped on demand."""

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario = scenario
        self.seed = seed
        self.lock = threading.Lock()
        started = time.perf_counter()
        self.model = RegionalModel(scenario, rng=seed)
        self._model_rows: list[dict] = [self.model.model_record()]
        self._region_rows: list[tuple[dict, ...]] = [tuple(self.model.region_records())]
        self._network: NetworkSummary | None = None
        self._network_cost = 0.0
        self._since_network = 0
        self._frame = self._snapshot({"build": 1000 * (time.perf_counter() - started)})

    @property
    def frame(self) -> Frame:
        return self._frame

    def step(self, force_network: bool = True) -> Frame:
        """Advance one month (no-op at the scenario's end) and return the new frame.

        ``force_network=False`` (used while playing) lets the network summary skip steps
        when it is expensive, so a 10,000-firm run keeps the page responsive.
        """
        with self.lock:
            if self.model.steps >= self.scenario.steps:
                return self._frame
            started = time.perf_counter()
            self.model.step()
            self._model_rows.append(self.model.model_record())
            self._region_rows.append(tuple(self.model.region_records()))
            stepped = time.perf_counter()
            self._since_network += 1
            self._frame = self._snapshot(
                {"step": 1000 * (stepped - started)}, force_network=force_network
            )
            return self._frame

    def _snapshot(self, timing: dict[str, float], force_network: bool = True) -> Frame:
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
        date = model.date
        centers = tuple(
            CenterInfo(
                c.id,
                c.name,
                model.region_ids[c.site],
                float(c.capacity),
                float(c.demand),
                float(c.granted),
                float(c.price_krw),
            )
            for c in model.centers
        )
        return Frame(
            step=model.steps,
            steps=self.scenario.steps,
            date=f"{date.year:04d}-{date.month:02d}",
            model_rows=tuple(self._model_rows),
            region_rows=tuple(self._region_rows),
            flows=model.relocations_matrix(cumulative=True),
            centers=centers,
            network=self._network,
            timing_ms=timing,
        )

    def history(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(model metrics, region metrics) per step so far, as the model records them."""
        with self.lock:
            return self.model.history()
