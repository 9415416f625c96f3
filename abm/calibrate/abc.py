"""The pieces of ABC-SMC the calibration uses, each a few lines (pyabc 0.13's definitions).

Why not pyabc itself: the calibration drives the method generation by generation through the
sweep engine (:mod:`abm.calibrate.smc`) and used only pyabc's kernel, tolerance schedule,
distance and two weighted statistics, while installing pyabc brings redis, SQLAlchemy,
scikit-learn and GitPython into every install. These are the same formulas, checked against
pyabc's own results on the same inputs (``tests/calibrate/test_abc_pieces.py``; pyabc stays a
development dependency for that comparison):

* :func:`pnorm_distances`: pyabc's ``PNormDistance`` with fixed weights,
  ``(sum_i |w_i (s_i - s0_i)|^p)^(1/p)``;
* :func:`median_absolute_deviation`: ``pyabc.distance.scale.median_absolute_deviation``, the
  scale of the adaptive distance (Prangle 2017);
* :func:`quantile_epsilon`: ``QuantileEpsilon``, the ``alpha``-quantile of the last
  generation's distances under its normalised weights;
* :func:`weighted_quantile` and :func:`effective_sample_size`: pyabc's weighted statistics;
* :class:`GaussianKernel`: ``MultivariateNormalTransition``, a Gaussian KDE over the last
  generation with the weighted sample covariance times Silverman's factor squared times
  ``scaling``.
"""

from __future__ import annotations

import numpy as np


def pnorm_distances(
    stats: np.ndarray, observed: np.ndarray, weights: np.ndarray, p: float = 2.0
) -> np.ndarray:
    """Weighted p-norm distance of each row of ``stats`` (runs x statistics) to ``observed``."""
    d = np.abs(weights * (np.asarray(stats, dtype=float) - observed))
    return d.max(axis=-1) if p == np.inf else (d**p).sum(axis=-1) ** (1.0 / p)


def median_absolute_deviation(samples: np.ndarray) -> np.ndarray:
    """Per column: median(|x - median(x)|), NaNs left out."""
    return np.nanmedian(np.abs(samples - np.nanmedian(samples, axis=0)), axis=0)


def weighted_quantile(points: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """The ``alpha``-quantile of ``points`` under normalised ``weights``: the points, sorted,
    at the midpoints of their cumulative weights, interpolated linearly."""
    order = np.argsort(points)
    w = weights[order]
    return float(np.interp(alpha, np.cumsum(w) - 0.5 * w, points[order]))


def quantile_epsilon(distances: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """The next tolerance: the weighted ``alpha``-quantile of the last distances."""
    w = np.asarray(weights, dtype=float)
    return weighted_quantile(np.asarray(distances, dtype=float), w / w.sum(), alpha)


def effective_sample_size(weights: np.ndarray) -> float:
    """(sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(np.sum(w) ** 2 / np.sum(w**2))


class GaussianKernel:
    """A Gaussian kernel density over weighted particles: the perturbation kernel.

    ``X`` (particles x parameters) and ``w`` (normalised) are the particles; ``cov`` is the
    weighted sample covariance times Silverman's factor ``(4 / (n (d + 2)))^(1 / (d + 4))``
    squared (n: the effective sample size) times ``scaling``.
    """

    def __init__(self, X: np.ndarray, w: np.ndarray, scaling: float = 1.0):
        from scipy import stats

        self.X = np.asarray(X, dtype=float)
        w = np.asarray(w, dtype=float)
        self.w = w / w.sum() if w.size and not np.isclose(w.sum(), 1) else w
        if len(self.X) == 1:
            cov = np.diag(np.abs(self.X[0]))
        else:
            cov = np.atleast_2d(np.cov(self.X, aweights=self.w, rowvar=False))
        dim = cov.shape[0]
        n_eff = 1.0 / (self.w**2).sum()
        factor = (4.0 / n_eff / (dim + 2)) ** (1.0 / (dim + 4))
        self.cov = cov * factor**2 * scaling
        self._normal = stats.multivariate_normal(cov=self.cov, allow_singular=True)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density at each row of ``x`` (points x parameters)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return np.array([float((self._normal.pdf(xi - self.X) * self.w).sum()) for xi in x])
