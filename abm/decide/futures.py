"""The futures of a decision: weighted posterior draws joined with Latin-hypercube samples
of the deep-uncertainty ranges, each batch from its own seeded streams. What the decision
spec's reader (abm/decide/spec.py) checked, this samples; abm/decide/batches.py draws each
batch's futures here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from abm.sweep.spec import Range

WEIGHT = "weight"  # the posterior's column of weights
# spawn keys under the seeds' root seed (the sweep uses 0, 1 and 2)
_POSTERIOR_KEY, _LHS_KEY = 10, 11


def plain(value: Any) -> Any:
    """numpy scalars as Python values (scenario validation and JSON want those)."""
    return value.item() if isinstance(value, np.generic) else value


def draws(
    frame: pd.DataFrame | None, ranges: tuple[Range, ...], n: int, root: int, batch: int = 0
) -> tuple[dict[str, Any], ...]:
    """The parameter sets of the futures: weighted posterior rows joined with LHS samples.
    Batch ``b`` of a sequential decision draws from its own streams (batch 0 from those
    of a decision in one batch, so a finished decision can be continued)."""
    tail = () if batch == 0 else (batch,)
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    if frame is not None:
        weights = frame[WEIGHT].to_numpy(dtype=np.float64)
        rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(_POSTERIOR_KEY, *tail)))
        rows = rng.choice(len(frame), size=n, replace=True, p=weights / weights.sum())
        params = [c for c in frame.columns if c != WEIGHT]
        for d, row in enumerate(rows):
            out[d].update({c: plain(frame[c].iloc[int(row)]) for c in params})
    if ranges:
        from scipy.stats import qmc

        rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(_LHS_KEY, *tail)))
        unit = qmc.LatinHypercube(d=len(ranges), rng=rng).random(n)
        for d in range(n):
            out[d].update({r.key: _at(r, float(unit[d, j])) for j, r in enumerate(ranges)})
    return tuple(out)


def _at(r: Range, unit: float) -> int | float:
    """The value of a range at a coordinate in [0, 1) (integers: every one equally wide)."""
    low, high = r.bounds()
    return r.to_value(low + unit * (high - low))
