"""Where the variance of a paired difference comes from: seeds, calibrated parameters
(posterior draws), deep-uncertainty ranges, and what only their combination explains.

A decision's futures are *nested*: each parameter draw (a posterior row joined with a
Latin-hypercube row) runs with the same number of seeds. So the variance of a paired
difference ``D = A - B`` splits, without any model, into

* **seeds**: the variance between the seeds of one draw (the within-draw mean square
  of a one-way random-effects ANOVA on the draws: its method-of-moments estimator,
  unbiased for unequal seeds per draw too, Searle, Casella and McCulloch 1992, ch. 3);
* **parameters**: the variance between draws' true means, ``(MSB - MSW) / n0``.

The parameters' part splits further into the first-order effects of the two groups,
``Var(E[D | posterior])`` and ``Var(E[D | ranges])``, and the rest (their interaction).
A nested design cannot give those directly: each draw pairs one posterior row with one
hypercube row, so the groups are never crossed. A crossed design (every posterior row
with every range row, each with seeds) would cost the product of the two counts in runs;
instead the first-order effects are variance-based estimates from the runs already made,
the variance of the regression of the draws' means on each group: the same regressions
that give the value of information (:mod:`abm.decide.voi`, Strong, Oakley and Brennan
2014), so the two figures agree by construction. With one seed per draw the seeds
cannot be told from the interaction, and the table says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Anova:
    """One-way random-effects components of ``D`` by draw."""

    between: float  # variance of the draws' true means (parameters)
    within: float | None  # variance between seeds of a draw (None: one seed per draw)
    total: float


def anova(diff: np.ndarray, draws: np.ndarray) -> Anova:
    """Between-draw and within-draw (seed) variance components of ``diff``."""
    diff = np.asarray(diff, dtype=np.float64)
    _, index = np.unique(draws, return_inverse=True)
    g, n = int(index.max()) + 1, len(diff)
    counts = np.bincount(index, minlength=g).astype(np.float64)
    means = np.bincount(index, weights=diff, minlength=g) / counts
    grand = float(diff.mean())
    if n == g or g < 2:  # one seed per draw, or one draw: no replication to separate
        total = float(diff.var(ddof=1)) if n > 1 else math.nan
        return Anova(total if g >= 2 else 0.0, None if g >= 2 else total, total)
    msw = float(np.sum((diff - means[index]) ** 2)) / (n - g)
    msb = float(np.sum(counts * (means - grand) ** 2)) / (g - 1)
    n0 = (n - float(np.sum(counts**2)) / n) / (g - 1)
    between = max((msb - msw) / n0, 0.0)
    return Anova(between, msw, between + msw)


def shares(
    diff: np.ndarray,
    draws: np.ndarray,
    explained: dict[str, np.ndarray],
    draw_weights: np.ndarray,
) -> dict[str, float | None]:
    """Shares of ``Var(D)``: ``seeds``, each group of ``explained`` (name -> the fitted
    ``E[D | group]`` at each draw, in draw order), and ``other``: the parameters' variance
    no single group explains (their interactions; all of it when no group was fitted).
    They add up to 1. With one seed per draw, ``seeds`` is None and ``other`` holds the
    seeds' variance too."""
    a = anova(diff, draws)
    out: dict[str, float | None] = {"variance": a.total}
    if not a.total > 0:
        return out | {"seeds": None, "other": None} | dict.fromkeys(explained)
    w = draw_weights / draw_weights.sum()
    first = {name: float(w @ (f - w @ f) ** 2) for name, f in explained.items()}
    # the parameters' variance bounds what its groups explain (sampling noise aside)
    bound = a.between if a.within is not None else a.total
    explained_sum = sum(first.values())
    if explained_sum > bound > 0:
        first = {k: v * bound / explained_sum for k, v in first.items()}
    elif bound <= 0:
        first = dict.fromkeys(first, 0.0)
    rest = max(bound - sum(first.values()), 0.0)
    out["seeds"] = None if a.within is None else a.within / a.total
    out.update({name: v / a.total for name, v in first.items()})
    out["other"] = rest / a.total
    return out
