"""Effects, not only ranks: paired differences between options with intervals and power.

Every option runs on every future (a parameter draw with a seed), so two options are
compared *future by future*: the paired difference ``A - B`` removes what the future
does to both. The statistics here take the values of one objective as a matrix, options
x futures, and the *cluster* of each future: the independent unit of the design.

**Why clusters.** A parameter draw runs with several seeds; its futures share the draw's
parameters, so they are not independent. The draws are (the posterior is sampled, the
ranges are Latin-hypercube samples), so every standard error is computed over draws: the
cluster-robust (CR1) variance of a mean, with ``G - 1`` degrees of freedom for ``G``
draws. With one seed per draw this is the ordinary paired t; when the parameters do not
vary (one draw), every future is its own cluster and seeds are the independent units.

* **mean paired difference** ``A - B`` in the objective's units, with its 95 % interval
  (Student t on the cluster-robust standard error);
* **P(A better than B)**: share of futures in which A does better (ties count half),
  with a Wilson score interval at the *effective* number of futures
  (``p(1 - p) / se**2``, the clustered variance; kept between the number of draws and of
  futures). Wilson's interval keeps its coverage near 0 and 1 and for small samples,
  where the Wald interval collapses (Brown, Cai and DasGupta 2001, Statistical Science
  16(2):101-133); the effective size is how Korn and Graubard (1998) carry it to
  clustered samples;
* **minimum detectable effect** at the runs spent: the true difference a two-sided 5 %
  paired test would detect with 80 % power, ``(t(0.975) + t(0.80)) * se`` (Bloom 1995,
  Evaluation Review 19(5):547-556); and how many futures would make it a given size;
* **P(best) with an interval**: the same Wilson interval for each option's share of
  futures won (the sequential design stops on its width, :mod:`abm.decide.sequential`).

Pure numpy and scipy: no run, no spec, so the tests check each number against a known
answer, and coverage over repeated constructed decisions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

TIE = 1e-9  # values within this relative distance count as a tie
LEVEL = 0.95  # of every interval
POWER = 0.80  # of the minimum detectable effect
_Z = float(stats.norm.ppf(0.5 + LEVEL / 2))


def clusters_of(draws: np.ndarray) -> np.ndarray:
    """The independent unit of each future: its draw, or the future itself when every
    future has the same draw (the parameters do not vary: seeds are the units)."""
    draws = np.asarray(draws)
    if len(np.unique(draws)) > 1:
        return draws
    return np.arange(len(draws))


@dataclass(frozen=True)
class Mean:
    """A mean over futures with its cluster-robust standard error."""

    value: float
    se: float
    n: int  # futures
    clusters: int

    @property
    def df(self) -> int:
        return max(self.clusters - 1, 0)

    def interval(self) -> tuple[float, float]:
        """The Student-t interval at :data:`LEVEL` (NaN with fewer than two clusters)."""
        if self.df < 1:
            return math.nan, math.nan
        half = float(stats.t.ppf(0.5 + LEVEL / 2, self.df)) * self.se
        return self.value - half, self.value + half


def cluster_mean(y: np.ndarray, clusters: np.ndarray) -> Mean:
    """Mean of ``y`` over futures, and its CR1 standard error over ``clusters``:
    ``var = G / (G - 1) * sum_g (sum_{i in g} (y_i - mean))**2 / n**2``."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n == 0:
        return Mean(math.nan, math.nan, 0, 0)
    mean = float(y.mean())
    _, index = np.unique(clusters, return_inverse=True)
    g = int(index.max()) + 1
    if g < 2:
        return Mean(mean, math.nan, n, g)
    totals = np.bincount(index, weights=y - mean, minlength=g)
    var = g / (g - 1) * float(np.sum(totals**2)) / n**2
    return Mean(mean, math.sqrt(max(var, 0.0)), n, g)


