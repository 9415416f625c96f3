"""A faint band of other seeds behind the live run's lines, from a small background ensemble.

Why: one trajectory of a stochastic model is easily read as a forecast. The band shows
where other seeds of the same settings went, month by month (min to max of a few runs:
"other seeds", not a confidence interval), so the live line is seen as one draw.

The runs go to the low-priority background workers (:mod:`viz.background`): the live
run's Step never waits for them. They are cancelled when the run they belong to is
replaced (Reset, another scenario) or the page closes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import numpy as np
import pandas as pd

from abm.scenario import Scenario
from viz.background import Jobs

SEEDS = 4  # how many other seeds: a band, cheap enough to be there in seconds
SEEDS_ENV = "ABM_APP_BAND_SEEDS"  # override (0 = no band)


def seeds_wanted() -> int:
    try:
        return max(0, int(os.environ.get(SEEDS_ENV, SEEDS)))
    except ValueError:
        return SEEDS


MAX_AGENTS = 50_000  # above this the band is not computed (each run would take minutes)


class Ensemble:
    """The other seeds of one live run (its scenario, seeds seed+1 ... seed+SEEDS)."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        on_change: Callable[[], None],
        k: int | None = None,
        owner: object = None,
    ):
        k = seeds_wanted() if k is None else k
        self.owner = owner  # the live run it belongs to
        self.scenario = scenario
        self.seeds = tuple(seed + 1 + i for i in range(k))
        self._on_change = on_change
        self._lock = threading.Lock()
        self._model: list[pd.DataFrame] = []
        self._regions: list[pd.DataFrame] = []
        self._cache: dict = {}
        self.failed = ""
        self.skipped = scenario.population.firms > MAX_AGENTS
        self._jobs = Jobs()

    def start(self) -> Ensemble:
        if self.skipped or not self.seeds:
            return self
        from viz.runs import run_tables

        futures = [
            self._jobs.submit(run_tables, self.scenario, s, self.scenario.steps, True)
            for s in self.seeds
        ]
        for future in futures:
            future.add_done_callback(self._done)
        return self

    def _done(self, future) -> None:
        if future.cancelled() or self._jobs.cancelled.is_set():
            return
        try:
            model, regions = future.result()
        except Exception as exc:  # the band is an aid: say so, never break the page
            self.failed = f"{type(exc).__name__}: {exc}"[:200]
            return
        with self._lock:
            self._model.append(model)
            self._regions.append(regions)
            self._cache.clear()
        self._on_change()

    def cancel(self) -> None:
        self._jobs.cancel()

    @property
    def done(self) -> int:
        return len(self._model)

    def status(self) -> tuple[int, int]:
        """(runs finished, runs asked)."""
        return self.done, len(self.seeds)

    def bands(self, name: str, scope: str = "model", region: str | None = None):
        """(lo, hi) per step of output ``name`` over the finished seeds (index = step), or
        None until two seeds are in (one run is no band)."""
        key = (name, scope, region)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            tables = self._model if scope == "model" else self._regions
            if len(tables) < 2:
                return None
            series = []
            for t in tables:
                if name not in t:
                    return None
                rows = t if region is None else t[t["region"] == region]
                series.append(rows.set_index("step")[name].astype(float))
            frame = pd.concat(series, axis=1)
            steps = int(frame.index.max()) + 1
            lo = np.full(steps, np.nan)
            hi = np.full(steps, np.nan)
            lo[frame.index.to_numpy()] = frame.min(axis=1).to_numpy()
            hi[frame.index.to_numpy()] = frame.max(axis=1).to_numpy()
            out = (
                [None if np.isnan(v) else float(v) for v in lo],
                [None if np.isnan(v) else float(v) for v in hi],
            )
            self._cache[key] = out
            return out
