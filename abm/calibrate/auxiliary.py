"""Indirect inference on the location weights: the published location-choice model, fitted
to the model's own entrants.

The studies of new-firm location (Guimarães, Figueiredo and Woodward 2003, 2004; Devereux,
Griffith and Simpson 2007; Brülhart, Jametti and Schmidheiny 2012) fit a conditional logit
of where entrants go on the regions' attributes, or the Poisson count model that gives the
same coefficients (Guimarães et al. 2003; Schmidheiny and Brülhart 2011). Fitting the same
auxiliary model to a run's outside entrants gives statistics that move with the weights the
model's own choice uses (agglomeration strength, ``incentive_weight``, ``congestion_weight``,
each over the temperature), so the published estimates become targets for them.

The data of one run are the region series a sweep keeps anyway: ``outside_entries.<region>``
(the entrants that chose each region in a month) and, from the month before (the state the
entrants saw when they chose), ``firms``, ``incentive_rate``, ``tightness`` and
``compute_access`` of every region. The likelihood is the grouped conditional logit: in
month t an entrant picks region r with probability
``exp(a_r + x_{t-1,r} b) / sum_s exp(a_s + x_{t-1,s} b)``. The region constants ``a_r``
(the alternative-specific effects of Guimarães et al. 2004, which absorb every attribute
that does not change, as the model's backed-out amenities do) make it the Poisson model
with region and month fixed effects; the slopes ``b`` are then identified by changes within
regions over the replay only.

Why our own Newton iteration rather than a library: statsmodels is not a dependency (and its
``ConditionalLogit`` wants one row per entrant and alternative), scipy's optimisers would
need the same gradient and Hessian written out, and the Newton step with the analytic
Hessian is a few lines that also give the standard errors. It is deterministic and takes
milliseconds on a replay's panel (84 months x 5 regions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from abm.dates import months_between

#: The region outputs the estimator reads: the outcome, then the regressors' sources.
OUTCOME = "outside_entries"
REGION_OUTPUTS = (OUTCOME, "firms", "incentive_rate", "tightness", "compute_access")


@dataclass(frozen=True)
class Covariate:
    """One regressor: the region output it is built from, how, and what the target reports."""

    output: str
    log: bool  # ln(1 + x): the coefficient is itself an elasticity of the entry count
    doc: str


#: The auxiliary model's regressors, in the order of its coefficient vector. ``agglomeration``
#: is ln(1 + real firms), the model's own g(y) in its default log form; the other two are
#: shares, whose coefficients are semi-elasticities: the statistic reports them at the mean
#: of the regressor (the elasticity at the mean, as the published tables do).
COVARIATES: dict[str, Covariate] = {
    "agglomeration": Covariate(
        "firms", True, "elasticity of a region's entrants to its firms already there"
    ),
    "incentives": Covariate(
        "incentive_rate", False, "elasticity of entrants to the incentive on offer, at its mean"
    ),
    "tightness": Covariate(
        "tightness", False, "elasticity of entrants to labour-market tightness, at its mean"
    ),
    "compute": Covariate(
        "compute_access", False, "elasticity of entrants to the compute they can reach, at its mean"
    ),
}


@dataclass(frozen=True)
class LogitFit:
    """A fitted grouped conditional logit: slopes, their standard errors, and how it went."""

    coef: np.ndarray  # the slopes b, one per regressor
    se: np.ndarray  # their standard errors (inverse observed information)
    constants: np.ndarray  # a_r (the first region's is 0), empty without them
    loglik: float
    iterations: int
    converged: bool

    def elasticity(self, k: int, mean_x: float, log: bool) -> float:
        """The coefficient k as an elasticity of the entry count: itself for a log
        regressor, times the regressor's mean for a level one."""
        return float(self.coef[k] if log else self.coef[k] * mean_x)


