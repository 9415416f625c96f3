"""Prior distributions of the parameters a calibration estimates.

Each prior is a frozen scipy distribution (pyabc's ``RV`` wraps the same objects), so
densities come from scipy and every draw takes an explicit ``numpy.random.Generator``:
nothing reads numpy's global random state, which is what makes a calibration repeat
exactly from its seed and resume after a crash with the same draws.

Written in a spec as ``"dotted.key" = { prior = "uniform", low = 0.1, high = 0.9 }``:

* ``uniform``: ``low``, ``high``;
* ``loguniform``: ``low``, ``high`` (both > 0): for rates and weights whose order of
  magnitude is unknown;
* ``normal``: ``mean``, ``sd``, optionally truncated to ``low`` / ``high``;
* ``lognormal``: ``median``, ``sigma`` (of the log), optionally truncated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

KINDS = {
    "uniform": ({"low", "high"}, set()),
    "loguniform": ({"low", "high"}, set()),
    "normal": ({"mean", "sd"}, {"low", "high"}),
    "lognormal": ({"median", "sigma"}, {"low", "high"}),
}


class PriorError(ValueError):
    """A prior table that is not allowed (the message names the field)."""


@dataclass(frozen=True)
class Prior:
    """One parameter's prior: a dotted scenario key and a distribution on an interval."""

    key: str
    kind: str
    args: tuple[tuple[str, float], ...]

    @property
    def options(self) -> dict[str, float]:
        return dict(self.args)

    @property
    def bounds(self) -> tuple[float, float]:
        """The support (finite or infinite) of the distribution."""
        o = self.options
        if self.kind in ("uniform", "loguniform"):
            return o["low"], o["high"]
        low = o.get("low", 0.0 if self.kind == "lognormal" else -math.inf)
        return low, o.get("high", math.inf)

    def frozen(self) -> Any:
        """The scipy distribution (truncated where the spec says so)."""
        o = self.options
        if self.kind == "uniform":
            return stats.uniform(o["low"], o["high"] - o["low"])
        if self.kind == "loguniform":
            return stats.loguniform(o["low"], o["high"])
        low, high = self.bounds
        if self.kind == "normal":
            mean, sd = o["mean"], o["sd"]
            return stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
        # lognormal, truncated in log space
        mu, sigma = math.log(o["median"]), o["sigma"]
        lo = -math.inf if low <= 0 else (math.log(low) - mu) / sigma
        hi = math.inf if high == math.inf else (math.log(high) - mu) / sigma
        return _LogTruncNorm(stats.truncnorm(lo, hi, loc=mu, scale=sigma))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(self.frozen().rvs(size=n, random_state=rng), dtype=float)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.frozen().pdf(x), dtype=float)

    def quantiles(self, q: list[float]) -> list[float]:
        return [float(v) for v in self.frozen().ppf(q)]

    def describe(self) -> str:
        return f"{self.kind}(" + ", ".join(f"{k}={v:g}" for k, v in self.args) + ")"


class _LogTruncNorm:
    """exp of a truncated normal: a (truncated) log-normal with scipy's interface."""

    def __init__(self, inner: Any):
        self.inner = inner

    def rvs(self, size: int, random_state: np.random.Generator) -> np.ndarray:
        return np.exp(self.inner.rvs(size=size, random_state=random_state))

    def pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        out = np.zeros_like(x)
        pos = x > 0
        out[pos] = self.inner.pdf(np.log(x[pos])) / x[pos]
        return out

    def ppf(self, q: list[float]) -> np.ndarray:
        return np.exp(self.inner.ppf(q))


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def parse_prior(key: str, table: Any) -> Prior:
    """Build a prior from its spec table; PriorError says what is wrong."""
    if not isinstance(table, dict):
        raise PriorError('expected a table such as { prior = "uniform", low = 0.1, high = 0.9 }')
    kind = table.get("prior", "uniform")
    if not isinstance(kind, str) or kind not in KINDS:  # (a list or table is no kind)
        raise PriorError(f"prior {kind!r} is not allowed; expected one of {', '.join(KINDS)}")
    needed, optional = KINDS[kind]
    extra = set(table) - needed - optional - {"prior"}
    if extra:
        allowed = ", ".join(sorted(needed | optional | {"prior"}))
        raise PriorError(
            f"unknown field {sorted(extra)[0]!r} for a {kind} prior; allowed: {allowed}"
        )
    missing = sorted(needed - set(table))
    if missing:
        raise PriorError(
            f"a {kind} prior needs {' and '.join(sorted(needed))}; missing {missing[0]}"
        )
    args = {}
    for name in sorted(needed | optional):
        if name in table:
            if not _number(table[name]):
                raise PriorError(
                    f"{name} = {table[name]!r} is not allowed; expected a finite number"
                )
            args[name] = float(table[name])
    if "low" in args and "high" in args and args["low"] >= args["high"]:
        raise PriorError(f"low {args['low']:g} must be below high {args['high']:g}")
    if kind == "loguniform" and args["low"] <= 0:
        raise PriorError("a loguniform prior needs low > 0")
    if kind == "normal" and args["sd"] <= 0:
        raise PriorError("sd must be > 0")
    if kind == "lognormal" and (args["median"] <= 0 or args["sigma"] <= 0):
        raise PriorError("median and sigma must be > 0")
    return Prior(key, kind, tuple(sorted(args.items())))


class PriorSet:
    """The joint prior: independent priors, one per parameter, in spec order."""

    def __init__(self, priors: tuple[Prior, ...]):
        self.priors = priors
        self.keys = [p.key for p in priors]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return (
            np.column_stack([p.sample(n, rng) for p in self.priors])
            if self.priors
            else (np.zeros((n, 0)))
        )

    def pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        out = np.ones(len(x))
        for i, p in enumerate(self.priors):
            out *= p.pdf(x[:, i])
        return out

    # The sampler's working space: the log of parameters whose prior is log-scaled
    # (loguniform, lognormal), the parameter itself otherwise. A Gaussian perturbation
    # kernel fitted in the raw space of a parameter spanning orders of magnitude gives
    # importance weights prior / kernel that vary by orders of magnitude (the effective
    # sample size collapsed to 6 of 120 in a 10-parameter history calibration); in the
    # log space the prior is flat or Gaussian, as the kernel assumes.
    @property
    def log_scaled(self) -> np.ndarray:
        return np.array([p.kind in ("loguniform", "lognormal") for p in self.priors], dtype=bool)

    def to_work(self, x: np.ndarray) -> np.ndarray:
        u = np.array(np.atleast_2d(x), dtype=float)
        u[:, self.log_scaled] = np.log(u[:, self.log_scaled])
        return u

    def from_work(self, u: np.ndarray) -> np.ndarray:
        x = np.array(np.atleast_2d(u), dtype=float)
        x[:, self.log_scaled] = np.exp(x[:, self.log_scaled])
        return x

    def work_pdf(self, u: np.ndarray) -> np.ndarray:
        """The prior's density in the working space (the Jacobian of exp: times x)."""
        x = self.from_work(u)
        jacobian = np.prod(np.where(self.log_scaled, x, 1.0), axis=1)
        return self.pdf(x) * jacobian
