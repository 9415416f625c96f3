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
from dataclasses import MISSING, dataclass, fields, replace
from typing import Any

import numpy as np
from scipy import stats

from abm import inputs
from abm.errors import Problem
from abm.inputs import param

NAMES = ("uniform", "loguniform", "normal", "lognormal")


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


# The prior tables a spec may write, one declaration per kind: abm/inputs.py checks each
# field (and names unknown and missing ones) from these; only low < high is a rule here.
FINITE = 1e300  # a prior's numbers are finite
_END: dict[str, Any] = {"lo": -FINITE, "hi": FINITE}
_POSITIVE: dict[str, Any] = {"lo": 0, "above": True, "hi": FINITE}


@dataclass(frozen=True, kw_only=True)
class PriorTable:
    prior: str = param("uniform", "The distribution", choices=NAMES)


@dataclass(frozen=True, kw_only=True)
class Uniform(PriorTable):
    low: float = param(doc="Lower end of the support", **_END)
    high: float = param(doc="Upper end of the support", **_END)


@dataclass(frozen=True, kw_only=True)
class LogUniform(PriorTable):
    """For rates and weights whose order of magnitude is unknown."""

    low: float = param(doc="Lower end of the support", **_POSITIVE)
    high: float = param(doc="Upper end of the support", **_POSITIVE)


@dataclass(frozen=True, kw_only=True)
class _Truncated(PriorTable):
    low: float | None = param(None, "Truncated below", **_END)
    high: float | None = param(None, "Truncated above", **_END)


@dataclass(frozen=True, kw_only=True)
class Normal(_Truncated):
    mean: float = param(doc="Mean", **_END)
    sd: float = param(doc="Standard deviation", **_POSITIVE)


@dataclass(frozen=True, kw_only=True)
class LogNormal(_Truncated):
    median: float = param(doc="Median", **_POSITIVE)
    sigma: float = param(doc="Standard deviation of the log", **_POSITIVE)


KINDS: dict[str, type[PriorTable]] = dict(
    zip(NAMES, (Uniform, LogUniform, Normal, LogNormal), strict=True)
)


def read_prior(
    key: str, table: Any, source: str = "", where: str = ""
) -> tuple[Prior | None, list[Problem]]:
    """The prior of ``key`` from its spec table at ``where`` in ``source``, or None and one
    Problem per field at fault."""
    if not isinstance(table, dict):
        what = 'expected a table such as { prior = "uniform", low = 0.1, high = 0.9 }'
        return None, [Problem(source, where, what)]
    kind = table.get("prior", "uniform")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    data = table if cls else {"prior": kind}  # (an unknown kind: only it is told)
    obj, problems = inputs.structure(data, cls or PriorTable, source, where, spec=True)
    if obj is None:
        needs = " and ".join(f.name for f in fields(cls or PriorTable) if f.default is MISSING)
        say = f"missing; a {kind} prior needs {needs}"
        return None, [replace(p, message=say) if p.message == "missing" else p for p in problems]
    args = {f.name: getattr(obj, f.name) for f in fields(obj) if f.name != "prior"}
    args = {k: float(v) for k, v in args.items() if v is not None}
    if "low" in args and "high" in args and args["low"] >= args["high"]:
        return None, [
            Problem(source, where, f"low {args['low']:g} must be below high {args['high']:g}")
        ]
    return Prior(key, kind, tuple(sorted(args.items()))), []


def parse_prior(key: str, table: Any) -> Prior:
    """Build a prior from its spec table; PriorError says what is wrong (each field)."""
    prior, problems = read_prior(key, table)
    if prior is None:
        raise PriorError("; ".join(str(p) for p in problems))
    return prior


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
