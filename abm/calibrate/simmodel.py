"""The model as a calibration batch runs it through the sweep engine (abm/sweep).

A batch of particles (parameter vectors) becomes an ordinary sweep: its "scenario" is a
batch file naming the base scenario and the particles, and its one swept parameter is the
particle number, a grid over 0 .. n-1. The sweep engine then does what it does for every
sweep (local or Dask workers, time limits, Parquet streaming, resume after ``kill -9``)
and this module, named as the sweep's ``model``, turns particle k into the base scenario
with particle k's values. Nothing in abm/sweep needed changing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abm.run import RunResult
from abm.run import run_scenario as _run
from abm.scenario import Scenario

PARTICLE = "particle"
FORMAT = "abm-calibration-batch/1"


@dataclass(frozen=True)
class Batch:
    """The base scenario and the particles of one batch (picklable: sent to run processes)."""

    base: dict[str, Any]
    keys: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]

    @property
    def name(self) -> str:
        return str(self.base.get("scenario", {}).get("name", "calibration"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "base": self.base,
            "keys": list(self.keys),
            "values": [list(v) for v in self.values],
        }

    def scenario(self, k: int | None = None) -> Scenario:
        """The base scenario with particle k's parameter values (validated)."""
        base = Scenario.from_dict(self.base, "<calibration batch>")
        if k is None:
            return base
        return base.with_overrides(dict(zip(self.keys, self.values[k], strict=True)))

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """What the sweep applies per run: ``{"particle": k}`` selects a particle."""
        rest = {key: v for key, v in overrides.items() if key != PARTICLE}
        scenario = self.scenario(int(overrides[PARTICLE]) if PARTICLE in overrides else None)
        return scenario.with_overrides(rest) if rest else scenario


def write_batch(path: Path, base: Scenario, keys: list[str], values: list[list[float]]) -> None:
    """Write a batch file (atomically: temp file, then rename)."""
    batch = Batch(base.to_dict(), tuple(keys), tuple(tuple(float(x) for x in v) for v in values))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(batch.to_dict(), default=str) + "\n")
    tmp.replace(path)


def load_scenario(path: str | Path) -> Batch:
    data = json.loads(Path(path).read_text())
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a calibration batch file")
    return Batch(data["base"], tuple(data["keys"]), tuple(tuple(v) for v in data["values"]))


def run_scenario(
    scenario: Batch | Scenario,
    seed: int,
    steps: int | None,
    outputs: tuple[str, ...] | None = None,
) -> RunResult:
    """One run; a bare Batch (the sweep's one-step trial run) runs the base scenario.
    ``outputs``: the series the batch keeps (the targets'), the only ones computed."""
    if isinstance(scenario, Batch):
        scenario = scenario.scenario()
    return _run(scenario, seed=seed, steps=steps, outputs=outputs)
