"""Run a scenario to the end; write model.parquet, regions.parquet, districts.parquet and
summary.json."""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from abm import __version__
from abm.model import RegionalModel
from abm.scenario import Scenario

OUTPUT_FILES = ("model.parquet", "regions.parquet", "districts.parquet", "summary.json")


@dataclass
class RunResult:
    """Everything one run produced: per-step tables and a final summary."""

    model: pd.DataFrame
    regions: pd.DataFrame
    summary: dict[str, Any]
    districts: pd.DataFrame | None = None


def run_scenario(
    scenario: Scenario, seed: int | None = None, steps: int | None = None
) -> RunResult:
    """Build the model, step it ``steps`` months (default: the scenario's) and collect results."""
    if steps is not None and steps != scenario.steps:
        scenario = scenario.with_overrides({"scenario.steps": steps})
    seed = scenario.seed if seed is None else seed
    model = RegionalModel(scenario, rng=seed)
    for _ in range(scenario.steps):
        model.step()
    model_df, regions_df = model.history()
    return RunResult(model_df, regions_df, summarise(model, seed), model.district_history())


def summarise(model: RegionalModel, seed: int) -> dict[str, Any]:
    """The final state as plain JSON-ready data."""
    scenario = model.config
    final = model.model_record()
    regions = model.region_records()
    return _clean(
        {
            "scenario": scenario.name,
            "source": scenario.source,
            "seed": int(seed),
            "steps": int(model.steps),
            "start": scenario.scenario.start,
            "end": final["date"].strftime("%Y-%m"),
            "firms_per_agent": 1.0 / scenario.scale,
            "firm_share": {r["region"]: r["firm_share"] for r in regions},
            "regions": {
                rid: {"name": scenario.regions[rid].name, "name_ko": scenario.regions[rid].name_ko}
                for rid in model.region_ids
            },
            "final": {k: v for k, v in final.items() if k != "date"},
            "final_regions": {
                r["region"]: {k: v for k, v in r.items() if k not in ("region", "date", "step")}
                for r in regions
            },
            "relocations": {f"{a}->{b}": n for (a, b), n in model.relocations_matrix().items()},
            "version": __version__,
        }
    )


def _clean(value: Any) -> Any:
    """NaN and infinities become null; numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _districts(result: RunResult) -> pd.DataFrame:
    if result.districts is not None:
        return result.districts
    from abm import outputs

    return pd.DataFrame(columns=outputs.names(outputs.DISTRICT))


def write_outputs(result: RunResult, out_dir: str | Path) -> list[Path]:
    """Write the three output files atomically (temp file, then rename) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, writer in (
        ("model.parquet", lambda p: result.model.to_parquet(p, index=False)),
        ("regions.parquet", lambda p: result.regions.to_parquet(p, index=False)),
        ("districts.parquet", lambda p: _districts(result).to_parquet(p, index=False)),
        (
            "summary.json",
            lambda p: Path(p).write_text(
                json.dumps(result.summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                encoding="utf-8",
            ),
        ),
    ):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
        os.close(fd)
        try:
            writer(tmp)
            os.replace(tmp, out / name)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(out / name)
    return written
