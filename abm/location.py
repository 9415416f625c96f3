"""Where firms choose a region: Arthur's (1990) location model with policy terms.

A firm weighs each region r by

    U_r = q_r + w_d ln(AI adoption_r) + g(y_r) + w_c kappa A_r + w_i I_r
          - w_cost cost_r - w_cong tightness_r + taste_r

where q_r is the geographic preference, g(y_r) the agglomeration pull of the y_r
firms already there (linear or log, optionally capped), A_r the value of the
compute it can reach (weighted by its compute intensity kappa), I_r the subsidy
rate, special-zone tax break and venture funds' equity (:func:`expected_equity`) on
offer, and taste_r the firm's own taste. It picks a region by a logit with temperature
tau; tau = 0 is Arthur's argmax.

With ``preferences = "equilibrium"`` q_r is not given but backed out (Berry 1994's
inversion, the amenities of quantitative spatial models): at the start an outside
entrant chooses each region with the probability of its observed share of firms,
so the start is a stationary point of entry rather than a state the model drifts
away from before any policy acts.

Entry can grow (:func:`entry_factor`): beside the regions, a potential entrant may stay out
of Korea's AI sector (not found a firm, or found it abroad). The regions form one nest
beside that outside option (Schmidheiny and Brülhart 2011: the conditional logit, where
entrants only move between regions, is the limit ``outside_share = 0``; the Poisson model,
where every region's entry grows with its own utility, the limit 1).
"""

from __future__ import annotations

import functools

import numpy as np

from abm.schema import Agglomeration, Location


def agglomeration(firms: np.ndarray, params: Agglomeration) -> np.ndarray:
    """g(y): the pull of the firms already in each region, capped at ``params.cap``."""
    y = np.asarray(firms, dtype=float)
    g = params.strength * (y if params.form == "linear" else np.log1p(y))
    return np.minimum(g, params.cap)


def draw_tastes(
    rng: np.random.Generator, count: int, n_regions: int, params: Location
) -> np.ndarray:
    """Each new firm's own taste for each region (Arthur's heterogeneous firm types)."""
    if params.heterogeneity == "types":
        favoured = rng.integers(0, n_regions, count)
        taste = np.zeros((count, n_regions))
        taste[np.arange(count), favoured] = params.type_bonus
        return taste
    return (
        rng.normal(0.0, params.taste_sigma, (count, n_regions))
        if params.taste_sigma
        else (np.zeros((count, n_regions)))
    )


def utilities(
    base: np.ndarray,
    taste: np.ndarray,
    intensity: np.ndarray,
    compute_value: np.ndarray,
    compute_weight: float,
) -> np.ndarray:
    """U (firms x regions) = shared regional terms + compute term + own taste."""
    return base[None, :] + compute_weight * intensity[:, None] * compute_value[None, :] + taste


def regional_terms(
    log_adoption: np.ndarray,
    firms_real: np.ndarray,
    price_level: np.ndarray,
    tightness: np.ndarray,
    nests: np.ndarray,
    params: Location,
    agglomeration_params: Agglomeration,
) -> np.ndarray:
    """The regional terms of U_r that no lever changes, shared by all entrants this month:
    demand, agglomeration of the ``firms_real`` already there, cost, congestion (the labour
    market's ``tightness``) and the districts' inclusive value ``nests``. The amenities are
    backed out from these (plus the subsidies already in force), so they are kept apart
    from :func:`with_incentives`."""
    return (
        params.demand_weight * log_adoption
        + agglomeration(firms_real, agglomeration_params)
        - params.cost_weight * price_level
        - params.congestion_weight * tightness
        + nests
    )


def with_incentives(terms: np.ndarray, incentives: np.ndarray, params: Location) -> np.ndarray:
    """The regional terms plus ``incentive_weight x I_r``: ``incentives`` is what a new site
    can expect per region as a share of its investment (subsidy, zone relief, equity)."""
    return terms + params.incentive_weight * incentives


def expected_equity(expected_krw: np.ndarray, investment: np.ndarray, value: float) -> np.ndarray:
    """The funds' term of I_r: the equity investment a new site can expect in each region
    (real won) as a share of a typical new site's investment, like the expected subsidy
    rate beside it, and worth ``value`` of a subsidy's won (the founders give up shares)."""
    share = np.divide(expected_krw, investment, out=np.zeros(len(investment)), where=investment > 0)
    return value * share


PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79)


