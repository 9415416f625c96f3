"""Model runs done in the background workers (:mod:`viz.background`) for the page.

Kept apart from the views so that a worker imports the model and pandas only (no Solara,
no Altair): a worker's start-up is the model's. Every run goes through
:func:`abm.run.run_scenario`, the entry point of ``abm run``, so the page's comparison
and ensemble give what the command line gives for the same scenario and seed.
"""

from __future__ import annotations

import pandas as pd

from abm.scenario import Scenario


def month_text(dates: pd.Series) -> pd.Series:
    """ "YYYY-MM" of each date of a recorded table (the ``date`` column)."""
    return pd.to_datetime(dates).dt.strftime("%Y-%m")


def run_tables(
    scenario: Scenario, seed: int, steps: int, regions: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One run's model table (and region table), each with a "month" column."""
    from abm.run import run_scenario

    result = run_scenario(scenario, seed=seed, steps=steps)
    model = result.model.assign(month=month_text(result.model["date"]))
    if not regions:
        return model, None
    table = result.regions.assign(month=month_text(result.regions["date"]))
    return model, table
