"""Headless parameter sweeps: resumable, streaming to Parquet, local or on a Dask cluster.

From Python (a notebook)::

    from abm.sweep import sweep, load_results, analyze
    folder = sweep("examples/center_sites.toml", out="results/sites", workers=2)
    runs = load_results(folder)          # one row per run, sorted by run_id
    analysis = analyze(folder)           # bands and sensitivity indices

See docs/sweeps.md for the spec format and the results folder. Names are
imported on first use, so ``abm`` commands that do not sweep stay quick to start.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "analyze": "abm.sweep.analysis",
    "load_results": "abm.sweep.store",
    "load_series": "abm.sweep.store",
    "load_spec": "abm.sweep.spec",
    "run_sweep": "abm.sweep.runner",
    "SpecError": "abm.sweep.spec",
    "sweep": "abm.sweep.runner",
    "SweepSpec": "abm.sweep.spec",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'abm.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