def conditional_logit(
    counts: np.ndarray,
    x: np.ndarray,
    constants: bool = True,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> LogitFit:
    """Fit the grouped conditional logit by Newton's method with step halving.

    ``counts`` (months x regions): the entrants of each region in each month; ``x`` (months x
    regions x k): the regressors they saw. ``constants``: add a constant for every region but
    the first (the fixed effects). The log-likelihood ``sum n_tr log p_tr`` is concave, so
    Newton's method converges from zero whenever the estimate exists (it does not when a
    region never draws an entrant and has a constant: that constant runs to minus infinity,
    which the caller avoids by dropping such regions)."""
    counts = np.asarray(counts, dtype=float)
    x = np.asarray(x, dtype=float)
    k = x.shape[2]
    z = _design(x, constants)
    theta = np.zeros(z.shape[2])
    loglik, grad, info = _derivatives(counts, z, theta)
    converged, iterations = False, 0
    while iterations < max_iter and not converged:
        iterations += 1
        step = np.linalg.lstsq(info, grad, rcond=None)[0]
        t = 1.0
        while True:
            trial = theta + t * step
            trial_ll, trial_grad, trial_info = _derivatives(counts, z, trial)
            if trial_ll >= loglik - 1e-12 or t < 1e-8:
                break
            t /= 2
        gain = trial_ll - loglik
        theta, loglik, grad, info = trial, trial_ll, trial_grad, trial_info
        converged = abs(gain) < tol and float(np.max(np.abs(grad))) < 1e-6 * max(1.0, counts.sum())
    cov = np.linalg.pinv(info)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    a = np.concatenate([[0.0], theta[k:]]) if constants else np.zeros(0)
    return LogitFit(theta[:k], se[:k], a, float(loglik), iterations, converged)


def _design(x: np.ndarray, constants: bool) -> np.ndarray:
    """Regressors, then a dummy for every region but the first (the region constants)."""
    months, regions, _ = x.shape
    if not constants or regions < 2:
        return x
    dummies = np.broadcast_to(np.eye(regions)[:, 1:], (months, regions, regions - 1))
    return np.concatenate([x, dummies], axis=2)


def _derivatives(
    counts: np.ndarray, z: np.ndarray, theta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, gradient and information (minus the Hessian) at ``theta``."""
    eta = z @ theta  # months x regions
    eta = eta - eta.max(axis=1, keepdims=True)
    log_p = eta - np.log(np.exp(eta).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    total = counts.sum(axis=1)  # entrants per month
    loglik = float(np.sum(counts * log_p))
    grad = np.einsum("tr,trk->k", counts - total[:, None] * p, z)
    zbar = np.einsum("tr,trk->tk", p, z)  # the month's probability-weighted mean regressor
    second = np.einsum("tr,trk,trl->kl", total[:, None] * p, z, z)
    info = second - np.einsum("t,tk,tl->kl", total, zbar, zbar)
    return loglik, grad, info


def panel(
    steps: np.ndarray,
    series: Mapping[str, np.ndarray],
    start,
    first,
    last,
    covariates: tuple[str, ...] = tuple(COVARIATES),
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(counts, regressors, regions) of one run over the months ``first`` .. ``last``:
    entrants in month t against the regressors at the end of month t - 1. Regions are those
    with an ``outside_entries.<region>`` series, in sorted order; a region that drew no
    entrant in the window is left out (its constant is not estimable; it adds nothing to the
    slopes)."""
    regions = sorted(c.split(".", 1)[1] for c in series if c.startswith(OUTCOME + "."))
    index = {int(s): k for k, s in enumerate(steps)}
    i0 = months_between(start, first) + 1
    i1 = months_between(start, last) + 1
    rows = [index[i] for i in range(i0, i1 + 1) if i in index and i - 1 in index]
    lagged = [index[steps[r] - 1] for r in rows]

    def grid(name: str, at: list[int]) -> np.ndarray:
        return np.stack([np.asarray(series[f"{name}.{r}"], dtype=float)[at] for r in regions], 1)

    counts = grid(OUTCOME, rows)
    cols = []
    for name in covariates:
        cov = COVARIATES[name]
        values = grid(cov.output, lagged)
        cols.append(np.log1p(np.maximum(values, 0.0)) if cov.log else values)
    x = np.stack(cols, axis=2) if cols else np.zeros((len(rows), len(regions), 0))
    keep = counts.sum(axis=0) > 0
    return counts[:, keep], x[:, keep, :], [r for r, k in zip(regions, keep, strict=True) if k]


def estimate(
    steps: np.ndarray,
    series: Mapping[str, np.ndarray],
    start,
    first,
    last,
    covariates: tuple[str, ...] = tuple(COVARIATES),
) -> dict[str, float]:
    """The auxiliary model on one run: {covariate: elasticity}, NaN where it cannot be
    fitted (fewer than two regions with entrants, no variation, no convergence)."""
    counts, x, regions = panel(steps, series, start, first, last, covariates)
    nan = dict.fromkeys(covariates, math.nan)
    if len(regions) < 2 or counts.sum() == 0 or not np.all(np.isfinite(x)):
        return nan
    fit = conditional_logit(counts, x)
    if not fit.converged or not np.all(np.isfinite(fit.coef)):
        return nan
    out = {}
    for k, name in enumerate(covariates):
        # the mean a region's entrant saw: weighted by where they went
        mean_x = float(np.sum(counts * x[:, :, k]) / counts.sum())
        out[name] = fit.elasticity(k, mean_x, COVARIATES[name].log)
    return out
