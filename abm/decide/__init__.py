"""Decision analysis: which option wins, with what probability, and under which conditions.

``abm decide SPEC.toml --out DIR`` runs every option of a decision (scenario files or
``set`` overrides of a base) on the same futures (parameter draws from a calibration
posterior and Latin-hypercube samples of deep-uncertainty ranges, times seeds: common
random numbers), through the sweep engine, and reports for each option and objective the
outcome bands, the probability of being best, regret, satisficing robustness, and the
parameter ranges under which each leading option wins (PRIM scenario discovery).

From Python::

    from abm.decide import decide, load_decision
    folder = decide("examples/decide_sites.toml", out="results/decide_sites", workers=2)

See docs/decisions.md for the spec and the method. Names are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DecisionSpec": "abm.decide.spec",
    "load_decision": "abm.decide.spec",
    "decide": "abm.decide.run",
    "run_decision": "abm.decide.run",
    "analyze_decision": "abm.decide.analysis",
    "write_report": "abm.decide.report",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'abm.decide' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
