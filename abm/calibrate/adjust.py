"""Regression adjustment of an ABC posterior (Beaumont, Zhang and Balding 2002).

An ABC sample accepts parameters whose simulated statistics lie *near* the observed ones,
not at them, so its spread mixes what the data leave open with the tolerance. Beaumont,
Zhang and Balding (2002, "Approximate Bayesian computation in population genetics",
Genetics 162(4), 2025-2035) remove the tolerance's part: regress each parameter on the
statistics' distance from the observation among the accepted particles (weighted by an
Epanechnikov kernel in the distance and by the particles' importance weights), and move
every particle along the fitted slope to where its statistics would equal the observed:

    theta*_i = theta_i - beta' (s_i - s_obs)

Blum and François (2010, Statistics and Computing 20(1)) and the R package ``abc`` (Csilléry,
François and Blum 2012, Methods Ecol. Evol. 3(3)) do the same. Parameters are adjusted on
the logit of their position in a bounded prior (Hamilton et al. 2005, PNAS 102(48)), so an
adjusted particle stays in the prior's support, and in logs first where the prior is
log-scaled. With more statistics than the sample's effective size can carry, the slopes
are ridge-penalised by :data:`RIDGE` pseudo-observations (statistics in units of each
target's sd), which pulls them towards 0: towards no adjustment.

Why not a library: ELFI (``elfi.methods.post_processing``) and pyabc carry the method only
inside their own sample objects and dependencies; it is a weighted least-squares fit, tested
here against a conjugate normal model whose posterior is known
(tests/calibrate/test_adjust.py). Whether it serves this model is judged on the same SBC as
the plain ABC-SMC posterior (:mod:`abm.calibrate.sbc` reports both).
"""

from __future__ import annotations

import numpy as np

from abm.calibrate.abc import effective_sample_size
from abm.calibrate.priors import PriorSet

RIDGE = 1.0  # pseudo-observations the slopes are shrunk by (in units of each target's sd)
EDGE = 1e-9  # keeps a particle on the prior's edge at a finite logit


def _bounds(prior: PriorSet) -> tuple[np.ndarray, np.ndarray]:
    """The prior's support in the sampler's working space (logs where log-scaled)."""
    lo = np.array([p.bounds[0] for p in prior.priors], dtype=float)
    hi = np.array([p.bounds[1] for p in prior.priors], dtype=float)
    log = prior.log_scaled
    with np.errstate(divide="ignore"):
        lo[log], hi[log] = np.log(lo[log]), np.log(hi[log])
    return lo, hi


def to_unbounded(x: np.ndarray, prior: PriorSet) -> np.ndarray:
    """Parameters to an unbounded space: logs where log-scaled, then the logit of the
    position within a finite support (unbounded sides are left as they are)."""
    u = prior.to_work(x)
    lo, hi = _bounds(prior)
    finite = np.isfinite(lo) & np.isfinite(hi)
    p = np.clip((u[:, finite] - lo[finite]) / (hi[finite] - lo[finite]), EDGE, 1 - EDGE)
    u[:, finite] = np.log(p) - np.log1p(-p)
    return u


def from_unbounded(z: np.ndarray, prior: PriorSet) -> np.ndarray:
    """The inverse of :func:`to_unbounded`."""
    u = np.array(np.atleast_2d(z), dtype=float)
    lo, hi = _bounds(prior)
    finite = np.isfinite(lo) & np.isfinite(hi)
    u[:, finite] = lo[finite] + (hi[finite] - lo[finite]) / (1.0 + np.exp(-u[:, finite]))
    return prior.from_work(u)


