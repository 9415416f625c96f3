"""Experimental designs: where in the parameter ranges the sweep puts its points.

Each design returns a matrix with one row per design point and one column per
range parameter, in the parameter's own units (integer ranges are continuous
over ``[low, high + 1)`` and floored when a run is built; see
:meth:`abm.sweep.spec.Range.to_value`). Sensitivity designs come from SALib so
that its analysers read them back unchanged; Latin hypercubes from scipy.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from abm.sweep.spec import Design, Range


def salib_problem(ranges: tuple[Range, ...]) -> dict:
    """The SALib problem definition for the range parameters (shared by sampler and analyser)."""
    return {
        "num_vars": len(ranges),
        "names": [r.key for r in ranges],
        "bounds": [list(r.bounds()) for r in ranges],
    }


def n_points(design: Design, ranges: tuple[Range, ...]) -> int:
    """How many points a design has, without building it."""
    d = len(ranges)
    if design.method == "grid":
        return math.prod(r.num or 1 for r in ranges)
    assert design.samples is not None
    if design.method == "sobol":
        return design.samples * (2 * d + 2 if design.second_order else d + 2)
    if design.method == "morris":
        return design.samples * (d + 1)
    return design.samples


def sample(design: Design, ranges: tuple[Range, ...], seed: int) -> np.ndarray:
    """Build the design matrix (points x ranges); deterministic for a given seed."""
    d = len(ranges)
    if design.method == "grid":
        axes = [
            np.round(np.linspace(r.low, r.high, r.num or 1))
            if r.integer
            else np.linspace(r.low, r.high, r.num or 1)
            for r in ranges
        ]
        if not axes:
            return np.zeros((1, 0))
        return np.array(list(itertools.product(*axes)), dtype=np.float64)
    n = design.samples
    assert n is not None
    bounds = np.array([r.bounds() for r in ranges], dtype=np.float64)
    low, width = bounds[:, 0], bounds[:, 1] - bounds[:, 0]
    if design.method == "random":
        unit = np.random.default_rng(seed).random((n, d))
        return low + unit * width
    if design.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
        return low + unit * width
    problem = salib_problem(ranges)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if design.method == "sobol":
            from SALib.sample import sobol

            return sobol.sample(problem, n, calc_second_order=design.second_order, seed=seed)
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=design.levels, seed=seed)
