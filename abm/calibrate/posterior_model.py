"""The model with a posterior draw per run: the sweep's model for ``abm sweep --posterior``.

The sweep sends each run its overrides and its seed. :class:`PosteriorScenario` carries
the base scenario and the posterior table; its ``with_overrides`` applies the sweep's
values, and :func:`run_scenario` draws the run's parameter set from a generator seeded
by the run's seed, applies it, and runs the model. A run therefore depends only on its
overrides and its seed, as every sweep run must.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from abm.run import RunResult
from abm.run import run_scenario as _run
from abm.scenario import Scenario
from abm.scenario import load_scenario as _load


@dataclass(frozen=True)
class PosteriorScenario:
    """A scenario and a posterior sample (keys, rows of values + weight)."""

    scenario: Scenario
    keys: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]

    @property
    def name(self) -> str:
        return self.scenario.name

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.scenario.to_dict(),
            "posterior": {"keys": list(self.keys), "rows": [list(r) for r in self.rows]},
        }

    def with_overrides(self, overrides: Any) -> PosteriorScenario:
        return PosteriorScenario(self.scenario.with_overrides(overrides), self.keys, self.rows)

    def draw(self, seed: int) -> dict[str, float]:
        """The parameter set of the run seeded ``seed``."""
        from abm.calibrate.posterior import posterior_rng

        weights = np.array([r[-1] for r in self.rows], dtype=float)
        i = int(posterior_rng(seed).choice(len(self.rows), p=weights / weights.sum()))
        return dict(zip(self.keys, (float(v) for v in self.rows[i][:-1]), strict=True))

    def resolve(self, seed: int) -> Scenario:
        return self.scenario.with_overrides(self.draw(seed))

    def check(self) -> None:
        """The posterior's smallest and largest values must make valid scenarios
        (ScenarioError otherwise; the schema's limits are per parameter)."""
        values = np.array([r[:-1] for r in self.rows], dtype=float)
        for extreme in (values.min(axis=0), values.max(axis=0)):
            self.scenario.with_overrides(dict(zip(self.keys, extreme.tolist(), strict=True)))


def load_scenario(path: Any) -> Scenario:
    return _load(path)


def run_scenario(
    scenario: Any, seed: int, steps: int | None, outputs: tuple[str, ...] | None = None
) -> RunResult:
    if isinstance(scenario, PosteriorScenario):
        scenario = scenario.resolve(seed)
    return _run(scenario, seed=seed, steps=steps, outputs=outputs)
