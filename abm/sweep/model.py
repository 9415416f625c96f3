"""Which model a sweep runs, and which of its outputs the sweep keeps.

The sweep talks to a model through two functions, ``load_scenario(path)`` and
``run_scenario(scenario, seed=, steps=)``; a spec may name another module with
the same two functions (``[sweep] model = "abm.sweep.toy"``). Outputs are taken
from the run's per-step ``model`` frame and per-step-and-region ``regions``
frame, and converted to float64 so every part file of a sweep has one schema.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from abm.sweep.spec import DEFAULT_MODEL, Metrics


class MetricError(Exception):
    """A kept metric the model does not report (names the spec field)."""


@dataclass(frozen=True)
class ModelAPI:
    """Where a model's two entry points live. The run module (for the project's model,
    Mesa and the rest) is imported only where runs happen, not where specs are read."""

    scenario_module: str
    run_module: str

    def load_scenario(self, path: Any) -> Any:
        return importlib.import_module(self.scenario_module).load_scenario(path)

    def run_scenario(
        self, scenario: Any, seed: int, steps: int | None, outputs: tuple[str, ...] | None = None
    ) -> Any:
        """One run; ``outputs`` (the names the caller reads, None for all) goes to a model
        whose ``run_scenario`` takes it, so the run computes only those."""
        run = importlib.import_module(self.run_module).run_scenario
        if outputs is not None and "outputs" in inspect.signature(run).parameters:
            return run(scenario, seed=seed, steps=steps, outputs=outputs)
        return run(scenario, seed=seed, steps=steps)

    def branches(self) -> bool:
        """Does the model run a future's options together (``run_options``: the months
        they share once)? Asked of a model module of its own (the decision's), which the
        parent imports anyway; never imports the project's model into the parent."""
        if self.run_module != self.scenario_module:
            return False
        return hasattr(importlib.import_module(self.run_module), "run_options")

    def run_options(
        self, scenarios: list[Any], seed: int, steps: int | None, outputs: tuple[str, ...] | None
    ) -> list[Any]:
        """The runs of one future (one seed, every option), through the model's own
        ``run_options``."""
        run = importlib.import_module(self.run_module).run_options
        return list(run(scenarios, seed=seed, steps=steps, outputs=outputs))

    def import_all(self) -> None:
        """Import both modules now (run processes do this before their first run)."""
        for module in (self.scenario_module, self.run_module):
            importlib.import_module(module)


def load_model(name: str = DEFAULT_MODEL) -> ModelAPI:
    """The model's entry points (``"abm"`` is the project's own model); checks they exist."""
    api = ModelAPI("abm.scenario", "abm.run") if name == DEFAULT_MODEL else ModelAPI(name, name)
    module = importlib.import_module(api.scenario_module)
    if not hasattr(module, "load_scenario") or (
        api.run_module == name and not hasattr(module, "run_scenario")
    ):
        raise ImportError(f"{name} has no load_scenario and run_scenario functions")
    return api


@dataclass
class Outputs:
    """What one run contributes: final values, and optional per-step series."""

    finals: dict[str, float]
    steps: np.ndarray | None = None
    series: dict[str, np.ndarray] = field(default_factory=dict)


def outputs_read(keep: Metrics) -> tuple[str, ...] | None:
    """The output names a sweep keeps (every list of its ``metrics``); None when it keeps
    every model column (``final`` not given)."""
    if keep.final is None:
        return None
    lists = (keep.final, keep.regions, keep.series, keep.region_series, keep.district_series)
    return tuple(dict.fromkeys(name for names in lists for name in names))


def _numeric_columns(frame: pd.DataFrame, exclude: tuple[str, ...]) -> list[str]:
    return [
        c
        for c in frame.columns
        if c not in exclude and (is_numeric_dtype(frame[c]) or is_bool_dtype(frame[c]))
    ]


def _check(frame: pd.DataFrame, names: tuple[str, ...] | list[str], field_name: str) -> None:
    available = _numeric_columns(frame, ("step",))
    for name in names:
        if name not in available:
            raise MetricError(
                f"{field_name}: the model reports no numeric output {name!r}; "
                f"it reports: {', '.join(available)}"
            )


def extract(result: Any, keep: Metrics) -> Outputs:
    """Pick the kept metrics out of a run result (``.model`` and ``.regions`` frames)."""
    model: pd.DataFrame = result.model
    final_cols = list(keep.final) if keep.final is not None else None
    if final_cols is None:
        final_cols = _numeric_columns(model, ("step",))
    _check(model, final_cols, "metrics.final")
    last = model.iloc[-1]
    finals = {c: float(last[c]) for c in final_cols}

    regions: pd.DataFrame | None = getattr(result, "regions", None)
    region_cols = tuple(keep.regions) + tuple(keep.region_series)
    if region_cols and regions is not None and len(regions):
        _check(regions, region_cols, "metrics.regions")
        order = pd.unique(regions["region"])
        final_rows = regions[regions["step"] == regions["step"].max()].set_index("region")
        for col in keep.regions:
            for region in order:
                finals[f"{col}.{region}"] = float(final_rows.at[region, col])

    out = Outputs(finals)
    if keep.series or keep.region_series:
        _check(model, keep.series, "metrics.series")
        out.steps = model["step"].to_numpy(dtype=np.int64)
        for col in keep.series:
            out.series[col] = model[col].to_numpy(dtype=np.float64)
        if keep.region_series and regions is not None:
            for col in keep.region_series:
                wide = regions.pivot(index="step", columns="region", values=col)
                wide = wide.reindex(out.steps)
                for region in order:
                    out.series[f"{col}.{region}"] = wide[region].to_numpy(dtype=np.float64)
    if keep.district_series:
        _district_series(result, keep.district_series, out)
    return out


def _district_series(result: Any, names: tuple[str, ...], out: Outputs) -> None:
    """Per-step district columns as ``name.district`` (a district-free run reports none)."""
    districts: pd.DataFrame | None = getattr(result, "districts", None)
    if districts is None or not len(districts):
        return
    _check(districts, names, "metrics.district_series")
    if out.steps is None:
        out.steps = result.model["step"].to_numpy(dtype=np.int64)
    order = pd.unique(districts["district"])
    for col in names:
        wide = districts.pivot(index="step", columns="district", values=col).reindex(out.steps)
        for district in order:
            out.series[f"{col}.{district}"] = wide[district].to_numpy(dtype=np.float64)
