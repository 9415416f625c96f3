"""A test model with known answers, with the interface of :mod:`abm.sweep.toy`.

Its scenario is the toy model's (same fields and validation); its outputs are planted:

* ``dominant``: the capital option is best in every future (10 against at most 2);
* ``planted``: daegu (2) beats gwangju (1) exactly inside the box
  ``params.pull > 3 and params.growth < 0.3`` and loses (0) outside; capital gets -1;
* ``tied``: every option 0 on average, with noise of sd 1 of its own (a stream of the
  seed and the site): equal options that only enough futures tell apart as equal.

Seeds add noise far smaller than the gaps, so the answers hold in every future while the
runs still depend on the seed (common random numbers are exercised). ``params.work``
burns CPU as in the toy model (for the kill test); ``params.mode = "fail"`` raises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm.sweep.toy import REGIONS, ToyResult, ToyScenario, _burn, load_scenario

__all__ = ["load_scenario", "run_scenario"]

IN_BOX = {"pull": 3.0, "growth": 0.3}


def in_box(pull: float, growth: float) -> bool:
    return pull > IN_BOX["pull"] and growth < IN_BOX["growth"]


def run_scenario(scenario: ToyScenario, seed: int | None = None, steps: int | None = None):
    p = scenario.data["params"]
    site = scenario.data["centers"]["site"]
    steps = scenario.steps if steps is None else steps
    if p["mode"] == "fail":
        raise RuntimeError("planted model failed as asked")
    rng = np.random.default_rng(seed)
    planted = {
        "capital": -1.0,
        "daegu": 2.0 if in_box(p["pull"], p["growth"]) else 0.0,
        "gwangju": 1.0,
        "jeonnam": 0.5,
    }[site]
    dominant = 10.0 if site == "capital" else planted
    own = np.random.default_rng([seed or 0, REGIONS.index(site)])
    rows, regions = [], []
    for step in range(1, steps + 1):
        _burn(int(p["work"]))
        noise = rng.normal(0.0, 0.01, 2)
        rows.append(
            {
                "step": step,
                "dominant": dominant + noise[0],
                "planted": planted + noise[1],
                "tied": own.normal(0.0, 1.0),
            }
        )
        for region in REGIONS:
            regions.append({"step": step, "region": region, "firms": float(region == site)})
    return ToyResult(pd.DataFrame(rows), pd.DataFrame(regions), {})