def kernel_weights(weights: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """Importance weights times an Epanechnikov kernel in the distance, its bandwidth the
    largest accepted distance (the generation's tolerance); normalised."""
    d = np.asarray(distances, dtype=float)
    h = float(np.max(d)) if len(d) and np.max(d) > 0 else 1.0
    k = np.clip(1.0 - (d / (h * (1 + 1e-9))) ** 2, 0.0, None)
    w = np.asarray(weights, dtype=float) * k
    return w / w.sum()


def slopes(z: np.ndarray, delta: np.ndarray, w: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Weighted ridge regression of each column of ``z`` on ``delta`` (with an unpenalised
    intercept): the k x d matrix of slopes. The weights count as ESS observations, so
    ``ridge`` is a number of pseudo-observations."""
    n_eff = effective_sample_size(w)
    w = w / w.sum() * n_eff
    mean_d = w @ delta / w.sum()
    mean_z = w @ z / w.sum()
    dc, zc = delta - mean_d, z - mean_z
    gram = dc.T @ (dc * w[:, None]) + ridge * np.eye(delta.shape[1])
    return np.linalg.solve(gram, dc.T @ (zc * w[:, None]))


def adjust(
    params: np.ndarray,
    stats: np.ndarray,
    observed: np.ndarray,
    sd: np.ndarray,
    weights: np.ndarray,
    distances: np.ndarray,
    prior: PriorSet,
    ridge: float = RIDGE,
) -> tuple[np.ndarray, np.ndarray]:
    """(adjusted parameters, their weights): every accepted particle moved along the
    regression of its parameters on its statistics' distance from ``observed`` (in units of
    ``sd``) to where that distance is 0. Statistics that do not vary among the particles
    carry no slope and are left out."""
    delta = (np.asarray(stats, dtype=float) - observed) / sd
    varies = np.ptp(delta, axis=0) > 0
    w = kernel_weights(weights, distances)
    z = to_unbounded(params, prior)
    if varies.any():
        beta = slopes(z, delta[:, varies], w, ridge)
        z = z - delta[:, varies] @ beta
    return from_unbounded(z, prior), w


def distances(stats: np.ndarray, observed: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Each run's distance to the observations, the calibration's ``uncertainty`` distance
    (the 2-norm of the targets' z); infinite for a run with a statistic missing."""
    z = (np.asarray(stats, dtype=float) - observed) / sd
    out = np.sqrt(np.sum(z**2, axis=1))
    return np.where(np.all(np.isfinite(z), axis=1), out, np.inf)


def posterior(
    params: np.ndarray,
    stats: np.ndarray,
    weights: np.ndarray,
    observed: np.ndarray,
    sd: np.ndarray,
    prior: PriorSet,
    *,
    accept: float = 1.0,
    how: str = "none",
    ridge: float = RIDGE,
) -> tuple[np.ndarray, np.ndarray]:
    """(parameters, weights) of the posterior written from a generation: the ``accept``
    share of its particles nearest ``observed`` (all when 1), then, with ``how = "linear"``,
    the regression adjustment (:func:`adjust`). The spec's ``[method]`` sets the three;
    :mod:`abm.calibrate.report` writes the result and scripts/sbc_table.py checks it."""
    if accept >= 1 and how == "none":
        return params, weights
    keep = kept(stats, observed, sd, accept)
    d = distances(stats, observed, sd)[keep]
    w = np.asarray(weights, dtype=float)[keep]
    w = w / w.sum()
    if how == "linear":
        return adjust(params[keep], stats[keep], observed, sd, w, d, prior, ridge)
    return params[keep], w


def kept(stats: np.ndarray, observed: np.ndarray, sd: np.ndarray, accept: float) -> np.ndarray:
    """Indices of the runs :func:`posterior` keeps, in its order: the ``accept`` share with
    every statistic, nearest ``observed`` first (at least two); all, in order, when 1."""
    d = distances(stats, observed, sd)
    finite = np.flatnonzero(np.isfinite(d))
    if accept >= 1:
        return finite
    count = min(len(finite), max(2, int(np.ceil(accept * len(finite)))))
    return finite[np.argsort(d[finite], kind="stable")[:count]]