def wilson(p: float, n: float, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``p`` observed on ``n`` (effective) trials."""
    if not n > 0 or not math.isfinite(p):
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(max(p * (1 - p), 0.0) / n + z2n / (4 * n))
    low = 0.0 if p <= 0.0 else max(0.0, centre - half)  # exact ends, not 1 - 1e-16
    high = 1.0 if p >= 1.0 else min(1.0, centre + half)
    return low, high


def effective_n(m: Mean) -> float:
    """Futures worth of independent information in a clustered proportion: ``p(1-p)/se**2``,
    between the number of clusters and of futures (the number of clusters when ``p`` is 0
    or 1 and the clustering cannot be measured: the cautious choice)."""
    p, lo, hi = m.value, float(m.clusters), float(m.n)
    if not 0.0 < p < 1.0:
        return lo
    if not m.se > 0:  # every cluster has the same share: no clustering to pay for
        return hi
    return float(min(max(p * (1 - p) / m.se**2, lo), hi))


@dataclass(frozen=True)
class Proportion:
    """A share of futures with its Wilson interval at the effective number of futures."""

    value: float
    low: float
    high: float
    n_effective: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def proportion(y: np.ndarray, clusters: np.ndarray) -> Proportion:
    """The mean of ``y`` (values in [0, 1], one per future) as a clustered proportion."""
    m = cluster_mean(y, clusters)
    n_eff = effective_n(m)
    low, high = wilson(m.value, n_eff)
    return Proportion(m.value, low, high, n_eff)


def mde(se: float, df: int, power: float = POWER, level: float = LEVEL) -> float:
    """Minimum detectable effect of a two-sided paired test: ``(t_{1-a/2} + t_power) se``."""
    if df < 1 or not math.isfinite(se):
        return math.nan
    return float(stats.t.ppf(0.5 + level / 2, df) + stats.t.ppf(power, df)) * se


def futures_needed(current: Mean, target: float, per_cluster: float) -> int | None:
    """Futures needed for a minimum detectable effect of ``target`` (the standard error
    falls as one over the square root of the number of clusters; normal quantiles: the
    large-sample answer). None when it cannot be said (no variance measured yet)."""
    if current.clusters < 2 or not math.isfinite(current.se) or not target > 0:
        return None
    if current.se == 0:  # no variance: two draws show any difference
        return math.ceil(2 * per_cluster)
    z = float(stats.norm.ppf(0.5 + LEVEL / 2) + stats.norm.ppf(POWER))
    sd_cluster = current.se * math.sqrt(current.clusters)  # sd of one cluster's mean
    clusters = (z * sd_cluster / target) ** 2
    return math.ceil(clusters * per_cluster)


def better(signed_a: np.ndarray, signed_b: np.ndarray) -> np.ndarray:
    """Per future: 1 where A does better than B, 1/2 for a tie, 0 where it does worse
    (values oriented so that larger is better)."""
    tol = TIE * np.maximum(1.0, np.maximum(np.abs(signed_a), np.abs(signed_b)))
    diff = signed_a - signed_b
    return np.where(diff > tol, 1.0, np.where(diff < -tol, 0.0, 0.5))


def paired(
    a: np.ndarray, b: np.ndarray, sign: float, clusters: np.ndarray, mde_target: float | None
) -> dict[str, Any]:
    """Every statistic of the pair (A, B) of one objective, in its units (A minus B)."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    m = cluster_mean(diff, clusters)
    low, high = m.interval()
    p = proportion(better(sign * a, sign * b), clusters)
    detectable = mde(m.se, m.df)
    per_cluster = m.n / max(m.clusters, 1)
    return {
        "mean": m.value,
        "low": low,
        "high": high,
        "se": m.se,
        "significant": bool(math.isfinite(low) and (low > 0 or high < 0)),
        "p_better": p.value,
        "p_better_low": p.low,
        "p_better_high": p.high,
        "mde": detectable,
        "futures": m.n,
        "clusters": m.clusters,
        "futures_for_mde": (
            None if mde_target is None else futures_needed(m, mde_target, per_cluster)
        ),
        "futures_for_observed": futures_needed(m, abs(m.value), per_cluster),
    }


def pairwise(
    values: np.ndarray,
    names: list[str] | tuple[str, ...],
    sign: float,
    clusters: np.ndarray,
    mde_target: float | None = None,
) -> list[dict[str, object]]:
    """:func:`paired` for every pair (i < j) of options: ``a`` minus ``b``."""
    out: list[dict[str, object]] = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            stats_ij = paired(values[i], values[j], sign, clusters, mde_target)
            out.append({"a": names[i], "b": names[j], **stats_ij})
    return out


def p_best(weights: np.ndarray, clusters: np.ndarray) -> list[Proportion]:
    """Each option's probability of being best (``weights``: options x futures shares of
    the win, ties split) with its interval."""
    return [proportion(w, clusters) for w in weights]
