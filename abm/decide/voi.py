"""Value of information: which uncertainty, if resolved, would change the choice, and
what knowing it would be worth, in the objective's units.

The expected value of partial perfect information (EVPPI) of a parameter (or a group of
parameters) ``phi`` is what deciding *after* learning ``phi`` gains over deciding now:

    EVPPI(phi) = E_phi[ max_d E(NB_d | phi) ] - max_d E(NB_d)

where ``NB_d`` is option ``d``'s net benefit: the objective oriented so that more is
better (the value for ``max``, minus the value for ``min``). It is estimated from the
decision's own runs by the nonparametric regression method of Strong, Oakley and Brennan
(2014, Medical Decision Making 34(3):311-326): regress each option's incremental net
benefit (against the option best on average) on ``phi``; the fitted values estimate
``E(NB_d - NB_base | phi)`` at every sampled ``phi``, and the formula is applied to
them. No nested simulation: the runs already made are enough.

**Regressions.** The unit is the parameter draw (its futures, the seeds, are averaged and
weigh as many): seeds are noise that no information resolves.

* one parameter: a cubic smoothing spline whose penalty is chosen by generalised
  cross-validation (:func:`scipy.interpolate.make_smoothing_spline`): a GAM with one
  smooth term, what Strong et al. use for a single parameter (mgcv's ``gam(y ~ s(x))``,
  also GCV); a parameter with fewer than 5 distinct values gets the mean at each value;
* a group: a Gaussian process with one length scale per parameter and a noise term,
  hyperparameters by maximum marginal likelihood (:func:`_gp`, on scipy), Strong et al.'s
  method for groups: it captures interactions between the group's parameters, which an
  additive model would miss.

**Noise floor.** Regression on a finite sample finds a little structure in noise, so an
estimate is never exactly 0. The floor is the mean EVPPI of a few *placebo* parameters
(uniform numbers unrelated to the runs) fitted the same way: an EVPPI near the floor is
noise. EVPPI is at most the EVPPI of all parameters together (the value of perfect
information on the parameters; seeds are not information anyone can buy).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

MIN_SPLINE_LEVELS = 5  # make_smoothing_spline needs 5 distinct abscissas
SPLINE_BINS = 100
MIN_DRAWS = 8  # fewer draws: no regression is worth reporting
PLACEBOS = 5


# ---------------------------------------------------------------------- regressions
def _smooth_1d(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Fitted E[y | x] at each x: a GCV smoothing spline on weighted means of equal x (a
    posterior row drawn twice, an integer range), or of :data:`SPLINE_BINS` bins of equal
    count when there are more distinct x (a knot at every one of thousands of close x is
    ill-conditioned in scipy's solver); the mean at each x if there are fewer than 5."""
    from scipy.interpolate import make_smoothing_spline

    levels, index = np.unique(x, return_inverse=True)
    if len(levels) > SPLINE_BINS:
        edges = np.quantile(x, np.linspace(0.0, 1.0, SPLINE_BINS + 1)[1:-1])
        index = np.searchsorted(edges, x, side="right")
    k = int(index.max()) + 1
    weight = np.bincount(index, weights=w, minlength=k)
    means = np.bincount(index, weights=w * y, minlength=k) / weight
    if k < MIN_SPLINE_LEVELS:
        return means[index]
    at = np.bincount(index, weights=w * x, minlength=k) / weight
    low, span = at[0], at[-1] - at[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spline = make_smoothing_spline((at - low) / span, means, w=weight / weight.mean())
    except (ValueError, np.linalg.LinAlgError):  # an ill-posed GCV search: a GP instead
        return _gp(x[:, None], y, w)
    return np.asarray(spline((x - low) / span), dtype=np.float64)


def _gp(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Fitted E[y | x] by a Gaussian process: squared-exponential kernel with one length
    scale per parameter (on parameters scaled to [0, 1]) plus white noise, hyperparameters
    by maximum marginal likelihood (Rasmussen and Williams 2006, ch. 2 and 5: Cholesky
    solve, L-BFGS-B from fixed starting values, so deterministic); the posterior mean at
    the sampled x. (The draws weigh alike: a decision gives every draw the same seeds, so
    their means are equally noisy; ``w`` only sets a constant fallback.)

    Written on scipy rather than imported: scikit-learn's ``GaussianProcessRegressor``
    gives the same fit but would add 50 MB to a runtime install for these 30 lines."""
    from scipy.linalg import cho_factor, cho_solve
    from scipy.optimize import minimize

    low, high = x.min(axis=0), x.max(axis=0)
    u = (x - low) / np.where(high > low, high - low, 1.0)
    scale = float(np.std(y))
    if not scale > 0:
        return np.full(len(y), float(np.average(y, weights=w)))
    z = (y - y.mean()) / scale
    sq = (u[:, None, :] - u[None, :, :]) ** 2  # n x n x k squared distances
    n, k = u.shape

    def kernel(theta: np.ndarray) -> np.ndarray:
        signal, lengths = np.exp(theta[0]), np.exp(theta[1 : 1 + k])
        return signal * np.exp(-0.5 * (sq / lengths**2).sum(axis=2))

    def nll(theta: np.ndarray) -> float:
        matrix = kernel(theta) + (np.exp(theta[-1]) + 1e-8) * np.eye(n)
        try:
            factor = cho_factor(matrix, lower=True)
        except np.linalg.LinAlgError:
            return 1e25
        alpha = cho_solve(factor, z)
        return float(0.5 * z @ alpha + np.log(np.diag(factor[0])).sum())

    start = np.concatenate([[0.0], np.zeros(k), [np.log(0.1)]])
    bounds = [(np.log(1e-3), np.log(1e3))] + [(np.log(1e-2), np.log(1e2))] * k
    bounds += [(np.log(1e-6), np.log(1e1))]
    theta = minimize(nll, start, method="L-BFGS-B", bounds=bounds).x
    noise = (np.exp(theta[-1]) + 1e-8) * np.eye(n)
    cross = kernel(theta)
    mean = cross @ cho_solve(cho_factor(cross + noise, lower=True), z)
    return np.asarray(y.mean() + scale * mean, dtype=np.float64)


def conditional_mean(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """E[y | x] at the sampled x: a spline for one parameter, a GP for several."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
    if x.shape[1] == 1:
        return _smooth_1d(x[:, 0], y, w)
    return _gp(x, y, w)


# ---------------------------------------------------------------------- EVPPI
def evppi_from_fits(fitted: np.ndarray, w: np.ndarray) -> float:
    """Strong et al.'s estimator from fitted conditional means (draws x options):
    ``mean(max_d g_d) - max_d mean(g_d)``, weighted; >= 0 by Jensen's inequality."""
    w = w / w.sum()
    return float(max(w @ fitted.max(axis=1) - (w @ fitted).max(), 0.0))


def incremental_fits(nb: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Fitted ``E(NB_d - NB_base | x)`` at every draw (draws x options; the base column,
    the option best on average, is 0). The fitted difference of two options is the
    difference of their columns (what :mod:`abm.decide.variance` reads)."""
    base = int(np.argmax(w @ nb))
    fitted = np.zeros_like(nb)
    for d in range(nb.shape[1]):
        if d != base:
            fitted[:, d] = conditional_mean(x, nb[:, d] - nb[:, base], w)
    return fitted


def evppi(nb: np.ndarray, x: np.ndarray, w: np.ndarray | None = None) -> float:
    """EVPPI of the parameters ``x`` (draws x k, or draws) for the net benefits ``nb``
    (draws x options, oriented: more is better), in the net benefit's units."""
    nb = np.asarray(nb, dtype=np.float64)
    w = np.ones(len(nb)) if w is None else np.asarray(w, dtype=np.float64)
    return evppi_from_fits(incremental_fits(nb, x, w), w)


def noise_floor(nb: np.ndarray, w: np.ndarray, seed: int, placebos: int = PLACEBOS) -> float:
    """Mean EVPPI of ``placebos`` uniform parameters unrelated to the runs, fitted as a
    single parameter is: what estimation noise alone gives."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(20,)))
    return float(np.mean([evppi(nb, rng.random(len(nb)), w) for _ in range(placebos)]))


def by_draw(
    values: np.ndarray, draws: np.ndarray, params: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Futures averaged over each draw's seeds: (values: draws x options, parameters:
    draws x k, weights: futures per draw). ``values`` is options x futures."""
    keys, first, index = np.unique(draws, return_index=True, return_inverse=True)
    counts = np.bincount(index).astype(np.float64)
    sums = np.vstack([np.bincount(index, weights=v, minlength=len(keys)) for v in values])
    return (sums / counts).T, params[first], counts


def value_of_information(
    nb: np.ndarray,
    params: dict[str, np.ndarray],
    groups: dict[str, list[str]],
    w: np.ndarray,
    seed: int,
) -> tuple[dict[str, Any], dict[frozenset[str], np.ndarray]]:
    """EVPPI of every parameter and group, ranked, with the noise floor; and the fits
    made, by their set of parameters (for the variance shares).

    ``nb``: draws x options (oriented); ``params``: name -> values per draw (numeric);
    ``groups``: name -> member parameters (a group equal to a parameter or to an earlier
    group is fitted once and listed once). Returns JSON-ready rows, largest first.
    """
    fits: dict[frozenset[str], np.ndarray] = {}
    if len(nb) < MIN_DRAWS:
        note = f"fewer than {MIN_DRAWS} parameter draws: too few to regress on"
        return {"rows": [], "note": note}, fits
    rows = []
    for name, x in params.items():
        fits[frozenset([name])] = fitted = incremental_fits(nb, x, w)
        rows.append(_row(name, "parameter", [name], fitted, w))
    for name, members in groups.items():
        ordered = [m for m in params if m in set(members)]
        key = frozenset(ordered)
        if not ordered or key in fits:
            continue
        x = np.column_stack([params[m] for m in ordered])
        fits[key] = fitted = incremental_fits(nb, x, w)
        rows.append(_row(name, "group", ordered, fitted, w))
    rows.sort(key=lambda r: (-round(r["evppi"], 12), r["kind"] != "group", r["name"]))
    return {
        "rows": rows,
        "noise_floor": noise_floor(nb, w, seed),
        "draws": len(nb),
    }, fits


def _row(name: str, kind: str, members: list[str], fitted: np.ndarray, w: np.ndarray) -> dict:
    return {"name": name, "kind": kind, "members": members, "evppi": evppi_from_fits(fitted, w)}
