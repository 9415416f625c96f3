"""Objectives: how one number per run is read from the model's outputs.

An objective is a *term* (an output, optionally summed over a group of regions, read at
a month or accumulated up to it), optionally divided by another term (``per``), with a
direction and an optional satisficing threshold. Output names are the declarations of
:mod:`abm.outputs` (for the project's model), plus a small declared set of derived model
outputs (:data:`DERIVED`), so "public cost per non-capital job" is
``public_cost_cum`` per the change of ``employment`` over the non-capital regions.

Objectives are evaluated inside the run process (see :mod:`abm.decide.model`), so a
decision stores one float per run and objective, not whole series.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

AGGREGATES = ("value", "cumulative", "change")
DIRECTIONS = ("max", "min")

# Derived model outputs: name -> (label, unit, the declared model columns summed).
DERIVED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "public_cost": (
        "Public cost (spending + tax expenditure)",
        "KRW/month",
        ("public_spending", "tax_expenditure"),
    ),
    "public_cost_cum": (
        "Public cost, cumulative (spending + tax expenditure)",
        "KRW",
        ("public_spending_cum", "tax_expenditure_cum"),
    ),
}

# Region outputs that may be summed over a group of regions: additive kinds, plus the
# firm share (its denominator is national, so shares of regions add up).
ADDITIVE_KINDS = ("count", "money", "gpus")
ADDITIVE_SHARES = ("firm_share",)


@dataclass(frozen=True)
class Term:
    """An output read from one run: ``regions`` None means a model-scope output."""

    output: str
    regions: tuple[str, ...] | None
    at: int  # the step (month) it is read at
    aggregate: str = "value"  # value at ``at`` | cumulative: sum of steps since+1..at |
    # change: value at ``at`` minus value at ``since``
    since: int = 0  # the step before the first month counted (0 = the run's start)

    def describe(self) -> str:
        where = "" if self.regions is None else f" over {', '.join(self.regions)}"
        how = {"value": "", "cumulative": "cumulative ", "change": "change in "}[self.aggregate]
        return f"{how}{self.output}{where}"


@dataclass(frozen=True)
class Objective:
    """A number to maximise or minimise, read from every run."""

    name: str
    label: str
    unit: str
    term: Term
    per: Term | None
    direction: str
    threshold: float | None
    at_label: str  # the month (or step) as the spec gave it, for reports

    @property
    def sign(self) -> float:
        """+1 when larger is better: ``sign * value`` is always to be maximised."""
        return 1.0 if self.direction == "max" else -1.0

    def meets(self, value: np.ndarray) -> np.ndarray:
        """Which values meet the satisficing threshold."""
        assert self.threshold is not None
        return value >= self.threshold if self.direction == "max" else value <= self.threshold

    def to_dict(self) -> dict[str, Any]:
        def term(t: Term | None) -> dict[str, Any] | None:
            if t is None:
                return None
            regions = None if t.regions is None else list(t.regions)
            return {
                "output": t.output,
                "regions": regions,
                "step": t.at,
                "aggregate": t.aggregate,
                "since": t.since,
            }

        return {
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "direction": self.direction,
            "threshold": self.threshold,
            "at": self.at_label,
            "term": term(self.term),
            "per": term(self.per),
        }


class MissingOutput(Exception):
    """A run lacks a column an objective reads (an older model, or another model)."""


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(np.float64)
    if name in DERIVED and all(c in frame.columns for c in DERIVED[name][2]):
        parts = [frame[c].astype(np.float64) for c in DERIVED[name][2]]
        return functools.reduce(operator.add, parts)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    raise MissingOutput(f"the model reports no output {name!r}; it reports: {', '.join(numeric)}")


def series(result: Any, term: Term) -> pd.Series:
    """The term's output by step (summed over its regions for region outputs)."""
    if term.regions is None:
        frame = result.model
        return pd.Series(_column(frame, term.output).to_numpy(), index=frame["step"].to_numpy())
    regions: pd.DataFrame = result.regions
    missing = [r for r in term.regions if r not in set(regions["region"])]
    if missing:
        raise MissingOutput(f"the model has no region {missing[0]!r}")
    rows = regions[regions["region"].isin(term.regions)]
    values = _column(rows, term.output)
    return values.groupby(rows["step"].to_numpy()).sum()


def read(result: Any, term: Term) -> float:
    """The term's value in one run. A run shorter than ``term.at`` is read at its end
    (only the one-step trial run that checks the outputs is ever that short)."""
    by_step = series(result, term)
    at = min(term.at, int(by_step.index.max()))
    if term.aggregate == "value":
        return float(by_step.loc[at])
    since = min(term.since, at)
    if term.aggregate == "change":
        base = by_step.loc[since] if since in by_step.index else by_step.iloc[0]
        return float(by_step.loc[at] - base)
    return float(by_step[(by_step.index > since) & (by_step.index <= at)].sum())


def evaluate(result: Any, objective: Objective) -> float:
    """The objective's value in one run.

    A ratio is undefined (NaN) when its denominator is not positive: "public cost per job
    gained" has no meaning in a future where no job was gained, and a negative ratio would
    pass for the cheapest option. Such futures leave the objective's comparison (counted).
    """
    value = read(result, objective.term)
    if objective.per is None:
        return value
    denominator = read(result, objective.per)
    if not (math.isfinite(denominator) and denominator > 0):
        return math.nan
    return value / denominator
