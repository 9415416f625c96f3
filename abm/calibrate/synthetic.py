"""Synthetic targets: what the model itself produced at known parameter values.

Parameter recovery (tests/calibrate, benchmarks/bench_calibrate.py) runs the model at
"true" values, records the statistics a targets file describes, and calibrates on
them: a method that cannot find values it was given the outputs of cannot be trusted
with real data. The observed values are marked ``synthetic``; their sd is a share of
the value (default 10 %).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np

from abm.calibrate.targets import Target, TargetSet, load_targets
from abm.dates import add_months

# (id, output, scope, region, statistic, months before the end for `date`, window, denominator)
DEFAULT_TEMPLATE: tuple[tuple[Any, ...], ...] = (
    ("firms_end", "firms", "model", None, "value", 0, None, None),
    ("birth_rate", "entries", "model", None, "annual_rate", 0, None, "firms"),
    ("death_rate", "exits", "model", None, "annual_rate", 0, None, "firms"),
    ("oversubscription", "oversubscription", "model", None, "mean", 0, 12, None),
    ("capital_share", "capital_share", "model", None, "value", 0, None, None),
    ("gwangju_firms", "firms", "region", "gwangju", "value", 0, None, None),
    ("daegu_firms", "firms", "region", "daegu", "value", 0, None, None),
)


def template_targets(start: dt.date, steps: int, relative_sd: float = 0.1) -> dict[str, Any]:
    """A targets table (observed values to be filled in) for a run from ``start``."""
    end = add_months(start, steps - 1)
    table: dict[str, Any] = {}
    for tid, output, scope, region, stat, back, window, denom in DEFAULT_TEMPLATE:
        date = add_months(end, -back)
        entry: dict[str, Any] = {
            "observed": 1.0,
            "unit": "",
            "date": f"{date:%Y-%m}",
            "statistic": stat,
            "output": output,
            "scope": scope,
            "uncertainty": {"relative": relative_sd, "why": "synthetic: a share of the value"},
            "definition": f"synthetic: {stat} of {output}",
            "source": "synthetic (a model run at known parameter values)",
            "mark": "synthetic",
        }
        if region:
            entry["region"] = region
        if denom:
            entry["denominator"] = denom
        if window:
            entry["start"] = f"{add_months(date, -(window - 1)):%Y-%m}"
        table[tid] = entry
    return {"meta": {"description": "synthetic targets"}, "targets": table}


def observe(
    targets: TargetSet, scenario: Any, seed: int, replications: int = 1
) -> dict[str, float]:
    """The targets' statistics of the model at ``scenario`` (mean over replications)."""
    from abm.run import run_scenario

    values: dict[str, list[float]] = {t.id: [] for t in targets}
    for r in range(replications):
        result = run_scenario(scenario, seed=seed + r)
        series = _series(result)
        steps = result.model["step"].to_numpy()
        for t in targets:
            values[t.id].append(t.compute(steps, series, scenario.start))
    return {k: float(np.mean(v)) for k, v in values.items()}


def _series(result: Any) -> dict[str, np.ndarray]:
    out = {
        c: result.model[c].to_numpy(dtype=float)
        for c in result.model.columns
        if c not in ("step", "date") and result.model[c].dtype.kind in "biuf"
    }
    regions = result.regions
    for c in regions.columns:
        if c in ("step", "date", "region") or regions[c].dtype.kind not in "biuf":
            continue
        wide = regions.pivot(index="step", columns="region", values=c)
        for region in wide.columns:
            out[f"{c}.{region}"] = wide[region].to_numpy(dtype=float)
    return out


def synthetic_targets(
    scenario: Any,
    truth: Mapping[str, float],
    seed: int,
    relative_sd: float = 0.1,
    template: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A targets table whose observed values are the model's at ``truth`` (one run)."""
    table = template or template_targets(scenario.start, scenario.steps, relative_sd)
    targets = load_targets(table, "<synthetic>")
    observed = observe(targets, scenario.with_overrides(dict(truth)), seed)
    for tid, value in observed.items():
        entry = table["targets"][tid]
        entry["observed"] = value
        # a share of the value, at least a small absolute floor (a rate can be 0 in a short run)
        floor = _FLOORS.get(entry.get("statistic", "value"), 0.5)
        entry["uncertainty"] = {
            "sd": max(relative_sd * abs(value), floor),
            "why": f"synthetic: {relative_sd:.0%} of the value, at least {floor:g}",
        }
    return table


_FLOORS = {"annual_rate": 0.005, "growth": 0.005}


def to_toml(table: dict[str, Any]) -> str:
    """A targets table as TOML text (strings, numbers, booleans and one level of inline
    tables: what targets files hold)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = []
    if "meta" in table:
        lines += ["[meta]", *(f"{k} = {value(v)}" for k, v in table["meta"].items()), ""]
    for tid, entry in table["targets"].items():
        lines += [f"[targets.{tid}]", *(f"{k} = {value(v)}" for k, v in entry.items()), ""]
    return "\n".join(lines)


__all__ = ["Target", "observe", "synthetic_targets", "template_targets", "to_toml"]
