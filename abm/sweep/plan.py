"""The run plan: which runs a sweep has, their parameters and their seeds.

Runs are numbered so that a ``run_id`` alone says what a run is:
``run_id = (setting * n_samples + sample) * replications + replication``,
where *setting* indexes the crossed list (levels) parameters and *sample* the
design point of the range parameters. Nothing is materialised per run, so the
plan of a million-run sweep is as small as its design matrix.

Seeds come from one root seed through numpy's ``SeedSequence`` and never depend
on the number of workers or the engine. With common random numbers (the
default) replication *r* uses the same seed at every parameter point, so
differences between settings are not blurred by different random draws;
replications of one point always get distinct seeds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from abm.sweep import designs
from abm.sweep.spec import SweepSpec

# spawn_key namespaces under the root seed, so the streams never overlap
_DESIGN_KEY, _REPLICATION_KEY, _RUN_KEY = 0, 1, 2


def _seed(root: int, key: tuple[int, ...]) -> int:
    """A 63-bit seed (fits Parquet int64) from the root seed and a spawn key."""
    state = np.random.SeedSequence(root, spawn_key=key).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


@dataclass(frozen=True)
class RunTask:
    """What a worker needs to do one run."""

    run_id: int
    seed: int
    overrides: dict[str, Any]


class Plan:
    """Maps run ids to parameters and seeds for a validated spec."""

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self.settings: list[tuple[Any, ...]] = list(
            itertools.product(*(lv.values for lv in spec.levels))
        )
        design_seed = _seed(spec.seed, (_DESIGN_KEY,)) % 2**32
        self.design: np.ndarray = designs.sample(spec.design, spec.ranges, design_seed)
        self.n_samples = len(self.design)
        self.replications = spec.replications
        self.n_runs = len(self.settings) * self.n_samples * self.replications
        self._replication_seeds: dict[int, int] = {}  # filled as runs ask: O(1) to build
        self._fixed = {f.key: f.value for f in spec.fixed}

    def locate(self, run_id: int) -> tuple[int, int, int]:
        """(setting, sample, replication) of a run."""
        point, replication = divmod(run_id, self.replications)
        setting, sample = divmod(point, self.n_samples)
        return setting, sample, replication

    def seed(self, run_id: int) -> int:
        if self.spec.common_random_numbers:
            r = run_id % self.replications
            if r not in self._replication_seeds:
                if len(self._replication_seeds) > 100_000:
                    self._replication_seeds.clear()  # memory stays bounded at any size
                self._replication_seeds[r] = _seed(self.spec.seed, (_REPLICATION_KEY, r))
            return self._replication_seeds[r]
        return _seed(self.spec.seed, (_RUN_KEY, run_id))

    def params(self, run_id: int) -> dict[str, Any]:
        """The varied parameters of a run, as the run receives them."""
        setting, sample, _ = self.locate(run_id)
        values = dict(zip((lv.key for lv in self.spec.levels), self.settings[setting], strict=True))
        row = self.design[sample]
        for r, x in zip(self.spec.ranges, row, strict=True):
            values[r.key] = r.to_value(float(x))
        return values

    def task(self, run_id: int) -> RunTask:
        return RunTask(run_id, self.seed(run_id), {**self._fixed, **self.params(run_id)})

    def row(self, run_id: int) -> dict[str, Any]:
        """The identifying columns of a run's result row."""
        setting, sample, replication = self.locate(run_id)
        return {
            "run_id": run_id,
            "setting": setting,
            "sample": sample,
            "replication": replication,
            "seed": self.seed(run_id),
            **self.params(run_id),
        }
