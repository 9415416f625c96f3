"""Calibration: fit behavioural parameters to observed series with ABC-SMC (pyabc),
running every simulation through the sweep engine; use the posterior everywhere.

From Python::

    from abm.calibrate import calibrate, load_posterior, draw_overrides
    calibrate("examples/calibrate/recovery.toml", out="results/recovery", workers=2)
    post = load_posterior("results/recovery")          # parameter columns + weight

See docs/calibration.md. Names are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "calibrate": "abm.calibrate.smc",
    "Calibrator": "abm.calibrate.smc",
    "draw_overrides": "abm.calibrate.posterior",
    "load_calibration_spec": "abm.calibrate.spec",
    "load_posterior": "abm.calibrate.posterior",
    "load_targets": "abm.calibrate.targets",
    "shipped_posterior": "abm.calibrate.posterior",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'abm.calibrate' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
