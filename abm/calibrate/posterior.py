"""A calibration's posterior as the rest of the tool uses it.

``abm run``, ``abm compare`` and ``abm sweep`` take ``--posterior DIR``: each run of an
ensemble then gets a parameter set drawn from the posterior as well as its own seed, so
bands show parameter uncertainty and not only seed noise.

The file is ``DIR/posterior.parquet``: one row per draw, a column per parameter named by
its dotted scenario key, and ``weight``. Draws are weighted, with replacement, from a
``numpy.random.Generator`` the caller seeds, so an ensemble repeats exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.errors import UsageError

POSTERIOR = "posterior.parquet"
SHIPPED = Path(__file__).resolve().parents[2] / "calibration" / "posterior"


def load_posterior(path: str | Path) -> pd.DataFrame:
    """The posterior of a calibration folder (or of a posterior.parquet file), checked.

    Returns the parameter columns and ``weight`` (normalised to sum to 1).
    """
    path = Path(path)
    file = path / POSTERIOR if path.is_dir() else path
    where = f"--posterior {path}"
    if not file.is_file():
        raise UsageError(f"{where}: no {POSTERIOR} (the --out folder of abm calibrate)")
    try:
        frame = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises several kinds for a bad file
        raise UsageError(f"{where}: cannot read {file.name}: {exc}") from None
    if "weight" not in frame.columns:
        raise UsageError(f"{where}: {file.name} has no weight column")
    keys = [c for c in frame.columns if c != "weight"]
    if not keys or len(frame) == 0:
        raise UsageError(f"{where}: {file.name} holds no parameter draws")
    bad = [k for k in keys if "." not in k or not pd.api.types.is_numeric_dtype(frame[k])]
    if bad:
        raise UsageError(f"{where}: column {bad[0]!r} is not a numeric dotted parameter key")
    w = frame["weight"].to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise UsageError(f"{where}: weights must be finite, >= 0 and not all 0")
    frame = frame[keys].copy()
    frame["weight"] = w / w.sum()
    return frame.reset_index(drop=True)


def parameter_keys(posterior: pd.DataFrame) -> list[str]:
    return [c for c in posterior.columns if c != "weight"]


def draw_overrides(
    posterior: pd.DataFrame, n: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """``n`` parameter sets drawn by weight (with replacement), as ``--set`` overrides.

    Values keep their column's type (integers stay integers).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    keys = parameter_keys(posterior)
    index = rng.choice(len(posterior), size=n, replace=True, p=posterior["weight"].to_numpy())
    out = []
    for i in index:
        row = posterior.iloc[int(i)]
        out.append({k: _plain(row[k], posterior[k].dtype) for k in keys})
    return out


def _plain(value: Any, dtype: Any) -> Any:
    if pd.api.types.is_integer_dtype(dtype):
        return int(value)
    return float(value)


def posterior_rng(seed: int) -> np.random.Generator:
    """The generator of posterior draws for an ensemble whose base seed is ``seed``
    (its own stream: it does not shift the runs' seeds)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(7,))))


def shipped_posterior() -> pd.DataFrame | None:
    """The posterior sample the repository ships (calibration/posterior/), or None when
    absent. The app's Compare uses it by default once the calibration is committed."""
    if not (SHIPPED / POSTERIOR).is_file():
        return None
    return load_posterior(SHIPPED)


def posterior_overrides(path: str | Path, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` parameter sets from the posterior in ``path`` for an ensemble seeded ``seed``:
    what ``abm run`` and ``abm compare --posterior`` apply (draw i goes with seed i)."""
    return draw_overrides(load_posterior(path), n, posterior_rng(seed))


def with_posterior(spec: Any, path: str | Path) -> Any:
    """A sweep spec whose every run also draws a parameter set from the posterior.

    The draw is made inside the run from the run's own seed (see
    :mod:`abm.calibrate.posterior_model`), so it is reproducible, independent of workers
    and engine, and, with common random numbers, replication r uses the same parameter
    set at every setting: differences between settings are not blurred by parameters.
    Posterior keys the sweep varies itself are left to the sweep.
    """
    import dataclasses

    from abm.calibrate.posterior_model import PosteriorScenario

    posterior = load_posterior(path)
    varied = set(spec.varied) | {f.key for f in spec.fixed}
    keep = [k for k in parameter_keys(posterior) if k not in varied]
    if not keep:
        raise UsageError(f"--posterior {path}: the sweep sets every parameter of the posterior")
    table = posterior[[*keep, "weight"]]
    base = PosteriorScenario(spec.base, tuple(keep), tuple(map(tuple, table.to_numpy())))
    try:
        base.check()
    except Exception as exc:
        raise UsageError(f"--posterior {path}: {exc}") from None
    return dataclasses.replace(spec, base=base, model="abm.calibrate.posterior_model")