def halton(count: int, dims: int) -> np.ndarray:
    """The first ``count`` points of the Halton sequence in [0, 1)^dims (radical inverses in
    the first primes), skipping 0. A fixed quadrature rule, not a draw: it keeps the backed-out
    amenities a function of the scenario alone. (scipy.stats.qmc.Halton gives the same points,
    but importing it costs about a second of every run's start-up.)"""
    if dims > len(PRIMES):
        raise ValueError(f"at most {len(PRIMES)} regions for the amenity inversion")
    index = np.arange(1, count + 1)
    points = np.zeros((count, dims))
    for k, base in enumerate(PRIMES[:dims]):
        j, f = index.copy(), 1.0
        while j.any():
            f /= base
            points[:, k] += f * (j % base)
            j //= base
    return points


@functools.lru_cache(maxsize=32)
def taste_nodes(
    n_regions: int, heterogeneity: str, sigma: float, bonus: float, count: int = 16384
) -> np.ndarray:
    """Points that stand for entrants' taste draws in an expectation: exact for ``types`` (one
    per favoured region, equally likely), quasi-random normal points for ``normal`` (Halton
    through Box-Muller; a share is within about 1 % at taste_sigma / temperature = 4).
    Read-only, as they are cached."""
    if heterogeneity == "types":
        points = bonus * np.eye(n_regions)
    elif sigma == 0:
        points = np.zeros((1, n_regions))
    else:
        u = halton(count, n_regions + n_regions % 2)
        radius = np.sqrt(-2.0 * np.log(u[:, 0::2]))
        angle = 2.0 * np.pi * u[:, 1::2]
        normal = np.concatenate([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        points = sigma * normal[:, :n_regions]
    points.flags.writeable = False
    return points


def _nodes(n_regions: int, params: Location) -> np.ndarray:
    return taste_nodes(n_regions, params.heterogeneity, params.taste_sigma, params.type_bonus)


def _logit(utility: np.ndarray, temperature: float) -> np.ndarray:
    z = utility / temperature
    prob = np.exp(z - z.max(axis=1, keepdims=True))
    return prob / prob.sum(axis=1, keepdims=True)


def expected_shares(base: np.ndarray, params: Location) -> np.ndarray:
    """The probability that an entrant picks each region, averaged over its taste: the
    mixed logit of :func:`choose` with :func:`draw_tastes` (``temperature`` > 0)."""
    return _logit(base[None, :] + _nodes(len(base), params), params.temperature).mean(axis=0)


def amenities(base: np.ndarray, shares: np.ndarray, params: Location) -> np.ndarray:
    """The q (mean 0) that makes :func:`expected_shares` of ``base + q`` equal ``shares``.

    Newton's method on the mixed-logit shares, whose Jacobian is E[diag(p) - p p'] / tau
    (singular along the constant, so the step is solved with sum 0); a step is halved
    while it does not reduce the error. The shares are the gradient of a convex function
    of q, so the solution is unique up to the constant (Berry 1994)."""
    target = np.asarray(shares, dtype=float) / np.sum(shares)
    tau = params.temperature
    taste = _nodes(len(base), params)
    q = tau * np.log(target) - base  # the exact answer of a logit without taste
    q -= q.mean()
    prob = _logit(base + q + taste, tau)
    gap = np.max(np.abs(np.log(prob.mean(axis=0) / target)))
    for _ in range(100):
        if gap < 1e-10:
            return q
        mean = prob.mean(axis=0)
        jacobian = (np.diag(mean) - prob.T @ prob / len(prob)) / tau
        system = np.vstack([jacobian, np.ones(len(q))])
        step = np.linalg.lstsq(system, np.append(target - mean, 0.0), rcond=None)[0]
        t = 1.0
        while True:
            trial = _logit(base + q + t * step + taste, tau)
            trial_gap = np.max(np.abs(np.log(trial.mean(axis=0) / target)))
            if trial_gap < gap or t < 1e-6:
                break
            t /= 2
        q, prob, gap = q + t * step, trial, trial_gap
    raise ArithmeticError("the amenity inversion did not converge")


def inclusive_value(utility: np.ndarray, temperature: float) -> float:
    """The regions' inclusive value, temperature x ln(sum over regions of exp(U_r /
    temperature)): the expected best utility of an entrant whose choice is the logit of
    :func:`choose` (temperature > 0)."""
    z = np.asarray(utility, dtype=float) / temperature
    top = float(z.max())
    return temperature * (top + float(np.log(np.exp(z - top).sum())))


def entry_factor(inclusive: float, reference: float, outside_share: float, tau: float) -> float:
    """Expected entrants relative to those at the reference conditions (1 there).

    A pool of potential entrants, of which a share ``1 - outside_share`` enters at the
    reference inclusive value; each enters Korea's AI sector with the logit probability
    ``P = e^(I / tau) / (e^(I / tau) + e^(U_0 / tau))`` against the outside utility U_0
    fixed by that share, so ``P / P_ref = 1 / ((1 - s) + s exp(-(I - I_ref) / tau))``. Share
    0: 1 whatever the conditions (the zero-sum conditional logit); share 1: ``exp((I -
    I_ref) / tau)`` (the Poisson limit). Better conditions in any region raise ``I`` and the
    number of entrants."""
    if outside_share == 0:
        return 1.0
    gap = min(-(inclusive - reference) / tau, 700.0)
    return 1.0 / ((1.0 - outside_share) + outside_share * float(np.exp(gap)))


def choose(utility: np.ndarray, temperature: float, u: np.ndarray) -> np.ndarray:
    """Logit choice per row, by inverting its CDF at the row's uniform ``u``; temperature 0
    is the argmax (ties to the first region)."""
    if temperature == 0 or utility.shape[1] == 1:
        return np.argmax(utility, axis=1)
    z = (utility - utility.max(axis=1, keepdims=True)) / temperature
    prob = np.exp(z)
    cum = np.cumsum(prob, axis=1)
    point = u[:, None] * cum[:, -1:]
    return np.minimum((point > cum).sum(axis=1), utility.shape[1] - 1)


def district_utilities(
    pull: np.ndarray,
    firms_real: np.ndarray,
    region_firms_real: np.ndarray,
    has_center: np.ndarray,
    bonus: np.ndarray,
    loc: Location,
) -> np.ndarray:
    """V_d of each district against the rest of its region (V = 0): its own pull, the
    concentration of its region's firms in it (log share, +1 real firm so an empty district
    can start; bounded by 0, so a district cannot run away from its region), a hosted
    center and its extra subsidy."""
    share = (firms_real + 1.0) / (region_firms_real + 1.0)
    return (
        pull
        + loc.district_agglomeration * np.log(np.minimum(share, 1.0))
        + loc.center_pull * has_center
        + loc.incentive_weight * bonus
    )


def within_space(pick: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Keep each district's newcomers within its ``room`` (agents that still fit); the last
    ones in order over the limit settle in the rest of their region (-1) instead."""
    out = pick.copy()
    for d in np.unique(pick[pick >= 0]).tolist():
        idx = np.flatnonzero(pick == d)
        out[idx[max(room[d], 0) :]] = -1
    return out


def availability(space: np.ndarray, firms_real: np.ndarray, designated: np.ndarray) -> np.ndarray:
    """Share of each district's space still free (real firms), 0 before it is designated.

    The size variable of the nest (McFadden 1978: an aggregate alternative weighs with the
    number of elemental ones, here its free lots): a district's pull fades as it fills,
    rather than switching off when less than one agent's worth of lots is left. The
    switch made the region's utility jump whenever one agent died there, more often the
    more agents there are, so regions' shares depended on the agent count.
    """
    free = np.clip((space - firms_real) / np.maximum(space, 1e-12), 0.0, 1.0)
    return np.where(designated, free, 0.0)


def inclusive_values(
    value: np.ndarray, available: np.ndarray, region_of: np.ndarray, n_regions: int, scale: float
) -> np.ndarray:
    """Per region: the nest's inclusive value, scale x ln(1 + sum over districts of
    available_d x exp(V_d / scale)); 0 for a region without available districts (only
    'the rest' to choose)."""
    weights = available * np.exp(np.minimum(value / scale, 700.0))
    total = np.bincount(region_of, weights=weights, minlength=n_regions) if len(value) else 0.0
    return scale * np.log1p(total)


def choose_district(
    region: np.ndarray,
    value: np.ndarray,
    available: np.ndarray,
    region_of: np.ndarray,
    scale: float,
    u: np.ndarray,
) -> np.ndarray:
    """Inside its chosen region each firm picks a district or the rest (-1), by the nest's
    logit: P(d) proportional to available_d x exp(V_d / scale), P(rest) to 1 (the CDF
    inverted at the firm's uniform ``u``)."""
    out = np.full(len(region), -1, dtype=np.int64)
    if len(value) == 0 or len(region) == 0:
        return out
    weights = available * np.exp(np.minimum(value / scale, 700.0))
    member = region_of[None, :] == region[:, None]  # firms x districts
    w = np.where(member, weights[None, :], 0.0)
    total = 1.0 + w.sum(axis=1)
    point = u * total
    cum = np.cumsum(w, axis=1)
    pick = (point[:, None] >= cum).sum(axis=1)  # index among districts, len(value) = the rest
    inside = point < cum[:, -1]
    out[inside] = pick[inside]
    return out
